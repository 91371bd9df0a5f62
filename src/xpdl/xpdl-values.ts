/**
 * Small value translations between XPDL's vocabulary and the engine's model, shared by the
 * importer and the exporter so that both directions agree.
 */
import type { DataType, JoinType, ParticipantType, SplitType } from '../engine';

const BASIC_TYPES: ReadonlySet<string> = new Set(['STRING', 'INTEGER', 'FLOAT', 'BOOLEAN', 'DATETIME', 'REFERENCE', 'PERFORMER']);

/** `BasicType@Type` → DataType; DeclaredType, SchemaType, RecordType, DATE, TIME… are `ANY`. */
export function dataTypeFromBasicType(basicType: string | undefined): DataType {
  return basicType !== undefined && BASIC_TYPES.has(basicType) ? (basicType as DataType) : 'ANY';
}

export const PARTICIPANT_TYPES: ReadonlySet<string> = new Set([
  'ROLE', 'HUMAN', 'ORGANIZATIONAL_UNIT', 'SYSTEM', 'RESOURCE', 'RESOURCE_SET',
]);

export function isParticipantType(value: string | undefined): value is ParticipantType {
  return value !== undefined && PARTICIPANT_TYPES.has(value);
}

/** XPDL booleans: the schema says xsd:boolean, JaWE and Shark write TRUE/FALSE. */
export function isXpdlTrue(value: string | undefined): boolean {
  return value !== undefined && /^(true|1)$/i.test(value.trim());
}

export type GatewayKind = 'xor' | 'and' | 'or' | 'complex';

/** Join/Split@Type and Route@GatewayType share one vocabulary (XPDL 1.0 names and BPMN names). */
export function gatewayKind(type: string | undefined): GatewayKind | undefined {
  switch (type) {
    case 'XOR':
    case 'Exclusive':
      return 'xor';
    case 'AND':
    case 'Parallel':
      return 'and';
    case 'OR':
    case 'Inclusive':
      return 'or';
    case 'Complex':
      return 'complex';
    default:
      return undefined;
  }
}

export function gatewayTypeName(kind: JoinType | SplitType): 'Exclusive' | 'Parallel' | 'Inclusive' {
  switch (kind) {
    case 'and':
      return 'Parallel';
    case 'or':
      return 'Inclusive';
    default:
      return 'Exclusive';
  }
}

/**
 * A STRING field's InitialValue in XPDL is usually the literal text (`Hello`), while the engine
 * evaluates initial values as expressions; so unless the text already is one complete string
 * literal it is turned into a JSON string literal.
 */
export function stringInitialValue(textValue: string): string {
  return isSingleStringLiteral(textValue) ? textValue : JSON.stringify(textValue);
}

function isSingleStringLiteral(source: string): boolean {
  if (source.length < 2) return false;
  const quote = source[0];
  if ((quote !== '"' && quote !== "'") || source[source.length - 1] !== quote) return false;
  // The literal must close exactly at the last character: `"a" + "b"` is an expression.
  let i = 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) return i === source.length - 1;
    i++;
  }
  return false;
}

// Weeks, days, hours, minutes, seconds: the engine's timer refuses years and months because their
// length depends on the calendar, so the importer refuses them too rather than deploy a deadline
// that cannot be scheduled.
const ISO_DURATION = /^P(?!$)(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

/**
 * A Deadline's duration in a form the engine's timer can schedule: milliseconds or ISO-8601.
 * Shark definitions compute the due date in Java (`d.setTime(created.getTime()+60000); d;`); the
 * offset is the only part that matters, so it is lifted out. Returns undefined when the text is
 * none of these.
 */
export function normaliseDuration(raw: string): string | undefined {
  const source = raw.trim();
  if (/^\d+(\.\d+)?$/.test(source)) return source;
  if (ISO_DURATION.test(source)) return source;
  // The offset must be the whole right-hand side: `getTime()+60000*5` is not 60000.
  const shark = /getTime\s*\(\s*\)\s*\+\s*(\d+)[lL]?\s*(?=[);,]|$)/.exec(source);
  if (shark) return shark[1];
  return undefined;
}

/**
 * The process a remote SubFlow starts, derived from its factory address: the Wf-XML demo engines
 * named it in the query (`procDef=` for Shark, `planName=` for i-Flow), the others in the last
 * path segment.
 */
export function remoteProcessId(address: string): string {
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    url = undefined;
  }
  if (url) {
    for (const key of ['procDef', 'planName']) {
      const value = url.searchParams.get(key);
      if (value) return value;
    }
    const segments = url.pathname.split('/').filter((s) => s !== '');
    if (segments.length > 0) return decodeURIComponent(segments[segments.length - 1]);
    return url.hostname;
  }
  const query = /[?&](?:procDef|planName)=([^&#]+)/.exec(address);
  if (query) return query[1];
  const segments = address.split(/[?#]/)[0].split('/').filter((s) => s !== '');
  return segments[segments.length - 1] ?? address;
}

/**
 * Shark's `ParamMapping` extended attribute, `"actual,formal; actual2,formal2;"`: the caller's
 * variable on the left, the remote process's parameter on the right.
 */
export function parseParamMapping(value: string | undefined): Map<string, string> {
  const renames = new Map<string, string>();
  if (!value) return renames;
  for (const pair of value.split(';')) {
    const [actual, formal] = pair.split(',').map((s) => s.trim());
    if (actual && formal) renames.set(actual, formal);
  }
  return renames;
}

/** XPDL Id and IdRef are NMTOKENs; the exporter must not write anything else there. */
export function isNmToken(value: string): boolean {
  return /^[\p{L}\p{N}_.:\-\u00B7\u0300-\u036F\u203F-\u2040]+$/u.test(value);
}

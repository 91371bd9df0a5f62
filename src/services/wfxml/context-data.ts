import type { DataField, DataType, ProcessDefinition } from '../../engine';
import { ATTRIBUTES_KEY, TEXT_KEY, type SoapNode } from '../soap';
import { SoapFault } from '../soap';
import { escapeXml } from '../soap';
import { XSD_NS } from './namespaces';

/**
 * ContextData and ResultData ↔ process data. Each data field travels as one element named by the
 * field id, without a namespace; on input any namespace is accepted and the local name decides
 * (the SOAP layer has already dropped the prefixes). A field declared as an array repeats its
 * element. Values are text in their XML Schema lexical form; the engine converts them to the
 * declared type and refuses names the process does not declare.
 */

// -------------------------------------------------------------------------------------------------
// Names: a field id is an XPDL NMTOKEN, which may start with a digit or hold characters an XML
// element name cannot. Those are written the way .NET's XmlConvert.EncodeLocalName does
// (`_xHHHH_`), the convention the other toolkits already decode.

const NAME_START = /[A-Za-z_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const NAME_CHAR = /[-.0-9\u00B7\u0300-\u036F\u203F\u2040]/;

export function encodeLocalName(id: string): string {
  let out = '';
  for (let i = 0; i < id.length; i++) {
    const c = id[i];
    const literalEscape = c === '_' && /^_x[0-9A-Fa-f]{4}_/.test(id.slice(i));
    const ok = !literalEscape && (NAME_START.test(c) || (i > 0 && NAME_CHAR.test(c)));
    out += ok ? c : `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`;
  }
  return out || '_';
}

export function decodeLocalName(name: string): string {
  return name.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

// -------------------------------------------------------------------------------------------------
// Reading

/**
 * The values in a ContextData/ResultData element, by field id. Text stays text (the engine
 * coerces it); a repeated element becomes an array; xsi:nil becomes null; an element with
 * children is kept as the parsed structure, which only ANY-typed fields accept.
 */
export function readDataElement(node: SoapNode | undefined, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!node) return out;
  if (typeof node[TEXT_KEY] === 'string' && (node[TEXT_KEY] as string).trim() !== '') {
    throw new SoapFault('Client', `${path} must hold one element per data field (such as <caseRef>BP-1</caseRef>), not text`, 'INVALID_FIELD');
  }
  for (const [name, value] of Object.entries(node)) {
    if (name === ATTRIBUTES_KEY || name === TEXT_KEY) continue;
    const id = decodeLocalName(name);
    out[id] = Array.isArray(value) ? value.map(plainValue) : plainValue(value);
  }
  return out;
}

function plainValue(value: unknown): unknown {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return value;
  const node = value as SoapNode;
  const attrs = node[ATTRIBUTES_KEY] as Record<string, string> | undefined;
  if (attrs?.nil === 'true' || attrs?.nil === '1') return null;
  const childNames = Object.keys(node).filter((k) => k !== ATTRIBUTES_KEY && k !== TEXT_KEY);
  if (childNames.length === 0) return typeof node[TEXT_KEY] === 'string' ? node[TEXT_KEY] : '';
  const out: Record<string, unknown> = {};
  for (const k of childNames) out[k] = Array.isArray(node[k]) ? (node[k] as unknown[]).map(plainValue) : plainValue(node[k]);
  return out;
}

// -------------------------------------------------------------------------------------------------
// Writing

/** Formal OUT/INOUT parameters when the process declares any; otherwise every field is a result. */
export function resultFields(def: ProcessDefinition): DataField[] {
  const out = def.dataFields.filter((f) => f.mode === 'OUT' || f.mode === 'INOUT');
  return out.length ? out : def.dataFields;
}

/** Every field can be given at creation: the engine accepts any declared field in CreateInstance. */
export function contextFields(def: ProcessDefinition): DataField[] {
  return def.dataFields;
}

function lexical(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  // ANY-typed structured values: JSON keeps them intact where XML would need a schema per field.
  return JSON.stringify(value);
}

/**
 * The children of a ContextData/ResultData element: the given fields in declaration order, then
 * any value the instance holds for a name the definition does not declare (data set by an older
 * version), so nothing the caller could see elsewhere is hidden. Null and undefined are left out.
 */
export function dataChildren(fields: readonly DataField[], data: Record<string, unknown>, includeUndeclared = false): string {
  const parts: string[] = [];
  const write = (id: string, value: unknown) => {
    if (value === undefined || value === null) return;
    const name = encodeLocalName(id);
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined || v === null) continue;
      parts.push(`<${name}>${escapeXml(lexical(v))}</${name}>`);
    }
  };
  const declared = new Set<string>();
  for (const f of fields) {
    declared.add(f.id);
    write(f.id, data[f.id]);
  }
  if (includeUndeclared) for (const [k, v] of Object.entries(data)) if (!declared.has(k)) write(k, v);
  return parts.join('');
}

const XSD_TYPES: Record<DataType, string> = {
  STRING: 'xsd:string',
  INTEGER: 'xsd:long',
  FLOAT: 'xsd:double',
  BOOLEAN: 'xsd:boolean',
  DATETIME: 'xsd:dateTime',
  REFERENCE: 'xsd:string',
  PERFORMER: 'xsd:string',
  ANY: 'xsd:anyType',
};

/**
 * An XML Schema (no target namespace) declaring one global element per field, for a factory's
 * ContextDataSchema/ResultDataSchema: the children of ContextData validate against it.
 */
export function dataSchema(fields: readonly DataField[]): string {
  const elements = fields.map((f) => {
    const doc = f.name || f.description ? `<xsd:annotation><xsd:documentation>${escapeXml([f.name, f.description].filter(Boolean).join(' — '))}</xsd:documentation></xsd:annotation>` : '';
    return `<xsd:element name="${escapeXml(encodeLocalName(f.id))}" type="${XSD_TYPES[f.type] ?? 'xsd:anyType'}">${doc}</xsd:element>`;
  });
  return `<xsd:schema xmlns:xsd="${XSD_NS}" elementFormDefault="unqualified">${elements.join('')}</xsd:schema>`;
}

import { InvalidDataError } from '../errors';
import type { DataField, ProcessDefinition } from '../definition/process-definition';

/**
 * Values from the outside (CLI flags, SOAP strings, XPDL initial values) arrive as text. They are
 * converted to the declared type once, at the boundary, so conditions compare like with like.
 */
export function coerceValue(field: DataField, value: unknown): unknown {
  const coerced = coerceToType(field, value);
  if (field.allowedValues?.length && typeof coerced === 'string' && coerced !== '' && !field.allowedValues.includes(coerced)) {
    throw new InvalidDataError(`Data field "${field.id}" takes one of: ${field.allowedValues.join(', ')}; ${JSON.stringify(coerced)} is not among them`);
  }
  return coerced;
}

function coerceToType(field: DataField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.isArray && Array.isArray(value)) return value.map((v) => coerceValue({ ...field, isArray: false }, v));
  const fail = (): never => {
    throw new InvalidDataError(
      `Data field "${field.id}" is ${field.type}${field.isArray ? '[]' : ''}; ${JSON.stringify(value)} is not a valid value`,
    );
  };
  switch (field.type) {
    case 'BOOLEAN':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') {
        // xsd:boolean's lexical space exactly (whitespace collapsed): "yes" or "TRUE" is a guess
        // about what the sender meant, and a typo must not pass as a decision (docs/contract.md).
        const v = value.trim();
        if (v === 'true' || v === '1') return true;
        if (v === 'false' || v === '0') return false;
        throw new InvalidDataError(
          `Data field "${field.id}" is BOOLEAN: send true, false, 1 or 0 (xsd:boolean); ${v === '' ? 'got an empty value (PHP SoapClient sends PHP false that way: send "false" or 0; leave Value out for no value)' : `${JSON.stringify(value)} is not one of them`}`,
        );
      }
      if (value === 1 || value === 0) return value === 1;
      return fail();
    case 'INTEGER': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n === 'number' && Number.isInteger(n)) return n;
      return fail();
    }
    case 'FLOAT': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n === 'number' && Number.isFinite(n)) return n;
      return fail();
    }
    case 'DATETIME': {
      if (value instanceof Date) return value.toISOString();
      if (typeof value === 'number') return new Date(value).toISOString();
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
      return fail();
    }
    case 'STRING':
    case 'PERFORMER':
    case 'REFERENCE':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return fail();
    default:
      return value;
  }
}

/**
 * Checks and converts a batch of incoming values. Names the process does not declare are refused
 * (a typo in a field name would otherwise be silently ignored by every condition).
 */
export function coerceData(
  def: ProcessDefinition,
  data: Record<string, unknown> | undefined,
  allowed?: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!data) return out;
  const fields = new Map(def.dataFields.map((f) => [f.id, f]));
  for (const [name, value] of Object.entries(data)) {
    const field = fields.get(name);
    if (!field) {
      const declared = def.dataFields.map((f) => f.id).join(', ') || '(none)';
      throw new InvalidDataError(`Process "${def.id}" has no data field "${name}"; declared fields: ${declared}`);
    }
    if (allowed && allowed.length && !allowed.includes(name)) {
      throw new InvalidDataError(`Data field "${name}" may not be updated here; this activity updates: ${allowed.join(', ')}`);
    }
    out[name] = coerceValue(field, value);
  }
  return out;
}

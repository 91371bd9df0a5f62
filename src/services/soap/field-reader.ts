import { ATTRIBUTES_KEY, TEXT_KEY, type SoapNode } from './envelope-parser';
import { fieldFault } from './soap-fault';

/**
 * Typed access to a parsed request element. Every failure is a Client fault naming the field by
 * its path (StartProcess/Data/Item[2]/Name) and saying what was expected, because the caller has
 * no schema validator on our side to tell them.
 */
/** ps:Identifier's maxLength in process-service.xsd. */
export const MAX_IDENTIFIER_LENGTH = 512;

export class FieldReader {
  constructor(
    private readonly node: SoapNode,
    /** The element's path, for messages: the operation name at the top. */
    readonly path: string,
  ) {}

  static of(body: SoapNode, operation: string): FieldReader {
    return new FieldReader(body, operation);
  }

  /** Whether the element is present at all (xsi:nil counts as absent). */
  has(name: string): boolean {
    return this.occurrences(name).length > 0;
  }

  optionalString(name: string): string | undefined {
    const values = this.occurrences(name);
    if (values.length === 0) return undefined;
    if (values.length > 1) throw fieldFault(this.at(name), `appears ${values.length} times; expected at most once`);
    return this.textOf(name, values[0]);
  }

  string(name: string, options: { allowEmpty?: boolean } = {}): string {
    const value = this.optionalString(name);
    if (value === undefined) throw fieldFault(this.at(name), 'is missing; expected a string (xsd:string)');
    if (!options.allowEmpty && value.trim() === '') throw fieldFault(this.at(name), 'is empty; expected a non-empty string');
    return value;
  }

  /** An id field (ps:Identifier in process-service.xsd: 1 to 512 characters). */
  identifier(name: string): string {
    return this.checkIdentifier(name, this.string(name));
  }

  optionalIdentifier(name: string): string | undefined {
    const v = this.optionalString(name);
    return v === undefined ? undefined : this.checkIdentifier(name, v);
  }

  private checkIdentifier(name: string, value: string): string {
    const length = [...value].length;
    if (length > MAX_IDENTIFIER_LENGTH) throw fieldFault(this.at(name), `is ${length} characters long; at most ${MAX_IDENTIFIER_LENGTH} are allowed (an identifier, ps:Identifier)`);
    return value;
  }

  optionalInteger(name: string, bounds: { min?: number; max?: number } = {}): number | undefined {
    const raw = this.optionalString(name);
    if (raw === undefined) return undefined;
    const text = raw.trim();
    const n = /^[+-]?\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
    const range = bounds.min !== undefined && bounds.max !== undefined ? ` between ${bounds.min} and ${bounds.max}`
      : bounds.min !== undefined ? ` of at least ${bounds.min}` : bounds.max !== undefined ? ` of at most ${bounds.max}` : '';
    if (!Number.isInteger(n) || (bounds.min !== undefined && n < bounds.min) || (bounds.max !== undefined && n > bounds.max)) {
      throw fieldFault(this.at(name), `expected an integer (xsd:int)${range}; got "${truncate(raw)}"`);
    }
    return n;
  }

  integer(name: string, bounds: { min?: number; max?: number } = {}): number {
    const n = this.optionalInteger(name, bounds);
    if (n === undefined) throw fieldFault(this.at(name), 'is missing; expected an integer (xsd:int)');
    return n;
  }

  optionalBoolean(name: string): boolean | undefined {
    const raw = this.optionalString(name);
    if (raw === undefined) return undefined;
    const text = raw.trim();
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    if (text === '') throw fieldFault(this.at(name), 'is empty; expected a boolean (xsd:boolean: true, false, 1 or 0) (PHP SoapClient sends PHP false as an empty element: pass "false" or 0)');
    throw fieldFault(this.at(name), `expected a boolean (xsd:boolean: true, false, 1 or 0); got "${truncate(raw)}"`);
  }

  optionalEnum<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.optionalString(name);
    if (raw === undefined) return undefined;
    const text = raw.trim();
    if (!(allowed as readonly string[]).includes(text)) throw fieldFault(this.at(name), `expected one of ${allowed.join(', ')}; got "${truncate(raw)}"`);
    return text as T;
  }

  enumeration<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.optionalEnum(name, allowed);
    if (value === undefined) throw fieldFault(this.at(name), `is missing; expected one of ${allowed.join(', ')}`);
    return value;
  }

  /**
   * Like optionalString, but an element given as xsi:nil="true" is null rather than absent: for
   * values where null is said on purpose (the transfer's data, docs/transfer-design.md).
   */
  nullableString(name: string): string | null | undefined {
    const all = this.all(name);
    if (all.length > 1) throw fieldFault(this.at(name), `appears ${all.length} times; expected at most once`);
    if (all.length === 0) return undefined;
    return isNil(all[0]) ? null : this.textOf(name, all[0]);
  }

  /** Every occurrence of a repeating text element, in order, one given as xsi:nil="true" as null. */
  nullableStrings(name: string): Array<string | null> {
    return this.all(name).map((v, i, all) => (isNil(v) ? null : this.textOf(all.length > 1 ? `${name}[${i + 1}]` : name, v)));
  }

  /** Every occurrence of a repeating text element. */
  strings(name: string): string[] {
    return this.occurrences(name).map((v, i, all) => this.textOf(all.length > 1 ? `${name}[${i + 1}]` : name, v));
  }

  /** A child element with structure, or undefined when absent. */
  optionalChild(name: string): FieldReader | undefined {
    const values = this.occurrences(name);
    if (values.length === 0) return undefined;
    if (values.length > 1) throw fieldFault(this.at(name), `appears ${values.length} times; expected at most once`);
    return new FieldReader(asNode(values[0]), this.at(name));
  }

  child(name: string): FieldReader {
    const reader = this.optionalChild(name);
    if (!reader) throw fieldFault(this.at(name), 'is missing');
    return reader;
  }

  /** Every occurrence of a repeating structured element, each with its own path. */
  children(name: string): FieldReader[] {
    const values = this.occurrences(name);
    return values.map((v, i) => new FieldReader(asNode(v), values.length > 1 ? `${this.at(name)}[${i + 1}]` : this.at(name)));
  }

  /** The raw parsed element, for content this reader has no accessor for (ContextData, say). */
  get raw(): SoapNode {
    return this.node;
  }

  private at(name: string): string {
    return `${this.path}/${name}`;
  }

  private occurrences(name: string): unknown[] {
    return this.all(name).filter((v) => !isNil(v));
  }

  /** Every occurrence, xsi:nil ones included. */
  private all(name: string): unknown[] {
    if (!Object.prototype.hasOwnProperty.call(this.node, name)) return [];
    const value = this.node[name];
    return Array.isArray(value) ? value : [value];
  }

  private textOf(name: string, value: unknown): string {
    if (typeof value === 'string') return value;
    const node = value as SoapNode;
    const structured = Object.keys(node).some((k) => k !== ATTRIBUTES_KEY && k !== TEXT_KEY);
    if (structured) throw fieldFault(this.at(name), 'expected text, got child elements');
    return typeof node[TEXT_KEY] === 'string' ? (node[TEXT_KEY] as string) : '';
  }
}

function isNil(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const attrs = (value as SoapNode)[ATTRIBUTES_KEY] as Record<string, string> | undefined;
  return attrs?.nil === 'true' || attrs?.nil === '1';
}

function asNode(value: unknown): SoapNode {
  if (value !== null && typeof value === 'object') return value as SoapNode;
  const node = Object.create(null) as SoapNode;
  if (typeof value === 'string' && value.trim() !== '') node[TEXT_KEY] = value;
  return node;
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}

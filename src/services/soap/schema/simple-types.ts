import type { Builtin, SimpleType } from './xsd-model';

/**
 * Lexical checks of the XML Schema built-in types, as XSD 1.0 part 2 defines them: whitespace is
 * collapsed for every type but xsd:string and xsd:normalizedString, then the text must be in the
 * type's lexical space. Nothing outside it is tolerated (docs/contract.md lists why for xsd:boolean).
 */

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const FLOAT = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?INF|NaN)$/;
const TZ = '(?:Z|[+-](?:(?:0\\d|1[0-3]):[0-5]\\d|14:00))?';
const DATE = '-?(?:[1-9]\\d{3,}|0\\d{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])';
const TIME = '(?:(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?|24:00:00(?:\\.0+)?)';
const DATE_TIME = new RegExp(`^${DATE}T${TIME}${TZ}$`);
const DATE_ONLY = new RegExp(`^${DATE}${TZ}$`);
const TIME_ONLY = new RegExp(`^${TIME}${TZ}$`);
const DURATION = /^-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$/;
const G_YEAR = new RegExp(`^-?(?:[1-9]\\d{3,}|0\\d{3})${TZ}$`);
const G_YEAR_MONTH = new RegExp(`^-?(?:[1-9]\\d{3,}|0\\d{3})-(?:0[1-9]|1[0-2])${TZ}$`);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const NCNAME = /^[\p{L}_][\p{L}\p{N}._\-\u00B7\u0300-\u036F\u203F-\u2040]*$/u;
const NAME = /^[\p{L}_:][\p{L}\p{N}._:\-\u00B7\u0300-\u036F\u203F-\u2040]*$/u;
const NMTOKEN = /^[\p{L}\p{N}._:\-\u00B7\u0300-\u036F\u203F-\u2040]+$/u;
const LANGUAGE = /^[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*$/;
/**
 * xsd:anyURI (XSD 1.0 §3.2.17): a URI reference once non-ASCII characters and spaces are escaped.
 * What is left that no escaping makes a URI: characters RFC 3986 never allows (<>"{}|\^` and
 * controls), a "%" not followed by two hex digits, a scheme that does not start with a letter.
 */
const URI_FORBIDDEN = /[<>"{}|\\^`\u0000-\u001F\u007F]|%(?![0-9A-Fa-f]{2})/;
const URI_SCHEME = /^[^/?#]*:/;
const URI_SCHEME_OK = /^[A-Za-z][A-Za-z0-9+.-]*:/;

const INTEGER_RANGES: Partial<Record<Builtin, [bigint, bigint]>> = {
  long: [-(2n ** 63n), 2n ** 63n - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  short: [-32768n, 32767n],
  byte: [-128n, 127n],
  unsignedLong: [0n, 2n ** 64n - 1n],
  unsignedInt: [0n, 2n ** 32n - 1n],
  unsignedShort: [0n, 65535n],
  unsignedByte: [0n, 255n],
};

const INTEGER_TYPES = new Set<Builtin>(['integer', 'long', 'int', 'short', 'byte', 'nonNegativeInteger', 'positiveInteger', 'nonPositiveInteger', 'negativeInteger', 'unsignedLong', 'unsignedInt', 'unsignedShort', 'unsignedByte']);
const NUMBER_TYPES = new Set<Builtin>([...INTEGER_TYPES, 'decimal', 'float', 'double']);

const NOUNS: Partial<Record<Builtin, string>> = {
  string: 'a string', normalizedString: 'a string', token: 'a string', boolean: 'a boolean', decimal: 'a decimal number', float: 'a number', double: 'a number',
  dateTime: 'a date and time', date: 'a date', time: 'a time', duration: 'a duration', anyURI: 'a URI', base64Binary: 'base64 data', hexBinary: 'hex data',
};

const EXAMPLES: Partial<Record<Builtin, string>> = {
  boolean: 'true, false, 1 or 0',
  dateTime: 'e.g. 2026-12-02T09:30:00Z',
  date: 'e.g. 2026-12-02',
  time: 'e.g. 09:30:00',
  duration: 'e.g. P3DT4H',
  anyURI: 'e.g. urn:x:1 or http://host/path',
};

function noun(b: Builtin): string {
  return NOUNS[b] ?? (INTEGER_TYPES.has(b) ? 'an integer' : 'a value');
}

/** What a value of this type looks like: `an integer (xsd:int) between 1 and 1000`, `a string (ps:Identifier, 1 to 512 characters)`. */
export function describeSimple(type: SimpleType): string {
  const f = type.facets;
  if (f.enumeration) return `one of ${f.enumeration.join(', ')}`;
  if (type.union) return `a value of ${type.label} (${type.union.map(describeSimple).join(', or ')})`;
  if (type.list) return `a space-separated list of ${describeSimple(type.list)}`;
  const label = type.label === `xsd:${type.builtin}` ? type.label : `${type.label}, xsd:${type.builtin}`;
  const example = EXAMPLES[type.builtin];
  let out = `${noun(type.builtin)} (${label}${example ? `: ${example}` : ''})`;
  if (f.length !== undefined) out += ` of exactly ${f.length} characters`;
  else if (f.minLength !== undefined && f.maxLength !== undefined) out += ` of ${f.minLength} to ${f.maxLength} characters`;
  else if (f.maxLength !== undefined) out += ` of at most ${f.maxLength} characters`;
  else if (f.minLength !== undefined) out += ` of at least ${f.minLength} character${f.minLength === 1 ? '' : 's'}`;
  out += range(type);
  return out;
}

function range(type: SimpleType): string {
  const f = type.facets;
  const min = f.minInclusive ?? (f.minExclusive !== undefined ? f.minExclusive + (INTEGER_TYPES.has(type.builtin) ? 1 : 0) : undefined);
  const max = f.maxInclusive ?? (f.maxExclusive !== undefined ? f.maxExclusive - (INTEGER_TYPES.has(type.builtin) ? 1 : 0) : undefined);
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

/** undefined when valid, else what is wrong, for a fault: `expected an integer (xsd:int); got "abc"`. */
export function checkSimple(type: SimpleType, raw: string): string | undefined {
  const preserve = type.builtin === 'string' || type.builtin === 'anySimpleType';
  const text = preserve ? raw : type.builtin === 'normalizedString' ? raw.replace(/[\t\n\r]/g, ' ') : raw.replace(/[\t\n\r ]+/g, ' ').trim();
  if (type.union) {
    return type.union.some((m) => checkSimple(m, raw) === undefined) ? undefined : `expected ${describeSimple(type)}; got "${truncate(raw)}"`;
  }
  if (type.list) {
    const items = text === '' ? [] : text.split(' ');
    for (const item of items) {
      const problem = checkSimple(type.list, item);
      if (problem !== undefined) return `expected ${describeSimple(type)}; the item "${truncate(item)}" is not valid`;
    }
    return lengthProblem(type, items.length, 'items');
  }
  const f = type.facets;
  if (f.enumeration) {
    return f.enumeration.includes(text) ? undefined : text === '' ? `is empty; expected ${describeSimple(type)}` : `expected ${describeSimple(type)}; got "${truncate(raw)}"`;
  }
  const lexical = lexicalProblem(type, text);
  if (lexical !== undefined) return lexical;
  if (NUMBER_TYPES.has(type.builtin)) {
    const n = Number(text);
    if ((f.minInclusive !== undefined && n < f.minInclusive) || (f.maxInclusive !== undefined && n > f.maxInclusive)
      || (f.minExclusive !== undefined && n <= f.minExclusive) || (f.maxExclusive !== undefined && n >= f.maxExclusive)) {
      return `expected ${describeSimple(type)}; got "${truncate(raw)}"`;
    }
  } else {
    const length = type.builtin === 'base64Binary' ? Math.floor((text.replace(/=/g, '').length * 3) / 4) : type.builtin === 'hexBinary' ? text.length / 2 : codePoints(text);
    const problem = lengthProblem(type, length, 'characters');
    if (problem !== undefined) return length === 0 ? `is empty; expected ${describeSimple(type)}` : problem;
  }
  if (f.patterns && !f.patterns.every((p) => p.test(text))) return `expected ${describeSimple(type)} matching the pattern of ${type.label}; got "${truncate(raw)}"`;
  return undefined;
}

/** Characters as XSD counts them (code points), without building an array per value. */
function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

function lengthProblem(type: SimpleType, length: number, unit: string): string | undefined {
  const f = type.facets;
  if (f.length !== undefined && length !== f.length) return `is ${length} ${unit} long; exactly ${f.length} are required (${type.label})`;
  if (f.maxLength !== undefined && length > f.maxLength) return `is ${length} ${unit} long; at most ${f.maxLength} are allowed (${type.label})`;
  if (f.minLength !== undefined && length < f.minLength) return `is ${length} ${unit} long; at least ${f.minLength} ${f.minLength === 1 ? unit.replace(/s$/, '') + ' is' : unit + ' are'} required (${type.label})`;
  return undefined;
}

function lexicalProblem(type: SimpleType, text: string): string | undefined {
  const b = type.builtin;
  const bad = () => (text === '' ? `is empty; expected ${describeSimple(type)}` : `expected ${describeSimple(type)}; got "${truncate(text)}"`);
  switch (b) {
    case 'string':
    case 'normalizedString':
    case 'token':
    case 'anySimpleType':
      return undefined;
    case 'boolean':
      if (text === 'true' || text === 'false' || text === '1' || text === '0') return undefined;
      // PHP's SoapClient writes PHP false as an empty element; say so, since the sender rarely sees its own XML.
      if (text === '') return `is empty; expected ${describeSimple(type)} (PHP SoapClient sends PHP false as an empty element: pass "false" or 0)`;
      return bad();
    case 'decimal':
      return DECIMAL.test(text) ? undefined : bad();
    case 'float':
    case 'double':
      return FLOAT.test(text) ? undefined : bad();
    case 'dateTime':
      return DATE_TIME.test(text) && validDay(text) ? undefined : bad();
    case 'date':
      return DATE_ONLY.test(text) && validDay(text) ? undefined : bad();
    case 'time':
      return TIME_ONLY.test(text) ? undefined : bad();
    case 'duration':
      return DURATION.test(text) ? undefined : bad();
    case 'gYear':
      return G_YEAR.test(text) ? undefined : bad();
    case 'gYearMonth':
      return G_YEAR_MONTH.test(text) ? undefined : bad();
    case 'base64Binary':
      return BASE64.test(text.replace(/ /g, '')) ? undefined : bad();
    case 'hexBinary':
      return HEX.test(text) ? undefined : bad();
    case 'anyURI':
      if (URI_FORBIDDEN.test(text) || (URI_SCHEME.test(text) && !URI_SCHEME_OK.test(text))) return bad();
      return undefined;
    case 'language':
      return LANGUAGE.test(text) ? undefined : bad();
    case 'NCName':
    case 'ID':
    case 'IDREF':
      return NCNAME.test(text) ? undefined : bad();
    case 'Name':
      return NAME.test(text) ? undefined : bad();
    case 'QName':
      return /^(?:[^:]+:)?[^:]+$/.test(text) && text.split(':').every((p) => NCNAME.test(p)) ? undefined : bad();
    case 'NMTOKEN':
      return NMTOKEN.test(text) ? undefined : bad();
    default: {
      if (!INTEGER.test(text)) return bad();
      const n = BigInt(text);
      const bounds = INTEGER_RANGES[b];
      if (bounds && (n < bounds[0] || n > bounds[1])) return bad();
      if ((b === 'nonNegativeInteger' && n < 0n) || (b === 'positiveInteger' && n <= 0n) || (b === 'nonPositiveInteger' && n > 0n) || (b === 'negativeInteger' && n >= 0n)) return bad();
      return undefined;
    }
  }
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDay(text: string): boolean {
  const m = /^-?(\d{4,})-(\d{2})-(\d{2})/.exec(text)!;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (day > DAYS[month - 1]) return false;
  return !(month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)));
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}

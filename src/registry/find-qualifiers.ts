import { uddiError } from './errors';

/**
 * Find qualifiers (UDDI v3 §5.1.4). Each may be given by its short name or by its tModelKey
 * (uddi:uddi.org:findqualifier:<name>); both compare case-insensitively (the schema folds them).
 */
export interface Qualifiers {
  approximate: boolean;
  caseInsensitive: boolean;
  /** Key semantics for bags; undefined means the bag's own default. */
  keys?: 'and' | 'or' | 'orLike';
  /** Sort keys in priority order; empty means the operation's default. */
  sort: Array<{ field: 'name' | 'date'; descending: boolean }>;
  caseInsensitiveSort: boolean;
}

const SUPPORTED = [
  'exactMatch', 'approximateMatch', 'caseSensitiveMatch', 'caseInsensitiveMatch',
  'diacriticSensitiveMatch', 'andAllKeys', 'orAllKeys', 'orLikeKeys',
  'sortByNameAsc', 'sortByNameDesc', 'sortByDateAsc', 'sortByDateDesc',
  'binarySort', 'caseSensitiveSort', 'caseInsensitiveSort', 'suppressProjectedServices',
] as const;
type Supported = (typeof SUPPORTED)[number];

/** Known to the specification, deliberately not implemented here. */
const UNSUPPORTED = ['combineCategoryBags', 'serviceSubset', 'bindingSubset', 'signaturePresent', 'diacriticInsensitiveMatch', 'UTS-10'];

const BY_FOLDED = new Map<string, Supported>(SUPPORTED.map((q) => [q.toLowerCase(), q]));
const UNSUPPORTED_FOLDED = new Map<string, string>(UNSUPPORTED.map((q) => [q.toLowerCase(), q]));
const KEY_PREFIX = 'uddi:uddi.org:findqualifier:';
const SORT_KEY_PREFIX = 'uddi:uddi.org:sortorder:';

const EXCLUSIVE: ReadonlyArray<readonly Supported[]> = [
  ['exactMatch', 'approximateMatch'],
  ['caseSensitiveMatch', 'caseInsensitiveMatch'],
  ['andAllKeys', 'orAllKeys', 'orLikeKeys'],
  ['sortByNameAsc', 'sortByNameDesc'],
  ['sortByDateAsc', 'sortByDateDesc'],
  ['caseSensitiveSort', 'caseInsensitiveSort'],
];

export function parseFindQualifiers(values: readonly string[] | undefined, operation: string): Qualifiers {
  const seen = new Set<Supported>();
  const order: Supported[] = [];
  for (const raw of values ?? []) {
    const folded = raw.trim().toLowerCase();
    const name = folded.startsWith(KEY_PREFIX) ? folded.slice(KEY_PREFIX.length) : folded.startsWith(SORT_KEY_PREFIX) ? folded.slice(SORT_KEY_PREFIX.length) : folded;
    const known = BY_FOLDED.get(name);
    if (!known) {
      const unsupported = UNSUPPORTED_FOLDED.get(name);
      if (unsupported) throw uddiError('E_unsupported', `${operation}: the find qualifier ${unsupported} is not supported by this node; supported: ${SUPPORTED.join(', ')}`);
      throw uddiError('E_unsupported', `${operation}: unknown find qualifier "${raw.trim()}"; supported: ${SUPPORTED.join(', ')}`);
    }
    if (!seen.has(known)) order.push(known);
    seen.add(known);
  }
  for (const group of EXCLUSIVE) {
    const present = group.filter((q) => seen.has(q));
    if (present.length > 1) throw uddiError('E_invalidCombination', `${operation}: the find qualifiers ${present.join(' and ')} exclude each other; give at most one`);
  }
  const sort: Qualifiers['sort'] = [];
  for (const q of order) {
    if (q === 'sortByNameAsc' || q === 'sortByNameDesc') sort.push({ field: 'name', descending: q === 'sortByNameDesc' });
    if (q === 'sortByDateAsc' || q === 'sortByDateDesc') sort.push({ field: 'date', descending: q === 'sortByDateDesc' });
  }
  return {
    approximate: seen.has('approximateMatch'),
    caseInsensitive: seen.has('caseInsensitiveMatch'),
    keys: seen.has('andAllKeys') ? 'and' : seen.has('orAllKeys') ? 'or' : seen.has('orLikeKeys') ? 'orLike' : undefined,
    sort,
    caseInsensitiveSort: seen.has('caseInsensitiveSort'),
  };
}

/**
 * Case folding for case-insensitive matching, one code point at a time: upper then lower case
 * (so Greek final sigma folds like any sigma), kept only where each step is a single code point.
 * Context-free and length-preserving, so a folded prefix is a prefix of the folded whole and
 * folded values fit the same columns as the originals. Stored values and queries both go through
 * this function.
 */
export function fold(value: string): string {
  let out = '';
  for (const ch of value) out += foldChar(ch);
  return out;
}

function foldChar(ch: string): string {
  if (ch < '\u0080') return ch >= 'A' && ch <= 'Z' ? ch.toLowerCase() : ch;
  const upper = ch.toUpperCase();
  if ([...upper].length === 1) {
    const lower = upper.toLowerCase();
    if ([...lower].length === 1) return lower;
  }
  const lower = ch.toLowerCase();
  return [...lower].length === 1 ? lower : ch;
}

/** Collapses whitespace the way xsd:whiteSpace="collapse" does for the schema's string types. */
export function collapse(value: string): string {
  return value.replace(/[\t\n\r ]+/g, ' ').trim();
}

/**
 * A UDDI approximateMatch pattern (% any run, _ one character, \ escapes the next character),
 * split into tokens every database can translate. The literal prefix lets an index narrow the scan.
 */
export type PatternToken = { kind: 'literal'; text: string } | { kind: 'any' } | { kind: 'one' };

export function parsePattern(pattern: string): PatternToken[] {
  const tokens: PatternToken[] = [];
  let literal = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '\\' && i + 1 < chars.length) {
      literal += chars[++i];
    } else if (c === '%' || c === '_') {
      if (literal) tokens.push({ kind: 'literal', text: literal });
      literal = '';
      tokens.push(c === '%' ? { kind: 'any' } : { kind: 'one' });
    } else {
      literal += c;
    }
  }
  if (literal) tokens.push({ kind: 'literal', text: literal });
  return tokens;
}

export function literalPrefix(tokens: readonly PatternToken[]): string {
  return tokens[0]?.kind === 'literal' ? tokens[0].text : '';
}

/** Whether the pattern has no wildcard at all (then it is an equality). */
export function isLiteral(tokens: readonly PatternToken[]): boolean {
  return tokens.every((t) => t.kind === 'literal');
}

/** SQL LIKE with '!' as the escape character (a backslash means different things to MySQL and SQLite). */
export function toLike(tokens: readonly PatternToken[]): string {
  return tokens.map((t) => (t.kind === 'any' ? '%' : t.kind === 'one' ? '_' : t.text.replace(/[!%_]/g, (c) => `!${c}`))).join('');
}

/** SQLite GLOB (case-sensitive, unlike SQLite's LIKE); it has no escape character, brackets do it. */
export function toGlob(tokens: readonly PatternToken[]): string {
  return tokens.map((t) => (t.kind === 'any' ? '*' : t.kind === 'one' ? '?' : t.text.replace(/[*?[]/g, (c) => `[${c}]`))).join('');
}

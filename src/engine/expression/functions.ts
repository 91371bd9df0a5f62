import { describe, equals, finite, toText, truthValue, type Fail } from './values';

/**
 * The only functions expressions can call. Calls are resolved at parse time, so an unknown name
 * is a syntax error, and no name can ever reach a JavaScript function outside this table.
 * There is deliberately nothing regex-based (catastrophic backtracking) and nothing with effects.
 *
 * Null handling: string helpers treat null as "no text" (len → 0, contains/startsWith/endsWith →
 * false, lower/upper/trim/date → null); numeric helpers refuse null so a missing amount is not
 * silently taken as 0 - use coalesce(x, 0) for that.
 */
export interface Builtin {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly call: (args: readonly unknown[], fail: Fail) => unknown;
}

type Call = Builtin['call'];

/** ISO 8601 date or date-time; kept free of nested quantifiers so matching stays linear. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function fixed(count: number, call: Call): Builtin {
  return { minArgs: count, maxArgs: count, call };
}

function variadic(minArgs: number, call: Call): Builtin {
  return { minArgs, maxArgs: Infinity, call };
}

function isNullish(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

function needString(fn: string, value: unknown, fail: Fail): string {
  return typeof value === 'string' ? value : fail(`${fn}() needs a string, not ${describe(value)}`, 'convert with string(...)');
}

function needNumber(fn: string, value: unknown, fail: Fail): number {
  if (typeof value === 'number') return value;
  const hint = isNullish(value) ? 'give a default with coalesce(x, 0)' : 'convert with number(...)';
  return fail(`${fn}() needs a number, not ${describe(value)}`, hint);
}

function length(value: unknown, fail: Fail): number {
  if (isNullish(value)) return 0;
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  return fail(`len() needs a string or an array, not ${describe(value)}`);
}

function contains(haystack: unknown, needle: unknown, fail: Fail): boolean {
  if (isNullish(haystack)) return false;
  if (Array.isArray(haystack)) return haystack.some((item) => equals(item, needle));
  if (typeof haystack === 'string') return haystack.includes(needString('contains', needle, fail));
  return fail(`contains() needs a string or an array to search, not ${describe(haystack)}`);
}

function affix(fn: string, test: (s: string, part: string) => boolean): Builtin {
  return fixed(2, ([text, part], fail) => !isNullish(text) && test(needString(fn, text, fail), needString(fn, part, fail)));
}

function textMap(fn: string, map: (s: string) => string): Builtin {
  return fixed(1, ([text], fail) => (isNullish(text) ? null : map(needString(fn, text, fail))));
}

function numberMap(fn: string, map: (n: number) => number): Builtin {
  return fixed(1, ([value], fail) => map(needNumber(fn, value, fail)));
}

/** min(a, b, …) or min(list): loops rather than Math.min(...list), which overflows the stack on huge arrays. */
function extreme(fn: string, pick: (a: number, b: number) => number): Builtin {
  return variadic(1, (args, fail) => {
    const values: readonly unknown[] = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
    if (values.length === 0) return fail(`${fn}() of an empty array has no value`);
    let result = needNumber(fn, values[0], fail);
    for (let i = 1; i < values.length; i++) result = pick(result, needNumber(fn, values[i], fail));
    return result;
  });
}

function toNumber(value: unknown, fail: Fail): number {
  if (typeof value === 'number') return finite(value, fail);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return finite(value.getTime(), fail);
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  const hint = isNullish(value) ? 'give a default with coalesce(x, 0)' : undefined;
  return fail(`number() cannot convert ${describe(value)}`, hint);
}

function toBoolean(value: unknown, fail: Fail): boolean {
  const truth = truthValue(value);
  return truth ?? fail(`boolean() cannot convert ${describe(value)}`, 'expected a boolean, a number, null or the string "true"/"false"');
}

/** Milliseconds since the epoch, the same unit as now(); a date without a time is midnight UTC. */
function toTimestamp(value: unknown, fail: Fail): number | null {
  if (isNullish(value)) return null;
  if (typeof value === 'number') return finite(value, fail);
  if (value instanceof Date) return finite(value.getTime(), fail);
  const text = needString('date', value, fail);
  const parsed = ISO_DATE.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(parsed)) return fail(`date() cannot parse ${describe(value)}`, 'use ISO 8601, e.g. "2024-05-31" or "2024-05-31T14:30:00Z"');
  return parsed;
}

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['len', fixed(1, ([value], fail) => length(value, fail))],
  ['contains', fixed(2, ([haystack, needle], fail) => contains(haystack, needle, fail))],
  ['startsWith', affix('startsWith', (s, p) => s.startsWith(p))],
  ['endsWith', affix('endsWith', (s, p) => s.endsWith(p))],
  ['lower', textMap('lower', (s) => s.toLowerCase())],
  ['upper', textMap('upper', (s) => s.toUpperCase())],
  ['trim', textMap('trim', (s) => s.trim())],
  ['abs', numberMap('abs', Math.abs)],
  ['min', extreme('min', Math.min)],
  ['max', extreme('max', Math.max)],
  // Math.round: halves round towards +∞ (round(-2.5) is -2).
  ['round', numberMap('round', Math.round)],
  ['floor', numberMap('floor', Math.floor)],
  ['ceil', numberMap('ceil', Math.ceil)],
  ['number', fixed(1, ([value], fail) => toNumber(value, fail))],
  ['string', fixed(1, ([value], fail) => toText(value, fail))],
  ['boolean', fixed(1, ([value], fail) => toBoolean(value, fail))],
  ['isNull', fixed(1, ([value]) => isNullish(value))],
  ['coalesce', variadic(1, (args) => args.find((value) => !isNullish(value)) ?? null)],
  // Wall-clock milliseconds since the epoch (Date.now()), so it compares with date(...) and with numbers.
  ['now', fixed(0, () => Date.now())],
  ['date', fixed(1, ([value], fail) => toTimestamp(value, fail))],
]);

export const BUILTIN_NAMES: readonly string[] = [...BUILTINS.keys()];

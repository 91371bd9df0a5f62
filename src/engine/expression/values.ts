import type { ArithmeticOperator, RelationalOperator } from './ast';
import { MAX_STRING_LENGTH } from './limits';

/**
 * Reports a problem with values; the evaluator supplies one that knows the source position, so
 * these rules stay independent of where in the expression they are applied.
 */
export type Fail = (problem: string, hint?: string) => never;

const NULL_HINT = 'a variable may be unset; test it with isNull(...) or give a default with coalesce(...)';

/** A short type name for messages: null, boolean, number, string, array, date, object, function… */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  return typeof value;
}

/** A value as a message shows it: `the string "abc"`, `the number 5`, `an array`. */
export function describe(value: unknown): string {
  const type = typeName(value);
  if (type === 'null') return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${type} ${String(value)}`;
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

/** "true"/"false" in any case, because XPDL data sometimes carries booleans as text. */
export function booleanText(text: string): boolean | undefined {
  if (text.length !== 4 && text.length !== 5) return undefined;
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  return lower === 'false' ? false : undefined;
}

/**
 * The truth value used by conditions, `!`, `&&`, `||` and `? :`. `undefined` means the value has
 * none (e.g. the string "abc"): guessing there would hide mistakes in definitions.
 */
export function truthValue(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined) return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value === '' ? false : booleanText(value);
  return undefined;
}

/** Dates take part in comparisons and arithmetic as their millisecond timestamps, like now() and date(). */
function plain(value: unknown): unknown {
  if (value === undefined) return null;
  return value instanceof Date ? value.getTime() : value;
}

/** `==`: strict, except null == undefined and booleans == "true"/"false". */
export function equals(a: unknown, b: unknown): boolean {
  const x = plain(a);
  const y = plain(b);
  if (typeof x === 'boolean' && typeof y === 'string') return booleanText(y) === x;
  if (typeof x === 'string' && typeof y === 'boolean') return booleanText(x) === y;
  return x === y;
}

function ordering<T extends number | string>(x: T, y: T): number {
  if (x < y) return -1;
  if (x > y) return 1;
  return x === y ? 0 : NaN;
}

/** Relational operators accept two numbers (or dates) or two strings; mixing them is a definition error. */
export function compare(operator: RelationalOperator, a: unknown, b: unknown, fail: Fail): boolean {
  const x = plain(a);
  const y = plain(b);
  let order: number;
  if (typeof x === 'number' && typeof y === 'number') order = ordering(x, y);
  else if (typeof x === 'string' && typeof y === 'string') order = ordering(x, y);
  else return fail(`Cannot compare ${typeName(a)} with ${typeName(b)} using "${operator}"`, mismatchHint(x, y));
  switch (operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

function mismatchHint(x: unknown, y: unknown): string | undefined {
  if (x === null || y === null) return NULL_HINT;
  if (typeof x === 'string' || typeof y === 'string') return 'convert text with number(...) or string(...) first';
  return undefined;
}

/** `+` concatenates when either side is a string; everything else is numeric only. */
export function arithmetic(operator: ArithmeticOperator, a: unknown, b: unknown, fail: Fail): number | string {
  if (operator === '+' && (typeof a === 'string' || typeof b === 'string')) return concat(a, b, fail);
  const x = plain(a);
  const y = plain(b);
  if (typeof x !== 'number' || typeof y !== 'number') {
    return fail(`Cannot apply "${operator}" to ${typeName(a)} and ${typeName(b)}`, mismatchHint(x, y));
  }
  if (y === 0 && operator === '/') return fail('Division by zero');
  if (y === 0 && operator === '%') return fail('Modulo by zero');
  return finite(compute(operator, x, y), fail);
}

function compute(operator: ArithmeticOperator, x: number, y: number): number {
  switch (operator) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return x / y;
    case '%':
      return x % y;
  }
}

/** Infinity and NaN would leak into data fields and compare surprisingly, so they are errors. */
export function finite(value: number, fail: Fail): number {
  return Number.isFinite(value) ? value : fail(`Arithmetic gave ${String(value)}`, 'the result must be a finite number');
}

export function negate(operator: '-' | '+', value: unknown, fail: Fail): number {
  const x = plain(value);
  if (typeof x !== 'number') return fail(`Cannot apply unary "${operator}" to ${describe(value)}`, mismatchHint(x, 0));
  return operator === '-' ? -x : x;
}

export function concat(a: unknown, b: unknown, fail: Fail): string {
  const left = toText(a, fail);
  const right = toText(b, fail);
  checkLength(left.length + right.length, fail);
  return left + right;
}

/** Checked before building a string, so a runaway concatenation never allocates it. */
export function checkLength(length: number, fail: Fail): void {
  if (length > MAX_STRING_LENGTH) fail(`String result would be ${length} characters long`, `the limit is ${MAX_STRING_LENGTH}`);
}

/** Text for `+` and string(): null prints as "null" like Java and JavaScript; dates as ISO 8601. */
export function toText(value: unknown, fail: Fail): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  return fail(`Cannot turn ${describe(value)} into text`, 'only strings, numbers, booleans, dates and null convert to text');
}

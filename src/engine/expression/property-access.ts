import type { Scope } from './types';
import { describe, typeName, type Fail } from './values';

/**
 * Names that lead from data to JavaScript internals (prototypes, constructors and through them
 * `Function`). Refused everywhere - as variables, properties, index keys and assignment targets -
 * even where a lookup would be harmless, so there is a single rule to reason about.
 */
export const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

export function forbiddenNameProblem(name: string): string {
  return `Access to "${name}" is not allowed`;
}

const FORBIDDEN_HINT = 'expressions may only read data, not JavaScript internals';

/** Reads a top-level variable; an unset one is null, because data fields may legitimately be empty. */
export function readVariable(scope: Scope, name: string, fail: Fail): unknown {
  if (scope === null || typeof scope !== 'object') return null;
  return usable(ownDataValue(scope, name, fail), name, fail);
}

/**
 * `target.key` / `target[key]`. Only own data properties of plain objects and arrays (plus
 * `.length` and indexes of strings) are visible: nothing inherited, no getters, no functions.
 * Reading through null gives null, so `order.customer.name` tolerates a missing customer.
 */
export function readMember(target: unknown, key: unknown, fail: Fail): unknown {
  if (target === null || target === undefined) return null;
  if (typeof key === 'string' && FORBIDDEN_NAMES.has(key)) return fail(forbiddenNameProblem(key), FORBIDDEN_HINT);
  if (Array.isArray(target)) return readIndexed(target, key, 'Arrays', fail);
  if (typeof target === 'string') return readIndexed(target, key, 'Strings', fail);
  if (isPlainObject(target)) return readProperty(target, key, fail);
  return fail(`Cannot read ${describeKey(key)} of ${describe(target)}`, 'only objects, arrays and strings have properties');
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeKey(key: unknown): string {
  return typeof key === 'string' || typeof key === 'number' ? `property ${JSON.stringify(key)}` : `a property named by ${describe(key)}`;
}

function readIndexed(target: string | readonly unknown[], key: unknown, what: string, fail: Fail): unknown {
  if (key === 'length') return target.length;
  if (typeof key !== 'number') {
    return fail(`${what} have no ${describeKey(key)}`, 'use a whole-number index or .length');
  }
  if (!Number.isInteger(key) || key < 0 || key >= target.length) return null;
  if (typeof target === 'string') return target.charAt(key);
  return usable(ownDataValue(target, String(key), fail), `[${key}]`, fail);
}

function readProperty(target: object, key: unknown, fail: Fail): unknown {
  if (typeof key !== 'string' && typeof key !== 'number') {
    return fail(`Property names must be strings or numbers, not ${typeName(key)}`);
  }
  const name = String(key);
  return usable(ownDataValue(target, name, fail), name, fail);
}

/** Descriptors rather than `obj[key]`, so neither inherited members nor getters are ever reached. */
function ownDataValue(target: object, name: string, fail: Fail): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  if (descriptor === undefined) return null;
  if (!('value' in descriptor)) return fail(`Property "${name}" is computed by a getter`, 'expressions only read stored data');
  return descriptor.value;
}

function usable(value: unknown, name: string, fail: Fail): unknown {
  if (value === undefined) return null;
  if (typeof value === 'function') return fail(`"${name}" is a function`, 'expressions can only use data values');
  return value;
}

/**
 * JSON.parse(JSON.stringify(value)) without the text in between: what storing a value as JSON and
 * reading it back gives (undefined, functions and symbols left out of objects and null in arrays,
 * non-finite numbers null, -0 as 0, toJSON honoured, boxed primitives unboxed, a "__proto__" key
 * kept as a key), for a third of the cost. A view is copied so for every started case and every
 * completed work item. Undefined for what JSON cannot write at the top (undefined, a function).
 */
export function jsonCopy(value: unknown): unknown {
  const v = withToJson(value, '');
  return unwritable(v) ? undefined : copyOf(v);
}

function copyOf(v: unknown): unknown {
  if (typeof v === 'bigint') throw new TypeError('Do not know how to serialize a BigInt'); // as JSON.stringify
  if (typeof v !== 'object' || v === null) return typeof v === 'number' ? (Number.isFinite(v) ? v + 0 : null) : v;
  if (v instanceof Number) return copyOf(Number(v));
  if (v instanceof String) return String(v);
  if (v instanceof Boolean) return v.valueOf();
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const e = withToJson(v[i], String(i));
      out[i] = unwritable(e) ? null : copyOf(e);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const e = withToJson((v as Record<string, unknown>)[key], key);
    if (unwritable(e)) continue;
    // JSON.parse makes "__proto__" an own key; assigning it would set the prototype instead.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copyOf(e), enumerable: true, writable: true, configurable: true });
    else out[key] = copyOf(e);
  }
  return out;
}

function withToJson(v: unknown, key: string): unknown {
  return ((typeof v === 'object' && v !== null) || typeof v === 'bigint') && typeof (v as { toJSON?: unknown }).toJSON === 'function'
    ? (v as { toJSON(key: string): unknown }).toJSON(key)
    : v;
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function unwritable(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

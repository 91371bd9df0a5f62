import { expect } from 'chai';
import { jsonCopy } from '../../../src/engine/runtime/json-copy';

/** The reference: what storing the value as JSON and reading it back gives. */
const roundTrip = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

describe('jsonCopy', () => {
  const when = new Date(Date.UTC(2026, 11, 2, 14, 0, 0, 123));
  class Point {
    constructor(
      public x: number,
      public y?: number,
    ) {}
    get norm(): number {
      return this.x;
    }
  }
  const cases: Array<[string, unknown]> = [
    ['a started case\'s runtime', { tokens: [], activities: [{ id: 'c/a3', activityId: 'review', state: 'active', iteration: 1, startedAt: when.toISOString(), error: undefined }], seq: 3 }],
    ['data of every field type', { s: 'BP-2026-0042', n: 42, f: 1.5, b: false, nil: null, list: ['a', 'b'], nested: { deeper: { deepest: [1, [2, [3]]] } }, unicode: 'ünïcödé 🚀' }],
    ['what JSON leaves out or nulls', { u: undefined, fn: () => 1, sym: Symbol('s'), arr: [undefined, () => 1, Symbol('t'), NaN, Infinity, -Infinity, -0], nan: NaN, inf: -Infinity, zero: -0 }],
    ['toJSON: dates and custom, in objects and arrays', { at: when, list: [when, { toJSON: () => undefined }], custom: { toJSON: (key: string) => ({ key }) }, gone: { toJSON: () => undefined } }],
    ['boxed primitives, class instances, maps', { num: Object(7) as unknown, str: Object('x') as unknown, bool: Object(false) as unknown, point: new Point(1), map: new Map([[1, 2]]), set: new Set([1]) }],
    ['a sparse array', [1, , 3]],
    ['a "__proto__" key', JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as unknown],
    ['toJSON returning an object with toJSON of its own', { v: { toJSON: () => ({ toJSON: () => 'inner', plain: 1 }) } }],
    ['a Date at the top', when],
  ];
  for (const [name, value] of cases) {
    it(`gives what a JSON round trip gives: ${name}`, () => {
      const copy = jsonCopy(value);
      expect(copy).to.deep.equal(roundTrip(value));
      expect(JSON.stringify(copy)).to.equal(JSON.stringify(roundTrip(value)));
    });
  }

  it('shares nothing with the original', () => {
    const original = { data: { list: [{ n: 1 }] } };
    const copy = jsonCopy(original) as typeof original;
    copy.data.list[0].n = 2;
    copy.data.list.push({ n: 3 });
    expect(original).to.deep.equal({ data: { list: [{ n: 1 }] } });
  });

  it('keeps "__proto__" a key: nothing becomes a prototype', () => {
    const copy = jsonCopy(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).to.equal(Object.prototype);
    expect(Object.keys(copy)).to.deep.equal(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('refuses a BigInt as JSON.stringify does', () => {
    expect(() => JSON.stringify({ n: 1n })).to.throw(TypeError);
    expect(() => jsonCopy({ n: 1n })).to.throw(TypeError, /BigInt/);
  });
});

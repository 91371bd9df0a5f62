import { newQuickJSWASMModule, shouldInterruptAfterDeadline, type QuickJSContext, type QuickJSRuntime, type QuickJSWASMModule } from 'quickjs-emscripten';
import { ExpressionError } from '../expression';
import type { CompiledExpression, CompiledScript, Scope } from '../expression';
import { scanJsNames } from './js-names';

/**
 * JavaScript conditions and scripts (packages that declare `Script Type="text/javascript"`), run
 * by QuickJS compiled to WebAssembly. Each evaluation gets a fresh runtime and context: nothing a
 * case's script leaves behind is seen by another, and nothing outside the sandbox is reachable —
 * the context has the ECMAScript built-ins only (no require, no fetch, no process, no file or
 * network access, no engine objects). `Date` and `Math.random` are QuickJS's own: `new Date()` is
 * the real clock, not the engine's injectable one.
 *
 * Data goes in as JSON: strings, numbers, booleans, null, arrays and plain objects as they are;
 * DATETIME fields (and Date values in the scope) as `Date` objects. What comes out is JSON again (a `Date` becomes its ISO text,
 * `undefined` becomes null; functions and symbols are refused).
 *
 * The WebAssembly module is loaded once, asynchronously (`loadJavaScript`); after that every call
 * is synchronous, which is what the token game needs. The engine awaits the load before it
 * compiles a definition that declares JavaScript.
 */

export interface JavaScriptLimits {
  /** Wall-clock time one evaluation may take. */
  timeMs: number;
  /** Memory one evaluation's runtime may allocate. */
  memoryBytes: number;
  /** Native stack one evaluation may use (bounds recursion). */
  stackBytes: number;
}

export const DEFAULT_JAVASCRIPT_LIMITS: Readonly<JavaScriptLimits> = Object.freeze({
  timeMs: 1000,
  memoryBytes: 32 * 1024 * 1024,
  // Above ~384 KiB the WebAssembly stack runs out before QuickJS's own check fires, and a deep
  // recursion then aborts the interpreter instead of throwing a catchable stack overflow.
  stackBytes: 256 * 1024,
});

const MAX_STACK_BYTES = 384 * 1024;

/** INTERFLOW_SCRIPT_TIMEOUT_MS, INTERFLOW_SCRIPT_MEMORY_MB, INTERFLOW_SCRIPT_STACK_KB: positive numbers. */
export function javaScriptLimitsFromEnv(env: NodeJS.ProcessEnv): JavaScriptLimits {
  const read = (name: string, fallback: number, scale: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return Math.round(fallback * scale);
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(raw)}`);
    return Math.round(n * scale);
  };
  const stackBytes = read('INTERFLOW_SCRIPT_STACK_KB', DEFAULT_JAVASCRIPT_LIMITS.stackBytes / 1024, 1024);
  if (stackBytes > MAX_STACK_BYTES) throw new Error(`INTERFLOW_SCRIPT_STACK_KB must be at most ${MAX_STACK_BYTES / 1024}`);
  return {
    timeMs: read('INTERFLOW_SCRIPT_TIMEOUT_MS', DEFAULT_JAVASCRIPT_LIMITS.timeMs, 1),
    memoryBytes: read('INTERFLOW_SCRIPT_MEMORY_MB', DEFAULT_JAVASCRIPT_LIMITS.memoryBytes / 1024 / 1024, 1024 * 1024),
    stackBytes,
  };
}

let wasm: QuickJSWASMModule | undefined;
let loading: Promise<QuickJSWASMModule> | undefined;
let limits: JavaScriptLimits | undefined;
/** Where the limits come from when none were given: src/app sets the environment's (INTERFLOW_SCRIPT_TIMEOUT_MS and the others). */
let configuredLimits: () => JavaScriptLimits = () => DEFAULT_JAVASCRIPT_LIMITS;

/** Sets where the limits come from; read when a script first runs, so a bad setting fails only what uses it. */
export function configureJavaScriptLimits(source: () => JavaScriptLimits): void {
  configuredLimits = source;
  limits = undefined;
}

/** Loads the interpreter (once; later calls return at once). Limits default to the environment's. */
export async function loadJavaScript(configured?: Partial<JavaScriptLimits>): Promise<void> {
  if (configured) {
    if ((configured.stackBytes ?? 0) > MAX_STACK_BYTES) throw new Error(`the JavaScript stack limit must be at most ${MAX_STACK_BYTES} bytes`);
    limits = { ...currentLimits(), ...configured };
    shared?.dispose();
    shared = undefined;
  }
  loading ??= newQuickJSWASMModule();
  wasm = await loading;
}

export function javaScriptLoaded(): boolean {
  return wasm !== undefined;
}

function currentLimits(): JavaScriptLimits {
  limits ??= configuredLimits();
  return limits;
}

let shared: QuickJSRuntime | undefined;

/**
 * Where the script runs: a fresh context (its own globals) in the one runtime that carries the
 * limits. A runtime per evaluation would isolate as well but costs several times as much; contexts
 * of one runtime share nothing a script can reach.
 */
function withContext<T>(body: (ctx: QuickJSContext, l: JavaScriptLimits) => T): T {
  if (!wasm) throw new Error('the JavaScript interpreter is not loaded: call loadJavaScript() at start up');
  const l = currentLimits();
  if (!shared) {
    shared = wasm.newRuntime();
    shared.setMemoryLimit(l.memoryBytes);
    shared.setMaxStackSize(l.stackBytes);
  }
  const runtime = shared;
  runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + l.timeMs));
  const ctx = runtime.newContext();
  let result: T;
  try {
    result = body(ctx, l);
  } finally {
    disposeOrRestart(() => ctx.dispose());
  }
  return result;
}

/**
 * QuickJS asserts that a runtime is empty when freed; should a script ever leave it otherwise,
 * the WebAssembly instance is aborted. It is then dropped and loaded anew, and the evaluation
 * fails with a message rather than the engine with it.
 */
function disposeOrRestart(dispose: () => void): void {
  if (!wasm) return;
  try {
    dispose();
  } catch (e) {
    wasm = undefined;
    shared = undefined;
    loading = undefined;
    void loadJavaScript().catch(() => undefined);
    throw new ExpressionError(`the JavaScript interpreter failed (${(e as Error).message.slice(0, 200)}) and is being restarted`, '');
  }
}

function errorText(ctx: QuickJSContext, handle: Parameters<QuickJSContext['dump']>[0], l: JavaScriptLimits): string {
  const e = ctx.dump(handle) as { name?: string; message?: string } | string;
  handle.dispose();
  // Out of memory leaves QuickJS no room for an exception object: it reports null.
  if (e === null) return `JavaScript ran out of memory (INTERFLOW_SCRIPT_MEMORY_MB)`;
  if (typeof e !== 'object') return `JavaScript threw ${JSON.stringify(e)}`;
  if (e.name === 'InternalError' && /interrupted/.test(e.message ?? '')) return `JavaScript ran longer than ${l.timeMs} ms (INTERFLOW_SCRIPT_TIMEOUT_MS) and was stopped`;
  if (e.name === 'InternalError' && /out of memory|stack overflow/.test(e.message ?? '')) {
    return `JavaScript ${e.message} (INTERFLOW_SCRIPT_MEMORY_MB / INTERFLOW_SCRIPT_STACK_KB)`;
  }
  return `JavaScript ${e.name ?? 'Error'}: ${e.message ?? String(e)}`;
}

/** Compiles without running: a syntax error comes back as its JavaScript message. */
export function checkJavaScript(source: string): void {
  withContext((ctx, l) => {
    const r = ctx.evalCode(source, 'definition.js', { compileOnly: true });
    // The caller names the element and quotes the source.
    if (r.error) throw new ExpressionError(errorText(ctx, r.error, l), source);
    r.value.dispose();
  });
}

function evalIn(ctx: QuickJSContext, l: JavaScriptLimits, source: string, code: string): unknown {
  const r = ctx.evalCode(code, 'definition.js');
  if (r.error) throw new ExpressionError(errorText(ctx, r.error, l), source);
  const v = ctx.dump(r.value);
  r.value.dispose();
  return v;
}

/**
 * Shark ran JavaScript in Rhino, whose scripts reach Java through `java.*`; the ones real
 * definitions use for bookkeeping are given JavaScript meaning here: `java.lang.System.out.println`
 * and `print` (output is discarded), `java.lang.Math` (JavaScript's Math), `java.util.Date`
 * (JavaScript's Date: `getTime`/`setTime` as in Java), and the parse/valueOf helpers of Integer,
 * Long, Double, Float, Boolean and String. Any other Java name fails when
 * used, with an error naming it, rather than as an undefined property somewhere later.
 */
const RHINO_COMPATIBILITY = `(function () {
  var quiet = { println: function () {}, print: function () {} };
  var number = { parseInt: function (s) { return parseInt(s, 10); }, valueOf: function (v) { return Number(v); } };
  var known = {
    'java.lang.System.out': quiet, 'java.lang.System.err': quiet, 'java.lang.Math': Math,
    'java.lang.Integer': { parseInt: number.parseInt, valueOf: number.valueOf },
    'java.lang.Long': { parseLong: number.parseInt, valueOf: number.valueOf },
    'java.lang.Double': { parseDouble: function (s) { return parseFloat(s); }, valueOf: number.valueOf },
    'java.lang.Float': { parseFloat: function (s) { return parseFloat(s); }, valueOf: number.valueOf },
    'java.lang.Boolean': { parseBoolean: function (s) { return String(s).toLowerCase() === 'true'; }, valueOf: function (v) { return String(v).toLowerCase() === 'true'; } },
    'java.lang.String': { valueOf: function (v) { return String(v); } },
    'java.util.Date': Date
  };
  function missing(path) {
    var fail = function () { throw new ReferenceError(path + ' is Java, which Interflow runs no more than println and Math of (its JavaScript sandbox has no Java)'); };
    return new Proxy(fail, {
      get: function (_t, key) {
        if (typeof key !== 'string') return undefined;
        var next = path + '.' + key;
        return known[next] !== undefined ? known[next] : missing(next);
      },
      apply: fail,
      construct: fail
    });
  }
  Object.defineProperty(globalThis, 'java', { value: missing('java'), writable: true, configurable: true });
  Object.defineProperty(globalThis, 'Packages', { value: missing('Packages'), writable: true, configurable: true });
})();`;

const PRELUDE = `(function (data, dates) {
  var d = JSON.parse(data), ds = JSON.parse(dates);
  for (var k in d) globalThis[k] = d[k] !== null && ds.indexOf(k) >= 0 ? new Date(d[k]) : d[k];
})`;

/** Puts the scope's values into the context as global variables. */
function load(ctx: QuickJSContext, l: JavaScriptLimits, source: string, scope: Scope, dateFields: ReadonlySet<string>): void {
  // One evaluation for both: compiling is most of what an evaluation costs.
  const fn = ctx.unwrapResult(ctx.evalCode(`${RHINO_COMPATIBILITY}\n${PRELUDE}`));
  const data = ctx.newString(JSON.stringify(scope, (_k, v) => (v === undefined ? null : v)));
  const dates = ctx.newString(JSON.stringify(Object.keys(scope).filter((k) => dateFields.has(k) || scope[k] instanceof Date)));
  try {
    const r = ctx.callFunction(fn, ctx.undefined, data, dates);
    if (r.error) throw new ExpressionError(errorText(ctx, r.error, l), source);
    r.value.dispose();
  } finally {
    fn.dispose();
    data.dispose();
    dates.dispose();
  }
}

/** JSON of the completion value (or of the named variables), so nothing but data leaves the sandbox. */
function out(ctx: QuickJSContext, l: JavaScriptLimits, source: string, code: string): unknown {
  const text = evalIn(ctx, l, source, code);
  return text === undefined ? null : JSON.parse(text as string);
}

function isIdentifier(name: string): boolean {
  return /^[\p{L}\p{Nl}$_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}$_]*$/u.test(name);
}

export interface JavaScriptOptions {
  /** DATETIME fields: these go in as Date objects. */
  dateFields?: ReadonlySet<string>;
}

/**
 * What needs no interpreter: a literal (number, quoted string, true/false/null) is its own value,
 * and a bare name of a variable in scope is that variable's value — exactly what QuickJS would
 * give, at no cost. Initial values and one-field conditions (`approved`) are mostly these.
 */
function shortcut(source: string): ((scope: Scope) => { value: unknown } | undefined) | undefined {
  const text = source.trim();
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|"(?:[^"\\\n]|\\.)*"|true|false|null)$/.test(text)) {
    try {
      const value: unknown = JSON.parse(text);
      return () => ({ value });
    } catch {
      return undefined;
    }
  }
  if (isIdentifier(text) && !RESERVED.has(text)) {
    return (scope) => (Object.prototype.hasOwnProperty.call(scope, text) ? { value: scope[text] === undefined ? null : scope[text] } : undefined);
  }
  return undefined;
}

const RESERVED = new Set(['this', 'arguments', 'undefined', 'NaN', 'Infinity', 'globalThis', 'java', 'Packages']);

/** JSON's view of a value (a Date as its ISO text), as a result leaving the sandbox would be. */
function asData(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

export function compileJavaScriptExpression(source: string, options: JavaScriptOptions = {}): CompiledExpression {
  checkJavaScript(source);
  const quick = shortcut(source);
  const names = scanJsNames(source);
  const dates = options.dateFields ?? new Set<string>();
  const run = (scope: Scope, wrap: (v: string) => string): unknown =>
    withContext((ctx, l) => {
      load(ctx, l, source, scope, dates);
      // The source runs as global code so that its completion value is the result (Shark writes
      // `d.setTime(…); d;`); only then is it turned into data.
      const value = ctx.evalCode(source, 'definition.js');
      if (value.error) throw new ExpressionError(errorText(ctx, value.error, l), source);
      ctx.setProp(ctx.global, '__interflow_result', value.value);
      value.value.dispose();
      return out(ctx, l, source, wrap('globalThis.__interflow_result'));
    });
  return Object.freeze({
    source,
    evaluate: (scope: Scope): unknown => {
      const hit = quick?.(scope);
      if (hit) return asData(hit.value);
      return run(scope, (v) => `(function (v) { if (typeof v === 'function' || typeof v === 'symbol') throw new TypeError('the result is a ' + typeof v + ', not data'); return JSON.stringify(v === undefined ? null : v); })(${v})`);
    },
    test: (scope: Scope): boolean => {
      const hit = quick?.(scope);
      if (hit) return hit.value instanceof Date || Boolean(hit.value);
      return run(scope, (v) => `JSON.stringify(!!${v})`) === true;
    },
    identifiers: (): string[] => [...names.reads],
    ...(names.undecidable ? { undecidable: names.undecidable } : {}),
  });
}

export function compileJavaScriptScript(source: string, options: JavaScriptOptions = {}): CompiledScript {
  checkJavaScript(source);
  const names = scanJsNames(source);
  const dates = options.dateFields ?? new Set<string>();
  return Object.freeze({
    source,
    run: (scope: Scope): Record<string, unknown> =>
      withContext((ctx, l) => {
        load(ctx, l, source, scope, dates);
        const r = ctx.evalCode(source, 'definition.js');
        if (r.error) throw new ExpressionError(errorText(ctx, r.error, l), source);
        r.value.dispose();
        // Read back by name, not through globalThis, so `let`/`const` at top level are seen too.
        const candidates = (names.undecidable ? [...new Set([...Object.keys(scope), ...names.writes])] : names.writes).filter(isIdentifier);
        const after = out(
          ctx,
          l,
          source,
          `JSON.stringify({${candidates.map((n) => `${JSON.stringify(n)}: typeof ${n} === 'undefined' ? null : ${n}`).join(', ')}})`,
        ) as Record<string, unknown>;
        const before = JSON.parse(JSON.stringify(scope, (_k, v) => (v === undefined ? null : v))) as Record<string, unknown>;
        const changed: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(after ?? {})) {
          if (!(k in before) || JSON.stringify(before[k]) !== JSON.stringify(v)) changed[k] = v;
        }
        return changed;
      }),
    assigned: (): string[] => [...names.writes],
    identifiers: (): string[] => [...names.reads],
    ...(names.undecidable ? { undecidable: names.undecidable } : {}),
  });
}

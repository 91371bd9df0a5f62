import type { Expr, Statement } from './ast';
import { evaluate, execute, type EvalContext, type ScriptContext } from './evaluator';
import { ExpressionError, quoteSource } from './expression-error';
import { ExpressionParser } from './expression-parser';
import { expressionReads, scriptAssignments, scriptReads } from './identifiers';
import { MAX_SOURCE_LENGTH } from './limits';
import { readVariable } from './property-access';
import { ScriptParser } from './script-parser';
import { tokenize, type Token } from './tokenizer';
import type { CompiledExpression, CompiledScript, Scope } from './types';
import { describe, truthValue, type Fail } from './values';

function checkedTokens(source: unknown): Token[] {
  if (typeof source !== 'string') {
    throw new ExpressionError(`Expression source must be a string, not ${describe(source)}`, String(source));
  }
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ExpressionError(`Source is ${source.length} characters long; the limit is ${MAX_SOURCE_LENGTH}`, source);
  }
  return tokenize(source);
}

/**
 * The contexts are classes rather than object literals of closures: an expression or script runs
 * at every step of a case, and methods on a prototype are not made anew for each run.
 */
class ScopeContext implements EvalContext {
  constructor(
    readonly source: string,
    private readonly scope: Scope,
  ) {}

  read(name: string, fail: Fail): unknown {
    return readVariable(this.scope, name, fail);
  }
}

/** Assignments go to an overlay on the scope, which is how the script sees a copy without cloning data. */
class ScriptRun implements ScriptContext {
  readonly written = new Map<string, unknown>();

  constructor(
    readonly source: string,
    private readonly scope: Scope,
  ) {}

  read(name: string, fail: Fail): unknown {
    return this.written.has(name) ? this.written.get(name) : readVariable(this.scope, name, fail);
  }

  assign(name: string, value: unknown): void {
    this.written.set(name, value);
  }
}

export function compileExpression(source: string): CompiledExpression {
  const ast: Expr = new ExpressionParser(source, checkedTokens(source)).parseStandalone();
  const reads = [...expressionReads(ast)];
  return Object.freeze({
    source,
    evaluate: (scope: Scope): unknown => evaluate(ast, new ScopeContext(source, scope)),
    identifiers: (): string[] => [...reads],
  });
}

export function compileScript(source: string): CompiledScript {
  const statements = new ScriptParser(source, checkedTokens(source)).parseScript();
  const reads = [...scriptReads(statements)];
  const assigned = [...scriptAssignments(statements)];
  return Object.freeze({
    source,
    run: (scope: Scope): Record<string, unknown> => runScript(statements, source, scope),
    assigned: (): string[] => [...assigned],
    identifiers: (): string[] => [...reads],
  });
}

function runScript(statements: readonly Statement[], source: string, scope: Scope): Record<string, unknown> {
  const run = new ScriptRun(source, scope);
  execute(statements, run);
  return Object.fromEntries(run.written);
}

export function evaluateCondition(expr: CompiledExpression, scope: Scope): boolean {
  if (expr.test) return expr.test(scope);
  const value = expr.evaluate(scope);
  const truth = truthValue(value);
  if (truth !== undefined) return truth;
  const expected = typeof value === 'string' ? 'expected a boolean or "true"/"false"' : 'expected a boolean';
  throw new ExpressionError(`Condition ${quoteSource(expr.source)} gave ${describe(value)}, ${expected}`, expr.source);
}

export function isSafeScript(source: string): boolean {
  try {
    compileScript(source);
    return true;
  } catch (error) {
    // Anything else is a bug in this module and must not pass for "unsafe script".
    if (error instanceof ExpressionError) return false;
    throw error;
  }
}

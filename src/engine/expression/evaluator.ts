import type { AccessNode, BinaryOperator, BinaryNode, CallNode, Expr, LogicalNode, Statement, UnaryNode, AssignStatement } from './ast';
import { ExpressionError } from './expression-error';
import { BUILTINS } from './functions';
import { readMember } from './property-access';
import { arithmetic, checkLength, compare, describe, equals, negate, truthValue, type Fail } from './values';

export interface EvalContext {
  readonly source: string;
  read(name: string, fail: Fail): unknown;
}

export interface ScriptContext extends EvalContext {
  assign(name: string, value: unknown): void;
}

/** A Fail that reports at `position` in the context's source. */
export function failAt(ctx: EvalContext, position: number): Fail {
  return (problem: string, hint?: string): never => {
    throw ExpressionError.at(ctx.source, position, problem, hint);
  };
}

export function evaluate(node: Expr, ctx: EvalContext): unknown {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'array':
      return node.elements.map((element) => evaluate(element, ctx));
    case 'identifier':
      return ctx.read(node.name, failAt(ctx, node.position));
    case 'access':
      return evaluateAccess(node, ctx);
    case 'call':
      return evaluateCall(node, ctx);
    case 'unary':
      return evaluateUnary(node, ctx);
    case 'binary':
      return evaluateBinary(node, ctx);
    case 'logical':
      return evaluateLogical(node, ctx);
    case 'conditional':
      return evaluate(isTrue(node.test, ctx) ? node.consequent : node.alternate, ctx);
  }
}

/** Truth value of an operand of `!`, `&&`, `||`, `? :` or an `if`, with the same rules as conditions. */
function isTrue(node: Expr, ctx: EvalContext): boolean {
  const value = evaluate(node, ctx);
  const truth = truthValue(value);
  if (truth !== undefined) return truth;
  return failAt(ctx, node.position)(`Expected a boolean but got ${describe(value)}`, 'compare it with a value, e.g. x == "yes"');
}

function evaluateAccess(node: AccessNode, ctx: EvalContext): unknown {
  let value = evaluate(node.object, ctx);
  for (const step of node.steps) {
    const key = step.kind === 'property' ? step.name : evaluate(step.index, ctx);
    value = readMember(value, key, failAt(ctx, step.position));
  }
  return value;
}

function evaluateCall(node: CallNode, ctx: EvalContext): unknown {
  const fail = failAt(ctx, node.position);
  const builtin = BUILTINS.get(node.name);
  if (builtin === undefined) return fail(`Unknown function "${node.name}"`);
  const result = builtin.call(node.args.map((arg) => evaluate(arg, ctx)), fail);
  if (typeof result === 'string') checkLength(result.length, fail);
  return result;
}

function evaluateUnary(node: UnaryNode, ctx: EvalContext): unknown {
  if (node.operator === '!') return !isTrue(node.operand, ctx);
  return negate(node.operator, evaluate(node.operand, ctx), failAt(ctx, node.position));
}

function evaluateBinary(node: BinaryNode, ctx: EvalContext): unknown {
  let result = evaluate(node.first, ctx);
  for (const link of node.links) {
    result = applyBinary(link.operator, result, evaluate(link.operand, ctx), failAt(ctx, link.position));
  }
  return result;
}

function applyBinary(operator: BinaryOperator, left: unknown, right: unknown, fail: Fail): unknown {
  switch (operator) {
    case '==':
      return equals(left, right);
    case '!=':
      return !equals(left, right);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(operator, left, right, fail);
    default:
      return arithmetic(operator, left, right, fail);
  }
}

/** Short-circuits: `||` stops at the first true operand, `&&` at the first false one. */
function evaluateLogical(node: LogicalNode, ctx: EvalContext): boolean {
  const stopAt = node.operator === '||';
  for (const operand of node.operands) {
    if (isTrue(operand, ctx) === stopAt) return stopAt;
  }
  return !stopAt;
}

export function execute(statements: readonly Statement[], ctx: ScriptContext): void {
  for (const statement of statements) {
    if (statement.type === 'assign') {
      ctx.assign(statement.target, assignedValue(statement, ctx));
      continue;
    }
    const branch = statement.branches.find((candidate) => isTrue(candidate.test, ctx));
    execute(branch ? branch.body : statement.otherwise ?? [], ctx);
  }
}

function assignedValue(statement: AssignStatement, ctx: ScriptContext): unknown {
  const value = evaluate(statement.value, ctx);
  if (statement.operator === '=') return value;
  const fail = failAt(ctx, statement.position);
  return arithmetic(statement.operator === '+=' ? '+' : '-', ctx.read(statement.target, fail), value, fail);
}

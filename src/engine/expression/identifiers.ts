import { childExpressions, type Expr, type Statement } from './ast';

/** Variables an expression reads, in order of first appearance; function and property names excluded. */
export function expressionReads(expr: Expr, into: Set<string> = new Set()): Set<string> {
  if (expr.type === 'identifier') into.add(expr.name);
  for (const child of childExpressions(expr)) expressionReads(child, into);
  return into;
}

/** Variables a script reads; `x += 1` reads x. */
export function scriptReads(statements: readonly Statement[], into: Set<string> = new Set()): Set<string> {
  for (const statement of statements) {
    if (statement.type === 'assign') {
      if (statement.operator !== '=') into.add(statement.target);
      expressionReads(statement.value, into);
      continue;
    }
    for (const branch of statement.branches) {
      expressionReads(branch.test, into);
      scriptReads(branch.body, into);
    }
    scriptReads(statement.otherwise ?? [], into);
  }
  return into;
}

/** Every assignment target, whichever branch it is in. */
export function scriptAssignments(statements: readonly Statement[], into: Set<string> = new Set()): Set<string> {
  for (const statement of statements) {
    if (statement.type === 'assign') {
      into.add(statement.target);
      continue;
    }
    for (const branch of statement.branches) scriptAssignments(branch.body, into);
    scriptAssignments(statement.otherwise ?? [], into);
  }
  return into;
}

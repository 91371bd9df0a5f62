/**
 * Syntax tree of expressions and scripts. Left-associative chains (`a + b - c`, `a && b && c`,
 * `a.b.c[0]`) are kept flat rather than nested, so that tree depth - and therefore evaluator
 * recursion - grows only with real nesting, which the parser bounds.
 */

export type UnaryOperator = '!' | '-' | '+';
export type LogicalOperator = '&&' | '||';
export type RelationalOperator = '<' | '<=' | '>' | '>=';
export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';
export type BinaryOperator = '==' | '!=' | RelationalOperator | ArithmeticOperator;

interface Located {
  /** 0-based offset in the source, for error messages. */
  readonly position: number;
}

export interface LiteralNode extends Located {
  readonly type: 'literal';
  readonly value: null | boolean | number | string;
}

export interface ArrayNode extends Located {
  readonly type: 'array';
  readonly elements: readonly Expr[];
}

export interface IdentifierNode extends Located {
  readonly type: 'identifier';
  readonly name: string;
}

export type AccessStep =
  | (Located & { readonly kind: 'property'; readonly name: string })
  | (Located & { readonly kind: 'index'; readonly index: Expr });

/** `object.a[b].c`: reads applied left to right. */
export interface AccessNode extends Located {
  readonly type: 'access';
  readonly object: Expr;
  readonly steps: readonly AccessStep[];
}

/** A call of a built-in function; the parser has checked the name and argument count. */
export interface CallNode extends Located {
  readonly type: 'call';
  readonly name: string;
  readonly args: readonly Expr[];
}

export interface UnaryNode extends Located {
  readonly type: 'unary';
  readonly operator: UnaryOperator;
  readonly operand: Expr;
}

export interface BinaryLink extends Located {
  readonly operator: BinaryOperator;
  readonly operand: Expr;
}

/** `first op1 operand1 op2 operand2 …` of one precedence level, folded left to right. */
export interface BinaryNode extends Located {
  readonly type: 'binary';
  readonly first: Expr;
  readonly links: readonly BinaryLink[];
}

export interface LogicalNode extends Located {
  readonly type: 'logical';
  readonly operator: LogicalOperator;
  readonly operands: readonly Expr[];
}

export interface ConditionalNode extends Located {
  readonly type: 'conditional';
  readonly test: Expr;
  readonly consequent: Expr;
  readonly alternate: Expr;
}

export type Expr =
  | LiteralNode
  | ArrayNode
  | IdentifierNode
  | AccessNode
  | CallNode
  | UnaryNode
  | BinaryNode
  | LogicalNode
  | ConditionalNode;

export type AssignOperator = '=' | '+=' | '-=';

export interface AssignStatement extends Located {
  readonly type: 'assign';
  readonly target: string;
  readonly operator: AssignOperator;
  readonly value: Expr;
}

export interface IfBranch {
  readonly test: Expr;
  readonly body: readonly Statement[];
}

/** `if … else if … else …` kept as one flat list of branches. */
export interface IfStatement extends Located {
  readonly type: 'if';
  readonly branches: readonly IfBranch[];
  readonly otherwise?: readonly Statement[];
}

export type Statement = AssignStatement | IfStatement;

/** The direct sub-expressions of a node, in source order. */
export function childExpressions(node: Expr): readonly Expr[] {
  switch (node.type) {
    case 'literal':
    case 'identifier':
      return [];
    case 'array':
      return node.elements;
    case 'access':
      return [node.object, ...node.steps.flatMap((step) => (step.kind === 'index' ? [step.index] : []))];
    case 'call':
      return node.args;
    case 'unary':
      return [node.operand];
    case 'binary':
      return [node.first, ...node.links.map((link) => link.operand)];
    case 'logical':
      return node.operands;
    case 'conditional':
      return [node.test, node.consequent, node.alternate];
  }
}

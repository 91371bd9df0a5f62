import type { AccessStep, BinaryLink, BinaryOperator, Expr, LogicalOperator, UnaryOperator } from './ast';
import { ExpressionError } from './expression-error';
import { BUILTINS, BUILTIN_NAMES, type Builtin } from './functions';
import { MAX_NESTING_DEPTH } from './limits';
import { FORBIDDEN_NAMES, forbiddenNameProblem } from './property-access';
import { UNSUPPORTED_WORDS, type Token } from './tokenizer';

/** Binary precedence levels below the logical ones, lowest first. */
const BINARY_LEVELS: readonly (readonly string[])[] = [
  ['==', '!=', '===', '!=='],
  ['<', '<=', '>', '>='],
  ['+', '-'],
  ['*', '/', '%'],
];

/** JavaScript sources write `===` / `!==`; our `==` is already strict, so they are synonyms. */
const STRICT_SYNONYMS: ReadonlyMap<string, BinaryOperator> = new Map([
  ['===', '=='],
  ['!==', '!='],
]);

const LITERAL_KEYWORDS: ReadonlyMap<string, null | boolean> = new Map([
  ['true', true],
  ['false', false],
  ['null', null],
]);

const METHOD_CALL_HINT = `only built-in functions can be called, by name (${BUILTIN_NAMES.join(', ')}); there are no methods`;

function describeToken(token: Token): string {
  const text = token.text.length > 40 ? `${token.text.slice(0, 40)}…` : token.text;
  if (token.kind === 'number' || token.kind === 'string') return `${token.kind} ${text}`;
  return `"${text}"`;
}

function describeArity(builtin: Builtin): string {
  const plural = (n: number): string => `${n} argument${n === 1 ? '' : 's'}`;
  if (builtin.maxArgs === Infinity) return `at least ${plural(builtin.minArgs)}`;
  return plural(builtin.minArgs);
}

/**
 * Recursive-descent / precedence-climbing parser for expressions. It works on the full token
 * list; scripts reuse it through ScriptParser.
 */
export class ExpressionParser {
  protected index = 0;
  private depth = 0;

  constructor(
    protected readonly source: string,
    protected readonly tokens: readonly Token[],
  ) {}

  parseStandalone(): Expr {
    if (this.peek().kind === 'eof') throw this.error(this.peek(), 'Empty expression');
    const expr = this.parseExpression();
    this.expectEnd();
    return expr;
  }

  protected parseExpression(): Expr {
    const test = this.parseLogical('||', 'or', () => this.parseLogical('&&', 'and', () => this.parseBinary(0)));
    const question = this.peek();
    if (!this.isOperator(question, '?')) return test;
    this.index++;
    // Both branches are full expressions, so `a ? b : c ? d : e` nests to the right.
    const consequent = this.nested(question, () => this.parseExpression());
    this.expectOperator(':', 'a "? :" needs both branches');
    const alternate = this.nested(question, () => this.parseExpression());
    return { type: 'conditional', test, consequent, alternate, position: question.position };
  }

  private parseLogical(operator: LogicalOperator, word: string, operand: () => Expr): Expr {
    const first = operand();
    const operands = [first];
    while (this.isOperator(this.peek(), operator) || this.isKeyword(this.peek(), word)) {
      this.index++;
      operands.push(operand());
    }
    return operands.length === 1 ? first : { type: 'logical', operator, operands, position: first.position };
  }

  private parseBinary(level: number): Expr {
    if (level === BINARY_LEVELS.length) return this.parseUnary();
    const first = this.parseBinary(level + 1);
    const links: BinaryLink[] = [];
    for (let token = this.peek(); this.isOperatorIn(token, BINARY_LEVELS[level]); token = this.peek()) {
      this.index++;
      const operator = STRICT_SYNONYMS.get(token.text) ?? (token.text as BinaryOperator);
      links.push({ operator, operand: this.parseBinary(level + 1), position: token.position });
    }
    return links.length === 0 ? first : { type: 'binary', first, links, position: first.position };
  }

  private parseUnary(): Expr {
    const token = this.peek();
    const operator = this.unaryOperator(token);
    if (operator === undefined) return this.parsePostfix();
    this.index++;
    const operand = this.nested(token, () => this.parseUnary());
    return { type: 'unary', operator, operand, position: token.position };
  }

  private unaryOperator(token: Token): UnaryOperator | undefined {
    if (this.isKeyword(token, 'not')) return '!';
    return this.isOperatorIn(token, ['!', '-', '+']) ? (token.text as UnaryOperator) : undefined;
  }

  private parsePostfix(): Expr {
    const object = this.parsePrimary();
    const steps: AccessStep[] = [];
    for (let token = this.peek(); ; token = this.peek()) {
      if (this.isOperator(token, '.')) steps.push(this.parsePropertyStep());
      else if (this.isOperator(token, '[')) steps.push(this.parseIndexStep());
      else if (this.isOperator(token, '(')) throw this.unexpected(token, METHOD_CALL_HINT);
      else break;
    }
    return steps.length === 0 ? object : { type: 'access', object, steps, position: object.position };
  }

  private parsePropertyStep(): AccessStep {
    this.index++;
    const name = this.next();
    if (name.kind !== 'identifier' && name.kind !== 'keyword') throw this.unexpected(name, 'expected a property name after "."');
    this.checkName(name.text, name);
    return { kind: 'property', name: name.text, position: name.position };
  }

  private parseIndexStep(): AccessStep {
    const open = this.next();
    const index = this.nested(open, () => this.parseExpression());
    if (index.type === 'literal' && typeof index.value === 'string') this.checkName(index.value, open);
    this.expectOperator(']');
    return { kind: 'index', index, position: open.position };
  }

  private parsePrimary(): Expr {
    const token = this.next();
    if (token.kind === 'number' || token.kind === 'string') {
      return { type: 'literal', value: token.value ?? null, position: token.position };
    }
    if (token.kind === 'identifier') return this.parseName(token);
    if (token.kind === 'keyword' && LITERAL_KEYWORDS.has(token.text)) {
      return { type: 'literal', value: LITERAL_KEYWORDS.get(token.text) ?? null, position: token.position };
    }
    if (this.isOperator(token, '(')) return this.parseGroup(token);
    if (this.isOperator(token, '[')) return this.parseArray(token);
    throw this.unexpected(token, token.kind === 'eof' ? 'expected a value' : undefined);
  }

  private parseName(token: Token): Expr {
    this.checkSupported(token);
    if (this.isOperator(this.peek(), '(')) return this.parseCall(token);
    this.checkName(token.text, token);
    return { type: 'identifier', name: token.text, position: token.position };
  }

  private parseCall(name: Token): Expr {
    const builtin = BUILTINS.get(name.text);
    if (builtin === undefined) {
      throw this.error(name, `Unknown function "${name.text}"`, `allowed functions are ${BUILTIN_NAMES.join(', ')}`);
    }
    const open = this.next();
    const args = this.parseList(open, ')');
    if (args.length < builtin.minArgs || args.length > builtin.maxArgs) {
      throw this.error(name, `${name.text}() takes ${describeArity(builtin)} but was given ${args.length}`);
    }
    return { type: 'call', name: name.text, args, position: name.position };
  }

  private parseGroup(open: Token): Expr {
    const inner = this.nested(open, () => this.parseExpression());
    this.expectOperator(')');
    return inner;
  }

  private parseArray(open: Token): Expr {
    return { type: 'array', elements: this.parseList(open, ']'), position: open.position };
  }

  /** Comma-separated expressions up to `close`; the opening token has been consumed. */
  private parseList(open: Token, close: string): Expr[] {
    const items: Expr[] = [];
    if (this.isOperator(this.peek(), close)) {
      this.index++;
      return items;
    }
    do {
      items.push(this.nested(open, () => this.parseExpression()));
    } while (this.matchOperator(','));
    this.expectOperator(close, `expected "," or "${close}"`);
    return items;
  }

  protected checkSupported(token: Token): void {
    const reason = UNSUPPORTED_WORDS.get(token.text);
    if (reason !== undefined) throw this.error(token, `Unsupported keyword "${token.text}"`, reason);
  }

  protected checkName(name: string, token: Token): void {
    if (FORBIDDEN_NAMES.has(name)) throw this.error(token, forbiddenNameProblem(name), 'expressions may only read data, not JavaScript internals');
  }

  /** Every construct that recurses goes through here, which bounds parser and evaluator stacks. */
  protected nested<T>(token: Token, parse: () => T): T {
    if (this.depth >= MAX_NESTING_DEPTH) {
      throw this.error(token, `Nesting deeper than ${MAX_NESTING_DEPTH} levels`, 'simplify the expression or split it up');
    }
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  protected expectEnd(): void {
    const token = this.peek();
    if (token.kind === 'eof') return;
    const hint = this.isOperator(token, '=') ? 'use "==" to compare' : 'expected an operator or the end of the expression';
    throw this.unexpected(token, hint);
  }

  protected peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  protected previous(): Token | undefined {
    return this.index > 0 ? this.tokens[this.index - 1] : undefined;
  }

  protected next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index++;
    return token;
  }

  protected isOperator(token: Token | undefined, text: string): boolean {
    return token !== undefined && token.kind === 'operator' && token.text === text;
  }

  private isOperatorIn(token: Token, texts: readonly string[]): boolean {
    return token.kind === 'operator' && texts.includes(token.text);
  }

  protected isKeyword(token: Token, text: string): boolean {
    return token.kind === 'keyword' && token.text === text;
  }

  protected matchOperator(text: string): boolean {
    if (!this.isOperator(this.peek(), text)) return false;
    this.index++;
    return true;
  }

  protected expectOperator(text: string, hint = `expected "${text}"`): Token {
    const token = this.peek();
    if (!this.isOperator(token, text)) throw this.unexpected(token, hint);
    this.index++;
    return token;
  }

  protected error(token: Token, problem: string, hint?: string): ExpressionError {
    return ExpressionError.at(this.source, token.position, problem, hint);
  }

  protected unexpected(token: Token, hint?: string): ExpressionError {
    return this.error(token, token.kind === 'eof' ? 'Unexpected end of input' : `Unexpected ${describeToken(token)}`, hint);
  }
}

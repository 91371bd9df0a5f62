import type { AssignOperator, AssignStatement, IfBranch, IfStatement, Statement } from './ast';
import type { ExpressionError } from './expression-error';
import { ExpressionParser } from './expression-parser';
import type { Token } from './tokenizer';

const ASSIGN_OPERATORS: ReadonlySet<string> = new Set(['=', '+=', '-=']);

const STATEMENT_HINT = 'expected a statement: "name = value" or "if (condition) { … }"';

/**
 * Statements: assignments to top-level names and if/else. There are no loops or calls with
 * effects, so every script runs in time proportional to its length.
 */
export class ScriptParser extends ExpressionParser {
  parseScript(): Statement[] {
    const statements = this.parseStatements();
    this.expectEnd();
    return statements;
  }

  private parseStatements(closing?: '}'): Statement[] {
    const statements: Statement[] = [];
    for (;;) {
      while (this.matchOperator(';'));
      if (this.atBlockEnd(closing)) return statements;
      statements.push(this.parseStatement());
      this.expectSeparator(closing);
    }
  }

  private atBlockEnd(closing?: '}'): boolean {
    const token = this.peek();
    return token.kind === 'eof' || (closing !== undefined && this.isOperator(token, closing));
  }

  private expectSeparator(closing?: '}'): void {
    const token = this.peek();
    if (this.isOperator(token, ';') || token.newlineBefore || this.atBlockEnd(closing)) return;
    if (this.isOperator(this.previous(), '}')) return;
    throw this.unexpected(token, 'separate statements with ";" or a new line');
  }

  private parseStatement(): Statement {
    const token = this.peek();
    if (this.isKeyword(token, 'if')) return this.parseIf();
    // JavaScript tool-agent scripts declare with var/let; every name here is a process variable anyway.
    if (this.isKeyword(token, 'var') || this.isKeyword(token, 'let')) this.index++;
    return this.parseAssignment();
  }

  private parseAssignment(): AssignStatement {
    const target = this.next();
    if (target.kind !== 'identifier') throw this.unexpected(target, STATEMENT_HINT);
    this.checkSupported(target);
    this.checkName(target.text, target);
    const operator = this.next();
    if (!(operator.kind === 'operator' && ASSIGN_OPERATORS.has(operator.text))) throw this.badAssignment(target, operator);
    const value = this.parseExpression();
    return { type: 'assign', target: target.text, operator: operator.text as AssignOperator, value, position: target.position };
  }

  private badAssignment(target: Token, operator: Token): ExpressionError {
    if (operator.kind === 'identifier') {
      const declared = `${target.text} ${operator.text}`;
      return this.error(operator, `Unexpected "${operator.text}"`, `typed declarations such as "${declared}" are not supported; write "${operator.text} = …"`);
    }
    if (this.isOperator(operator, '.') || this.isOperator(operator, '[')) {
      return this.unexpected(operator, `only plain variable names can be assigned, and there are no method calls`);
    }
    if (this.isOperator(operator, '(')) return this.error(target, `Unknown statement "${target.text}(…)"`, 'function calls have no effect in scripts; only assignments and if statements are allowed');
    return this.unexpected(operator, `expected "=", "+=" or "-=" after "${target.text}"`);
  }

  private parseIf(): IfStatement {
    const start = this.next();
    const branches: IfBranch[] = [this.parseIfBranch()];
    while (this.matchElse()) {
      if (!this.isKeyword(this.peek(), 'if')) {
        return { type: 'if', branches, otherwise: this.parseBody(), position: start.position };
      }
      this.index++;
      branches.push(this.parseIfBranch());
    }
    return { type: 'if', branches, position: start.position };
  }

  private parseIfBranch(): IfBranch {
    const open = this.expectOperator('(', 'write the condition in parentheses: if (condition) { … }');
    const test = this.nested(open, () => this.parseExpression());
    this.expectOperator(')');
    return { test, body: this.parseBody() };
  }

  /** JavaScript allows `if (a) x = 1; else x = 2`, so a ";" right before "else" belongs to the if. */
  private matchElse(): boolean {
    const skip = this.isOperator(this.peek(), ';') && this.isKeyword(this.peek(1), 'else') ? 1 : 0;
    if (!this.isKeyword(this.peek(skip), 'else')) return false;
    this.index += skip + 1;
    return true;
  }

  private parseBody(): Statement[] {
    const open = this.peek();
    if (!this.isOperator(open, '{')) return this.nested(open, () => [this.parseStatement()]);
    this.index++;
    const body = this.nested(open, () => this.parseStatements('}'));
    this.expectOperator('}', 'expected "}" to close the block');
    return body;
  }
}

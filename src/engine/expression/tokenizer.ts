import { ExpressionError } from './expression-error';

export type TokenKind = 'number' | 'string' | 'identifier' | 'keyword' | 'operator' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The lexeme exactly as written. */
  readonly text: string;
  /** The decoded value of number and string literals. */
  readonly value?: number | string;
  readonly position: number;
  /** Scripts separate statements by newlines as well as by `;`. */
  readonly newlineBefore: boolean;
}

export const KEYWORDS: ReadonlySet<string> = new Set([
  'true', 'false', 'null', 'and', 'or', 'not', 'var', 'let', 'if', 'else',
]);

/**
 * Java and JavaScript words that mean the source wants something this language deliberately
 * cannot do. They stay valid property names (`order.class`) but are refused as variables, so
 * imported BeanShell or JavaScript fails to compile with a reason instead of a puzzling error.
 */
export const UNSUPPORTED_WORDS: ReadonlyMap<string, string> = new Map([
  ['new', 'expressions cannot create objects or call Java/JavaScript code'],
  ['function', 'expressions cannot define functions'],
  ['class', 'expressions cannot define classes'],
  ['import', 'expressions cannot load code'],
  ['while', 'scripts have no loops'],
  ['for', 'scripts have no loops'],
  ['do', 'scripts have no loops'],
  ['return', 'a script returns the variables it assigns; "return" is not needed'],
  ['throw', 'scripts cannot throw exceptions'],
  ['try', 'scripts cannot catch exceptions'],
  ['typeof', 'use isNull(...) or compare with a value instead'],
  ['instanceof', 'expressions cannot inspect types'],
  ['delete', 'scripts cannot delete variables; assign null instead'],
]);

/** Longest first, so `===` is not read as `==` followed by `=`. */
const OPERATORS = [
  '===', '!==', '==', '!=', '<=', '>=', '&&', '||', '+=', '-=',
  '<', '>', '+', '-', '*', '/', '%', '!', '?', ':', '(', ')', '[', ']', '{', '}', ',', '.', ';', '=',
];

const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['n', '\n'], ['t', '\t'], ['r', '\r'], ['b', '\b'], ['f', '\f'], ['0', '\0'],
  ['"', '"'], ["'", "'"], ['\\', '\\'], ['/', '/'],
]);

const HEX4 = /^[0-9a-fA-F]{4}$/;

export function tokenize(source: string): Token[] {
  return new Tokenizer(source).run();
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

function isIdentifierStart(ch: string): boolean {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_' || ch === '$';
}

function isIdentifierPart(ch: string): boolean {
  return isIdentifierStart(ch) || isDigit(ch);
}

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === '\f' || ch === '\v' || ch === '\u00a0' || ch === '\ufeff';
}

class Tokenizer {
  private pos = 0;
  private newlineBefore = false;
  private readonly tokens: Token[] = [];

  constructor(private readonly source: string) {}

  run(): Token[] {
    for (this.skipTrivia(); this.pos < this.source.length; this.skipTrivia()) {
      this.tokens.push(this.scanToken());
    }
    this.tokens.push(this.make('eof', this.source.length));
    return this.tokens;
  }

  private char(offset = 0): string {
    return this.source.charAt(this.pos + offset);
  }

  private fail(position: number, problem: string, hint?: string): never {
    throw ExpressionError.at(this.source, position, problem, hint);
  }

  private make(kind: TokenKind, start: number, value?: number | string): Token {
    const token = { kind, text: this.source.slice(start, this.pos), value, position: start, newlineBefore: this.newlineBefore };
    this.newlineBefore = false;
    return token;
  }

  private skipTrivia(): void {
    while (this.pos < this.source.length) {
      const ch = this.char();
      if (isWhitespace(ch)) {
        if (ch === '\n') this.newlineBefore = true;
        this.pos++;
      } else if (ch === '/' && this.char(1) === '/') {
        this.skipLineComment();
      } else if (ch === '/' && this.char(1) === '*') {
        this.skipBlockComment();
      } else {
        return;
      }
    }
  }

  private skipLineComment(): void {
    const end = this.source.indexOf('\n', this.pos);
    this.pos = end < 0 ? this.source.length : end;
  }

  private skipBlockComment(): void {
    const end = this.source.indexOf('*/', this.pos + 2);
    if (end < 0) this.fail(this.pos, 'Unterminated comment', 'close it with */');
    if (this.source.slice(this.pos, end).includes('\n')) this.newlineBefore = true;
    this.pos = end + 2;
  }

  private scanToken(): Token {
    const ch = this.char();
    if (isDigit(ch)) return this.scanNumber();
    if (ch === '"' || ch === "'") return this.scanString(ch);
    if (isIdentifierStart(ch)) return this.scanWord();
    return this.scanOperator();
  }

  private skipDigits(): void {
    while (isDigit(this.char())) this.pos++;
  }

  private scanNumber(): Token {
    const start = this.pos;
    this.skipDigits();
    let integer = true;
    if (this.char() === '.' && isDigit(this.char(1))) {
      this.pos++;
      this.skipDigits();
      integer = false;
    }
    if (this.atExponent()) {
      this.pos += isDigit(this.char(1)) ? 1 : 2;
      this.skipDigits();
      integer = false;
    }
    const digitsEnd = this.pos;
    // Java long literals (1L) appear in conditions written for Java engines.
    if (integer && (this.char() === 'L' || this.char() === 'l')) this.pos++;
    return this.finishNumber(start, digitsEnd);
  }

  private atExponent(): boolean {
    if (this.char() !== 'e' && this.char() !== 'E') return false;
    const next = this.char(1);
    return isDigit(next) || ((next === '+' || next === '-') && isDigit(this.char(2)));
  }

  private finishNumber(start: number, digitsEnd: number): Token {
    if (isIdentifierPart(this.char())) {
      while (isIdentifierPart(this.char())) this.pos++;
      this.fail(start, `Invalid number "${this.source.slice(start, this.pos)}"`, 'names cannot start with a digit');
    }
    const value = Number(this.source.slice(start, digitsEnd));
    if (!Number.isFinite(value)) this.fail(start, `Number "${this.source.slice(start, this.pos)}" is too large`);
    return this.make('number', start, value);
  }

  private scanString(quote: string): Token {
    const start = this.pos++;
    const parts: string[] = [];
    while (this.pos < this.source.length) {
      const ch = this.char();
      if (ch === quote) {
        this.pos++;
        return this.make('string', start, parts.join(''));
      }
      if (ch === '\n' || ch === '\r') break;
      if (ch === '\\') {
        parts.push(this.scanEscape());
      } else {
        parts.push(ch);
        this.pos++;
      }
    }
    return this.fail(start, 'Unterminated string', `close it with ${quote} on the same line`);
  }

  private scanEscape(): string {
    const start = this.pos;
    const kind = this.char(1);
    const simple = SIMPLE_ESCAPES.get(kind);
    if (simple !== undefined) {
      this.pos += 2;
      return simple;
    }
    const hex = this.source.slice(this.pos + 2, this.pos + 6);
    if (kind === 'u' && HEX4.test(hex)) {
      this.pos += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    const shown = kind === 'u' ? `\\u${hex}` : `\\${kind}`;
    return this.fail(start, `Invalid escape "${shown}"`, 'use \\n \\t \\r \\" \\\' \\\\ or \\uXXXX (write \\\\ for a backslash)');
  }

  private scanWord(): Token {
    const start = this.pos;
    while (isIdentifierPart(this.char())) this.pos++;
    return this.make(KEYWORDS.has(this.source.slice(start, this.pos)) ? 'keyword' : 'identifier', start);
  }

  private scanOperator(): Token {
    const start = this.pos;
    const operator = OPERATORS.find((op) => this.source.startsWith(op, start));
    if (operator === undefined) return this.failCharacter(start);
    this.pos += operator.length;
    return this.make('operator', start);
  }

  private failCharacter(start: number): never {
    const ch = this.char();
    if (ch === '&') this.fail(start, 'Unexpected "&"', 'use "&&" or "and"');
    if (ch === '|') this.fail(start, 'Unexpected "|"', 'use "||" or "or"');
    return this.fail(start, `Unexpected character ${JSON.stringify(ch)}`);
  }
}

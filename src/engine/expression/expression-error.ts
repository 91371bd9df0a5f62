/** Sources longer than this are shown as an excerpt around the problem. */
const EXCERPT_LENGTH = 120;

/**
 * The one error type of the expression language: syntax errors, limits and evaluation failures
 * alike, so callers catch a single class and show its message to whoever wrote the definition.
 */
export class ExpressionError extends Error {
  /** The source text of the expression or script. */
  readonly expression: string;
  /** 0-based character offset of the problem in `expression`, when known. */
  readonly position?: number;

  constructor(message: string, expression: string, position?: number) {
    super(message);
    this.name = 'ExpressionError';
    this.expression = expression;
    this.position = position;
  }

  /** The standard message: the problem, where it is, and (in `hint`) what to do about it. */
  static at(source: string, position: number | undefined, problem: string, hint?: string): ExpressionError {
    const where = position === undefined ? '' : ` at position ${position}${lineAndColumn(source, position)}`;
    const advice = hint ? `: ${hint}` : '';
    return new ExpressionError(`${problem}${where} in ${quoteSource(source, position)}${advice}`, source, position);
  }
}

/** Quotes a source for a message; long scripts are cut to the part around the problem. */
export function quoteSource(source: string, position = 0): string {
  if (source.length <= EXCERPT_LENGTH) return JSON.stringify(source);
  const start = Math.max(0, Math.min(position - EXCERPT_LENGTH / 2, source.length - EXCERPT_LENGTH));
  const end = start + EXCERPT_LENGTH;
  const excerpt = `${start > 0 ? '…' : ''}${source.slice(start, end)}${end < source.length ? '…' : ''}`;
  return JSON.stringify(excerpt);
}

/** Offsets alone are hard to find in multi-line scripts, so those also get a line and column. */
function lineAndColumn(source: string, position: number): string {
  if (!source.includes('\n')) return '';
  const before = source.slice(0, position);
  const line = before.split('\n').length;
  const column = position - (before.lastIndexOf('\n') + 1) + 1;
  return ` (line ${line}, column ${column})`;
}

/**
 * Bounds that keep hostile or runaway definitions from exhausting the engine. Scripts have no
 * loops, so together with these every evaluation finishes quickly and in bounded memory.
 */

/** Longest accepted expression or script source, in characters. */
export const MAX_SOURCE_LENGTH = 10_000;

/**
 * Deepest nesting of parentheses, brackets, call arguments, unary operators, `? :` branches and
 * `if` blocks. It bounds the recursion of both the parser and the evaluator.
 */
export const MAX_NESTING_DEPTH = 64;

/** Longest string an evaluation may build (by `+`, `+=` or a function). */
export const MAX_STRING_LENGTH = 1_000_000;

/**
 * A small, safe expression language for transition conditions, data-field initial values,
 * durations and tool-agent scripts in imported workflow definitions (XPDL written for Java and
 * JavaScript engines). It is tokenized, parsed and tree-walked here: no eval, Function or vm, and
 * no path from an expression to JavaScript objects, prototypes or Node globals.
 *
 * Expressions
 * - Literals: numbers (`12`, `1.5`, `2e3`, Java longs `1L`), strings in '…' or "…" with escapes
 *   \n \t \r \" \' \\ \uXXXX, `true`, `false`, `null`, arrays `[1, "a"]`.
 * - Variables `amount`, properties `order.customer`, `order["id"]`, `items[0]`, `s.length`.
 *   Unset variables, missing properties and anything read through null are null. Only own data
 *   properties of plain objects and arrays are visible; `__proto__`, `prototype` and
 *   `constructor` are refused; values that are functions are errors.
 * - Operators, loosest first: `? :`; `||`/`or`; `&&`/`and`; `==` `!=` (`===` `!==` are the same);
 *   `<` `<=` `>` `>=`; `+` `-`; `*` `/` `%`; unary `!`/`not` `-` `+`; member access and calls.
 * - `==` is strict except: null == undefined, and a boolean equals the string "true"/"false"
 *   (any case). A number never equals a numeric string. Dates compare as milliseconds.
 * - Relational operators need two numbers (dates count as milliseconds) or two strings.
 *   `+` concatenates when either side is a string (null prints as "null"); other arithmetic
 *   needs numbers; division or modulo by zero and non-finite results are errors.
 * - Truth values (conditions, `!`, `&&`, `||`, `? :`, `if`): booleans; null is false; numbers are
 *   true unless 0; "true"/"false" (any case) and "" (false). Any other value is an error rather
 *   than a guess. `&&`/`||` short-circuit and always give a boolean.
 * - Functions (checked when compiling): len contains startsWith endsWith lower upper trim abs
 *   min max round floor ceil number string boolean isNull coalesce now date. `now()` and
 *   `date(s)` give epoch milliseconds; `date` accepts ISO 8601 text.
 *
 * Scripts: statements separated by `;` or newlines - `name = expr`, `name += expr`,
 * `name -= expr` (an optional leading `var`/`let` is ignored) and
 * `if (cond) { … } else if (cond) { … } else { … }`; `//` and block comments. No loops, no
 * calls with effects, targets are top-level names only.
 *
 * Limits: 10,000 characters of source, 64 levels of nesting, 1,000,000-character strings.
 */
export { ExpressionError } from './expression-error';
export type { Scope, CompiledExpression, CompiledScript } from './types';
export { compileExpression, compileScript, evaluateCondition, isSafeScript } from './compile';

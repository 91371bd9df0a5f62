/**
 * Modelling tools (Bizagi, Signavio, BPMN editors generally) write the text shown on a sequence
 * flow into `Condition`: `Information available`, `Individualteile benötigt`, `Approved?`. That is
 * a label for a person's decision, not an expression. Deciding which is which must never be a
 * guess that changes a real condition's meaning, so a condition counts as a label only when it
 * cannot be an expression in either language the engine runs (JavaScript or its own):
 *
 * - it is made of words only (letters and digits, with hyphens or apostrophes inside a word and
 *   at most one of `? ! . : ,` after it), and
 * - two words stand side by side with no operator between them (`a b` parses in neither
 *   language; `not a`, `a and b`, `typeof a`, `a in b` do, so those words count as operators),
 *   or a word has punctuation after it or a hyphen/apostrophe inside it whose parts are not
 *   data fields (`low-risk` would subtract two fields that do not exist), or
 * - it is one bare word that names no data field and no literal (`Yes`, `Approved`): as an
 *   expression it would read a variable that does not exist.
 *
 * The importer warns, naming the transition, for every condition it deploys as a label.
 */

const OPERATOR_WORDS = new Set(['and', 'or', 'not', 'in', 'instanceof', 'typeof', 'new', 'void', 'delete', 'of', 'await', 'yield']);
const LITERALS = new Set(['true', 'false', 'null', 'undefined', 'NaN', 'Infinity', 'this']);
const WORD = /^[\p{L}\p{N}](?:[\p{L}\p{N}_]|['’-](?=[\p{L}\p{N}]))*([?!.:,])?$/u;

export function isConditionLabel(condition: string, fieldIds: ReadonlySet<string>): boolean {
  const text = condition.trim();
  if (!text) return false;
  const words = text.split(/\s+/);
  if (!words.every((w) => WORD.test(w))) return false;
  // A number alone, or any word starting with a digit and nothing else, is a literal.
  if (words.length === 1 && /^\d/.test(words[0]) && /^[\d.]+$/.test(words[0])) return false;
  const bare = (w: string): string => w.replace(/[?!.:,]$/, '');
  const punctuated = words.some((w) => bare(w) !== w);
  const compound = words.some((w) => /['’-]/.test(w) && !bare(w).split(/['’-]/).every((part) => fieldIds.has(part)));
  if (punctuated || compound) return true;
  if (words.length === 1) return !/['’-]/.test(words[0]) && !fieldIds.has(words[0]) && !LITERALS.has(words[0]) && !/^\d/.test(words[0]);
  for (let i = 1; i < words.length; i++) {
    if (!OPERATOR_WORDS.has(words[i - 1]) && !OPERATOR_WORDS.has(words[i])) return true;
  }
  return false;
}

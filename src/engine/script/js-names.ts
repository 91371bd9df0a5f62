/**
 * Which names a JavaScript condition or script reads and assigns, found by scanning its tokens
 * (no interpreter involved). The answer feeds the data contract (what leaves the home department
 * for an activity), so it errs on the side of more: every identifier that is not a property name
 * counts as read, and the root of every assignment target (`a = …`, `a.b = …`, `a[i] += …`,
 * `a++`) or of a mutating method call (`a.push(…)`, `d.setTime(…)`) counts as written.
 *
 * Some sources reach variables by computed name (`eval`, `this[…]`, `globalThis`, `with`, the
 * Function constructor, template literals are not scanned): then `undecidable` is set and callers
 * must assume every field is read and may be written.
 */
export interface JsNames {
  reads: string[];
  writes: string[];
  undecidable?: string;
}

const KEYWORDS = new Set(
  ('break case catch class const continue debugger default delete do else export extends finally for function if import in ' +
    'instanceof new return super switch throw try typeof var void while yield let static await of true false null undefined NaN Infinity')
    .split(' '),
);

/** Names through which code can read or write variables it does not spell out. */
const DYNAMIC = new Set(['eval', 'Function', 'globalThis', 'this', 'with', 'self', 'window', 'arguments']);

const MUTATORS = /^(push|pop|shift|unshift|splice|sort|reverse|fill|copyWithin|set[A-Z]\w*)$/;

/** After these a `/` starts a regular expression, not a division. */
const BEFORE_REGEX = new Set(['(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^', 'return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', '']);

interface Tok {
  kind: 'id' | 'punct' | 'lit';
  text: string;
}

const PUNCTUATORS = ['>>>=', '...', '===', '!==', '**=', '<<=', '>>=', '>>>', '&&=', '||=', '??=', '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '**', '<<', '>>'];
const IDENT_START = /[\p{L}\p{Nl}$_]/u;
const IDENT_PART = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}$_\u200c\u200d]/u;

function tokenize(src: string): Tok[] | string {
  const toks: Tok[] = [];
  let i = 0;
  const last = (): string => {
    const t = toks[toks.length - 1];
    return t ? (t.kind === 'lit' ? 'lit' : t.text) : '';
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (src.startsWith('//', i)) { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) return 'an unterminated comment';
      i = end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) return 'an unterminated string';
      toks.push({ kind: 'lit', text: src.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    if (c === '`') return 'a template literal';
    if (c === '/' && BEFORE_REGEX.has(last())) {
      let j = i + 1;
      let inClass = false;
      while (j < src.length && (inClass || src[j] !== '/')) {
        if (src[j] === '\n') return 'an unterminated regular expression';
        if (src[j] === '\\') j++;
        else if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        j++;
      }
      if (j >= src.length) return 'an unterminated regular expression';
      j++;
      while (j < src.length && /[a-z]/i.test(src[j])) j++;
      toks.push({ kind: 'lit', text: src.slice(i, j) });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < src.length && /[\w.]/.test(src[j])) j++;
      toks.push({ kind: 'lit', text: src.slice(i, j) });
      i = j;
      continue;
    }
    if (IDENT_START.test(c) || c === '\\') {
      let j = i + 1;
      while (j < src.length && IDENT_PART.test(src[j])) j++;
      toks.push({ kind: 'id', text: src.slice(i, j) });
      i = j;
      continue;
    }
    const p = PUNCTUATORS.find((x) => src.startsWith(x, i)) ?? c;
    toks.push({ kind: 'punct', text: p });
    i += p.length;
  }
  return toks;
}

const ASSIGN = new Set(['=', '+=', '-=', '*=', '/=', '%=', '**=', '<<=', '>>=', '>>>=', '&=', '|=', '^=', '&&=', '||=', '??=']);

/** The identifier at the root of the member chain ending at token `end` (e.g. `a` of `a.b[c].d`), if any. */
function chainRoot(toks: Tok[], end: number): string | undefined {
  let k = end;
  for (;;) {
    const t = toks[k];
    if (!t) return undefined;
    if (t.kind === 'punct' && t.text === ']') {
      let depth = 0;
      for (; k >= 0; k--) {
        if (toks[k].text === ']') depth++;
        else if (toks[k].text === '[' && --depth === 0) break;
      }
      k--;
      continue;
    }
    if (t.kind !== 'id') return undefined;
    const before = toks[k - 1];
    if (before && before.kind === 'punct' && (before.text === '.' || before.text === '?.')) {
      k -= 2;
      continue;
    }
    return KEYWORDS.has(t.text) ? undefined : t.text;
  }
}

export function scanJsNames(source: string): JsNames {
  const toks = tokenize(source);
  if (typeof toks === 'string') return { reads: [], writes: [], undecidable: `it contains ${toks}` };
  const reads = new Set<string>();
  const writes = new Set<string>();
  let undecidable: string | undefined;
  toks.forEach((t, k) => {
    const prev = toks[k - 1];
    const next = toks[k + 1];
    if (t.kind === 'id') {
      const isProperty = prev?.kind === 'punct' && (prev.text === '.' || prev.text === '?.');
      if (!isProperty && DYNAMIC.has(t.text)) undecidable ??= `it uses "${t.text}", which reaches variables by computed name`;
      if (!isProperty && !KEYWORDS.has(t.text)) reads.add(t.text);
      if (isProperty && MUTATORS.test(t.text) && next?.text === '(') {
        const root = chainRoot(toks, k - 2);
        if (root) writes.add(root);
      }
      return;
    }
    if (t.kind !== 'punct') return;
    if (ASSIGN.has(t.text) || ((t.text === '++' || t.text === '--') && prev && (prev.kind === 'id' || prev.text === ']'))) {
      const root = chainRoot(toks, k - 1);
      if (root) writes.add(root);
    }
    if ((t.text === '++' || t.text === '--') && next?.kind === 'id') {
      // Prefix: ++a or ++a.b; take the chain that starts here.
      let e = k + 1;
      while (toks[e + 1] && (toks[e + 1].text === '.' || toks[e + 1].text === '?.') && toks[e + 2]?.kind === 'id') e += 2;
      const root = chainRoot(toks, e);
      if (root) writes.add(root);
    }
  });
  return { reads: [...reads], writes: [...writes], ...(undecidable ? { undecidable } : {}) };
}

import { SoapFault } from './soap-fault';
import { echo } from './echo';

/**
 * What one request may cost before any parser builds anything from it. The scanner below checks
 * all of them in one linear pass over the text, so a hostile document is refused for about what
 * it costs to read it (docs/services-design.md, "Limits").
 */
export interface XmlLimits {
  /** Deepest element nesting (the Envelope is depth 1). */
  maxDepth: number;
  /** Elements in the whole document. */
  maxElements: number;
  /** Attributes (namespace declarations included) on one element. */
  maxAttributes: number;
  /** Characters in one element or attribute name, prefix included. */
  maxNameLength: number;
}

export const DEFAULT_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxDepth: 64,
  maxElements: 20_000,
  maxAttributes: 64,
  maxNameLength: 256,
});

/**
 * The same limits without the element count, for documents whose size is bounded otherwise: a
 * SOAP reply (by maxReplyBytes) and a signed message the server already took whole.
 */
export const SIZE_BOUNDED_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({ ...DEFAULT_XML_LIMITS, maxElements: Number.MAX_SAFE_INTEGER });

// XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF], in
// UTF-16 code units: what is not one of these is illegal, or half of a surrogate pair (checked
// where it is met; the same class with the u flag and #x10000-#x10FFFF runs ~50 times slower).
const NOT_BMP_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/g;
const NAME = /[A-Za-z_:\u00C0-\uFFFF][-A-Za-z0-9_:.\u00B7\u00C0-\uFFFF]*/y;
const SPACE = /[ \t\r\n]*/y;

function malformed(text: string, at: number, problem: string): SoapFault {
  return new SoapFault('Client', `malformed XML at line ${lineAt(text, at)}: ${problem}`, 'MALFORMED_XML');
}

function limit(what: string, max: number, where: string, code = 'LIMIT_EXCEEDED'): SoapFault {
  return new SoapFault('Client', `the request has ${what} (${where}); the limit is ${max}. Send a smaller request`, code, { httpStatus: 413 });
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function isLegalCode(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/**
 * One pass over a request document: refuses a DTD, characters XML 1.0 forbids (raw or as
 * character references), unbalanced or crossed tags, malformed attributes, and anything over the
 * limits — names are never echoed whole (see {@link echo}). Text content is skipped with indexOf.
 */
export function scanXml(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): void {
  scan(text, limits, undefined);
}

/**
 * scanXml, building the document while it checks it: the SOAP layer's one pass over a request
 * (the envelope parser reads the result, see RawDocument). Nothing is returned for a document the
 * checks refuse, so the tree is only ever built from text that passed them.
 */
export function scanXmlTree(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): RawDocument {
  const tree = new TreeBuilder(text.includes('\r'));
  scan(text, limits, tree);
  return tree.document();
}

/**
 * What the scan reports, in document order, to whoever builds a tree from it. Everything is the
 * text as written (references undecoded, line ends untouched); only text that passed the checks
 * so far is reported, and a document refused later must be discarded by the receiver.
 */
export interface XmlEvents {
  /** A start tag, once it is read whole: its name and its attributes' names and raw values, in order. */
  open(name: string, attributeNames: readonly string[], attributeValues: readonly string[]): void;
  close(): void;
  /**
   * Character data between two pieces of markup, outside the root element too (there it is
   * whitespace); what follows the last piece of markup is not reported.
   */
  text(raw: string): void;
  cdata(content: string): void;
  comment(content: string): void;
  /** What lies between <? and ?>. */
  instruction(body: string): void;
}

/**
 * scanXml, reporting the document to `events` while it checks it: for a builder of another
 * tree than scanXmlTree's (the signing module builds an xmldom DOM). Throws the SoapFault scanXml
 * throws.
 */
export function scanXmlEvents(text: string, limits: XmlLimits, events: XmlEvents): void {
  scan(text, limits, events);
}

function scan(text: string, limits: XmlLimits, tree: XmlEvents | undefined): void {
  // Tests stop at the first thing they look for: nothing here reads past what the checks need.
  if (!/\S/.test(text)) throw new SoapFault('Client', 'the request body is empty; POST a SOAP envelope', 'NOT_SOAP');
  const stack: string[] = [];
  let elements = 0;
  let roots = 0;
  // A byte-order mark needs no skipping: it is whitespace to the outside-the-root test below.
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const textEnd = lt === -1 ? n : lt;
    if (textEnd > i) {
      const segment = i;
      if (stack.length === 0 && /\S/.test(text.slice(segment, textEnd))) throw malformed(text, segment, 'text outside the root element');
      checkReferences(text, segment, textEnd, stack[stack.length - 1]);
      if (lt !== -1) tree?.text(text.slice(segment, textEnd));
    }
    if (lt === -1) break;
    const c = text.charCodeAt(lt + 1);
    if (c === 0x21 /* ! */) {
      if (text.startsWith('<!--', lt)) {
        const end = text.indexOf('-->', lt + 4);
        if (end === -1) throw malformed(text, lt, 'a comment is not closed with -->');
        tree?.comment(text.slice(lt + 4, end));
        i = end + 3;
      } else if (text.startsWith('<![CDATA[', lt)) {
        if (stack.length === 0) throw malformed(text, lt, 'a CDATA section outside the root element');
        const end = text.indexOf(']]>', lt + 9);
        if (end === -1) throw malformed(text, lt, 'a CDATA section is not closed with ]]>');
        tree?.cdata(text.slice(lt + 9, end));
        i = end + 3;
      } else if (/^<!\s*(DOCTYPE|ENTITY)/i.test(text.slice(lt, lt + 20))) {
        throw new SoapFault('Client', `a SOAP message must not contain a document type declaration (found one at line ${lineAt(text, lt)}); remove the DTD and any entity declarations`, 'DTD_NOT_ALLOWED');
      } else {
        throw malformed(text, lt, 'unexpected "<!"');
      }
    } else if (c === 0x3f /* ? */) {
      const end = text.indexOf('?>', lt + 2);
      if (end === -1) throw malformed(text, lt, 'a processing instruction is not closed with ?>');
      tree?.instruction(text.slice(lt + 2, end));
      i = end + 2;
    } else if (c === 0x2f /* / */) {
      const name = readName(text, lt + 2, limits, 'end tag');
      const open = stack.pop();
      if (open === undefined) throw malformed(text, lt, `the end tag </${echo(name)}> has no start tag`);
      if (open !== name) throw malformed(text, lt, `<${echo(open)}> is closed by </${echo(name)}>`);
      let p = name.length + lt + 2;
      SPACE.lastIndex = p;
      SPACE.exec(text);
      p = SPACE.lastIndex;
      if (text.charCodeAt(p) !== 0x3e) throw malformed(text, lt, `the end tag </${echo(name)}> is not closed with >`);
      tree?.close();
      i = p + 1;
    } else {
      const name = readName(text, lt + 1, limits, 'element');
      if (stack.length === 0 && ++roots > 1) throw malformed(text, lt, `a second root element <${echo(name)}>; a SOAP message has one, the Envelope`);
      if (++elements > limits.maxElements) throw limit(`more than ${limits.maxElements} elements`, limits.maxElements, `at line ${lineAt(text, lt)}`);
      if (stack.length + 1 > limits.maxDepth) throw limit(`elements nested more than ${limits.maxDepth} deep`, limits.maxDepth, `<${echo(name)}> at line ${lineAt(text, lt)}`);
      let p = lt + 1 + name.length;
      // Attribute names of this element, for the duplicate check (a handful: a list beats a Set).
      const seen: string[] = [];
      const values: string[] = [];
      for (;;) {
        SPACE.lastIndex = p;
        SPACE.exec(text);
        const spaced = SPACE.lastIndex > p;
        p = SPACE.lastIndex;
        const ch = text.charCodeAt(p);
        if (ch === 0x3e /* > */) {
          tree?.open(name, seen, values);
          stack.push(name);
          i = p + 1;
          break;
        }
        if (ch === 0x2f /* / */ && text.charCodeAt(p + 1) === 0x3e) {
          tree?.open(name, seen, values);
          tree?.close();
          i = p + 2;
          break;
        }
        if (Number.isNaN(ch)) throw malformed(text, lt, `the start tag <${echo(name)}> is not closed`);
        if (!spaced) throw malformed(text, p, `expected a space, > or /> in the start tag <${echo(name)}>`);
        const attr = readName(text, p, limits, 'attribute');
        if (seen.length >= limits.maxAttributes) throw limit(`more than ${limits.maxAttributes} attributes on one element`, limits.maxAttributes, `<${echo(name)}> at line ${lineAt(text, lt)}`);
        if (seen.includes(attr)) throw malformed(text, p, `the attribute ${echo(attr)} appears twice on <${echo(name)}>`);
        seen.push(attr);
        p += attr.length;
        SPACE.lastIndex = p;
        SPACE.exec(text);
        p = SPACE.lastIndex;
        if (text.charCodeAt(p) !== 0x3d /* = */) throw malformed(text, p, `the attribute ${echo(attr)} of <${echo(name)}> has no value`);
        SPACE.lastIndex = p + 1;
        SPACE.exec(text);
        p = SPACE.lastIndex;
        const quote = text[p];
        if (quote !== '"' && quote !== "'") throw malformed(text, p, `the value of attribute ${echo(attr)} of <${echo(name)}> is not quoted`);
        const end = text.indexOf(quote, p + 1);
        if (end === -1) throw malformed(text, p, `the value of attribute ${echo(attr)} of <${echo(name)}> is not closed`);
        const lessThan = text.slice(p + 1, end).indexOf('<');
        if (lessThan !== -1) throw malformed(text, p + 1 + lessThan, `"<" in the value of attribute ${echo(attr)} of <${echo(name)}>`);
        checkReferences(text, p + 1, end, name);
        if (tree) values.push(text.slice(p + 1, end));
        p = end + 1;
      }
    }
  }
  if (stack.length > 0) throw malformed(text, n, `<${echo(stack[stack.length - 1])}> is not closed`);
  if (roots === 0) throw malformed(text, n, 'there is no root element');
  // Last: a hostile document is refused by the structure checks above after reading only as far
  // as its first excess, while this one regex pass reads every character.
  const bad = firstIllegalChar(text);
  if (bad !== -1) {
    const code = text.codePointAt(bad)!;
    throw new SoapFault(
      'Client',
      `the request contains the character U+${code.toString(16).toUpperCase().padStart(4, '0')}, which XML 1.0 does not allow, at line ${lineAt(text, bad)}${whereIn(text, bad)}; remove it or send the data Base64-encoded`,
      'ILLEGAL_CHARACTER',
    );
  }
}

/** Where the first character XML 1.0 does not allow is, or -1: a surrogate is one unless it is the first half of a pair. */
function firstIllegalChar(text: string): number {
  NOT_BMP_CHAR.lastIndex = 0;
  for (let m = NOT_BMP_CHAR.exec(text); m; m = NOT_BMP_CHAR.exec(text)) {
    const code = text.charCodeAt(m.index);
    if (code < 0xd800 || code > 0xdbff) return m.index;
    const next = text.charCodeAt(m.index + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return m.index;
    NOT_BMP_CHAR.lastIndex = m.index + 2;
  }
  return -1;
}

function readName(text: string, at: number, limits: XmlLimits, what: string): string {
  NAME.lastIndex = at;
  const m = NAME.exec(text);
  if (!m) throw malformed(text, at, `expected ${what === 'attribute' ? 'an attribute' : 'an element'} name`);
  const name = m[0];
  if (name.length > limits.maxNameLength) {
    throw limit(`an ${what === 'attribute' ? 'attribute' : 'element'} name longer than ${limits.maxNameLength} characters`, limits.maxNameLength, `"${echo(name, 40)}" at line ${lineAt(text, at)}`, 'NAME_TOO_LONG');
  }
  return name;
}

/** `&` must start a predefined entity or a character reference to a character XML allows. */
function checkReferences(text: string, from: number, to: number, innermost: string | undefined): void {
  // Searched within the segment only (a slice of a long string is a view, not a copy).
  const segment = text.slice(from, to);
  let rel = segment.indexOf('&');
  while (rel !== -1) {
    const amp = from + rel;
    const semiRel = segment.indexOf(';', rel);
    const semi = semiRel === -1 ? -1 : from + semiRel;
    const ref = semi === -1 || semi - amp > 12 ? '' : text.slice(amp + 1, semi);
    if (ref !== 'lt' && ref !== 'gt' && ref !== 'amp' && ref !== 'quot' && ref !== 'apos') {
      const m = /^#(?:(\d{1,7})|x([0-9a-fA-F]{1,6}))$/.exec(ref);
      if (!m) throw malformed(text, amp, `"${echo(text.slice(amp, Math.min(to, amp + 12)), 12)}" is not one of the predefined entities or a character reference`);
      const code = m[1] !== undefined ? Number.parseInt(m[1], 10) : Number.parseInt(m[2]!, 16);
      if (!isLegalCode(code)) {
        throw new SoapFault(
          'Client',
          `the request contains the character reference &${ref}; to a character XML 1.0 does not allow, at line ${lineAt(text, amp)}${innermost !== undefined ? ` in <${echo(innermost)}>` : ''}; remove it or send the data Base64-encoded`,
          'ILLEGAL_CHARACTER',
        );
      }
    }
    rel = segment.indexOf('&', rel + 1);
  }
}

/** " in <Name>" for the innermost element open at `index` (computed only for a fault). */
function whereIn(text: string, index: number): string {
  const stack: string[] = [];
  const tag = /<(\/?)([^\s/>!?]+)[^>]*?(\/?)>/g;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(text)) && m.index < index) {
    if (m[1]) stack.pop();
    else if (!m[3]) stack.push(m[2]);
  }
  return stack.length ? ` in <${echo(stack[stack.length - 1])}>` : '';
}

/**
 * The same checks on the start of a body still arriving: only what more text cannot undo is
 * reported (a limit exceeded, a DTD); a construct the cut left open is not an error here.
 */
export function scanXmlPrefix(prefix: string, limits: XmlLimits = DEFAULT_XML_LIMITS): void {
  try {
    scanXml(prefix, limits);
  } catch (e) {
    if (e instanceof SoapFault && (e.code === 'LIMIT_EXCEEDED' || e.code === 'NAME_TOO_LONG' || e.code === 'DTD_NOT_ALLOWED')) throw e;
  }
}

/**
 * A document as scanXmlTree builds it, in the shape fast-xml-parser gave the envelope parser
 * (ignoreAttributes: false, attributes grouped under `@` without prefix, no entity processing, no
 * value parsing, no trimming), so everything downstream reads it unchanged: an element is its text
 * when it has neither attributes nor child elements, else an object of its children by qualified
 * name (an array when a name repeats), its attributes under `@` and its text, if any, under
 * `#text`. Text and attribute values are as written (references undecoded, line ends normalised
 * to \n); a CDATA section's content joins the text escaped, so decoding the text restores it.
 * Comments and processing instructions are left out. Objects have no prototype.
 */
export interface RawDocument {
  /** The root element, by its qualified name. */
  root: Record<string, unknown>;
  /**
   * The first element or attribute name that the parser this shape comes from refused as a
   * prototype-pollution risk (`__proto__`, `constructor`, `prototype`): the document is refused
   * for it after every other check, as it was.
   */
  reservedName?: string;
}

const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
// fast-xml-parser renamed these (onDangerousProperty); kept, so a field keeps its name.
const RENAMED = new Set(['hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

interface OpenElement {
  name: string;
  attributes: Record<string, string> | undefined;
  children: Record<string, unknown> | undefined;
  text: string;
}

class TreeBuilder implements XmlEvents {
  private readonly root = Object.create(null) as Record<string, unknown>;
  private readonly open_: OpenElement[] = [];
  private reserved: string | undefined;

  constructor(private readonly hasCarriageReturns: boolean) {}

  open(name: string, attributeNames: readonly string[], attributeValues: readonly string[]): void {
    const element: OpenElement = { name: this.key(name), attributes: undefined, children: undefined, text: '' };
    for (let a = 0; a < attributeNames.length; a++) {
      (element.attributes ??= Object.create(null) as Record<string, string>)[this.key(attributeNames[a])] = this.lines(attributeValues[a]);
    }
    this.open_.push(element);
  }

  text(raw: string): void {
    // Outside the root it is whitespace, which this shape has no place for.
    if (this.open_.length > 0) this.open_[this.open_.length - 1].text += this.lines(raw);
  }

  comment(): void {}

  instruction(): void {}

  cdata(content: string): void {
    this.text(content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  }

  close(): void {
    const el = this.open_.pop()!;
    let value: unknown;
    if (el.children === undefined && el.attributes === undefined) value = el.text;
    else {
      const node = el.children ?? (Object.create(null) as Record<string, unknown>);
      if (el.text !== '') node['#text'] = el.text;
      if (el.attributes !== undefined) node['@'] = el.attributes;
      value = node;
    }
    const parent = this.open_[this.open_.length - 1];
    const siblings = parent ? (parent.children ??= Object.create(null) as Record<string, unknown>) : this.root;
    const existing = siblings[el.name];
    if (existing === undefined) siblings[el.name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else siblings[el.name] = [existing, value];
  }

  document(): RawDocument {
    return this.reserved === undefined ? { root: this.root } : { root: this.root, reservedName: this.reserved };
  }

  private key(name: string): string {
    if (RESERVED_NAMES.has(name)) this.reserved ??= name;
    return RENAMED.has(name) ? `__${name}` : name;
  }

  /** XML 1.0 §2.11: CR LF and a lone CR are read as LF. */
  private lines(value: string): string {
    return this.hasCarriageReturns && value.includes('\r') ? value.replace(/\r\n?/g, '\n') : value;
  }
}

/**
 * The DOM the signing module reads and writes: @xmldom/xmldom's, the one xml-crypto itself uses.
 * Checking structure on the same tree that is canonicalised and digested leaves no room for a
 * parser differential (a document two parsers read differently is how several signature bypasses
 * worked); parseStrict builds that tree exactly as xmldom's parser would (see there).
 *
 * The package is loaded with require() and described by the few members used here, because its
 * typings pull the browser's DOM library into the whole program's type environment.
 */

import { SIZE_BOUNDED_XML_LIMITS, decodeEntities, scanXmlEvents, type XmlEvents } from '../../services/soap';
import { XMLNS_NS } from './constants';

export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;
export const CDATA_SECTION_NODE = 4;

export interface XAttr {
  readonly name: string;
  readonly localName: string;
  readonly namespaceURI: string | null;
  readonly prefix: string | null;
  readonly value: string;
}

export interface XNode {
  readonly nodeType: number;
  readonly parentNode: XNode | null;
  readonly childNodes: ArrayLike<XNode>;
  readonly firstChild: XNode | null;
  readonly nextSibling: XNode | null;
  textContent: string | null;
  appendChild(child: XNode): XNode;
  insertBefore(child: XNode, ref: XNode | null): XNode;
}

export interface XElement extends XNode {
  readonly localName: string;
  readonly namespaceURI: string | null;
  readonly prefix: string | null;
  readonly tagName: string;
  readonly attributes: ArrayLike<XAttr>;
  getAttributeNodeNS(namespace: string | null, localName: string): XAttr | null;
  getAttributeNode(name: string): XAttr | null;
  setAttributeNS(namespace: string | null, qualifiedName: string, value: string): void;
  setAttribute(name: string, value: string): void;
}

export interface XDocument extends XNode {
  readonly documentElement: XElement | null;
  readonly doctype: unknown;
  createElementNS(namespace: string, qualifiedName: string): XElement;
  createTextNode(data: string): XNode;
}

interface XmlDomModule {
  DOMParser: new (options?: { errorHandler?: (level: string, message: string) => void }) => {
    parseFromString(source: string, mimeType: string): XDocument;
  };
  XMLSerializer: new () => { serializeToString(node: XNode): string };
  DOMImplementation: new () => { createDocument(namespace: null, qualifiedName: null, doctype: null): BuildingDocument };
}

/** The members the builder below uses, with xmldom's own argument types (it passes undefined where no namespace is bound). */
interface BuildingNode {
  readonly nodeType: number;
  readonly parentNode: BuildingNode | null;
  readonly lastChild: BuildingNode | null;
  appendChild(child: BuildingNode): BuildingNode;
  appendData(data: string): void;
}

interface BuildingAttr {
  value: string;
  nodeValue: string;
}

interface BuildingElement extends BuildingNode {
  setAttributeNode(attr: BuildingAttr): void;
}

interface BuildingDocument extends BuildingNode {
  createElementNS(namespace: string | undefined, qualifiedName: string): BuildingElement;
  createAttributeNS(namespace: string | undefined, qualifiedName: string): BuildingAttr;
  createTextNode(data: string): BuildingNode;
  createCDATASection(data: string): BuildingNode;
  createComment(data: string): BuildingNode;
  createProcessingInstruction(target: string, data: string): BuildingNode;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const xmldom = require('@xmldom/xmldom') as XmlDomModule;
// The parser's own rules, so the builder below accepts exactly the names and references it does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { tagNamePattern, NAMESPACE } = require('@xmldom/xmldom/lib/conventions') as { tagNamePattern: RegExp; NAMESPACE: { XML: string; XMLNS: string; HTML: string } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { normalizeLineEndings } = require('@xmldom/xmldom/lib/dom-parser') as { normalizeLineEndings: (text: string) => string };

/**
 * Parses a whole document and refuses anything that is not well-formed XML: xmldom repairs
 * unclosed tags, drops undefined entities and keeps text after the root element without failing,
 * and a repaired document is not the one the sender signed. A DOCTYPE is refused outright, as the
 * SOAP layer does: SOAP forbids it and entity declarations are a classic attack surface.
 * Returns the document or the reason it was refused.
 *
 * The text is checked by the SOAP layer's scanner (one pass, no DTD, XML 1.0 characters, balanced
 * tags, limits) and the document is built from its events with xmldom's own node factory, making
 * the calls xmldom's parser makes with the values it would pass: the same nodes, for half the CPU
 * or less (xmldom's tokenizer was most of its cost). Whatever the scanner accepts and xmldom's
 * parser would read differently is refused here (see DomBuilder);
 * test/transfer/signing/parse-differential.test.ts compares the two over documents and attacks.
 * Two well-formed shapes xmldom 0.8 refused through its own bugs (an end tag with a space after
 * the name, an attribute named hasOwnProperty) are read here as written; the test lists them.
 */
export function parseStrict(text: string): XDocument | string {
  const builder = new DomBuilder();
  try {
    // xmldom's parser reads the text with its line ends normalised (CR LF, CR, NEL, LS → LF).
    scanXmlEvents(LINE_ENDS.test(text) ? normalizeLineEndings(text) : text, SIZE_BOUNDED_XML_LIMITS, builder);
  } catch (e) {
    return (e as Error).message;
  }
  return builder.doc as unknown as XDocument;
}

const LINE_ENDS = /[\r\u0085\u2028]/;
const ATTRIBUTE_SPACE = /[\t\n\r]/g;
const INSTRUCTION = /^(\S*)\s*([\s\S]*?)$/;
const RAW_TEXT_ELEMENT = /^(?:script|textarea)$/i;

/** The refusals DomBuilder adds to the scanner's. */
class Refused extends Error {}

/**
 * Builds the xmldom document from the scanner's events as xmldom's parser builds it from the same
 * text (@xmldom/xmldom 0.8: sax.js appendElement and DOMHandler): namespaces resolved through the
 * same map of prefixes, element before attributes, attributes through createAttributeNS and
 * setAttributeNode, references decoded as its entityReplacer does (attribute values with tabs and
 * line feeds first turned into spaces), an empty CDATA section dropped and adjacent text joined
 * (its final normalize()), whitespace outside the root kept as text nodes of the document.
 */
class DomBuilder implements XmlEvents {
  readonly doc: BuildingDocument = new xmldom.DOMImplementation().createDocument(null, null, null);
  private current: BuildingNode = this.doc;
  /**
   * The namespaces in scope: for each declared prefix ('' the default) its declarations, innermost
   * last, and the prefixes each open element declared. xmldom's parser keeps a chain of maps from
   * { xml: XML namespace } instead; a lookup finds the same namespace, in constant time however
   * many declarations a hostile document stacks up.
   */
  private readonly scopes = new Map<string, string[]>();
  private readonly declaredBy: Array<string[] | undefined> = [];
  /** Names already matched against xmldom's name pattern: a document repeats a few dozen. */
  private readonly validNames = new Set<string>();

  open(qName: string, attributeNames: readonly string[], attributeValues: readonly string[]): void {
    this.checkName(qName, 'tagName');
    const count = attributeNames.length;
    let declared: string[] | undefined;
    let uris: Array<string | undefined> | undefined;
    let values: string[] | undefined;
    if (count > 0) {
      uris = new Array<string | undefined>(count);
      values = new Array<string>(count);
      for (let a = 0; a < count; a++) {
        const name = attributeNames[a];
        this.checkName(name, 'attribute');
        values[a] = this.attributeValue(attributeValues[a]);
        const prefix = name === 'xmlns' ? '' : name.startsWith('xmlns:') ? name.slice(6) : undefined;
        if (prefix === undefined) continue;
        // xmldom stores the declaration with an assignment to a plain object, which ignores this one.
        if (prefix === '__proto__') throw new Refused('the namespace prefix __proto__ is not accepted');
        const stack = this.scopes.get(prefix);
        if (stack) stack.push(values[a]);
        else this.scopes.set(prefix, [values[a]]);
        (declared ??= []).push(prefix);
        uris[a] = NAMESPACE.XMLNS;
      }
      for (let a = 0; a < count; a++) {
        const name = attributeNames[a];
        const colon = name.indexOf(':');
        if (colon === -1 || uris[a] !== undefined) continue;
        const uri = this.boundNamespace(name.slice(0, colon));
        if (uri === undefined) throw new Refused(`the namespace prefix of attribute ${name} is not declared`);
        uris[a] = uri;
      }
    }
    this.declaredBy.push(declared);
    const colon = qName.indexOf(':');
    const uri = colon === -1 ? this.lookup('') : this.boundNamespace(qName.slice(0, colon));
    if (colon !== -1 && uri === undefined) throw new Refused(`the namespace prefix of <${qName}> is not declared`);
    // xmldom reads the content of an XHTML script or textarea as raw text, as an HTML parser would.
    if (uri === NAMESPACE.HTML && RAW_TEXT_ELEMENT.test(qName)) throw new Refused(`<${qName}> in the XHTML namespace is not accepted`);
    const element = this.doc.createElementNS(uri, qName);
    this.current.appendChild(element);
    for (let a = 0; a < count; a++) {
      const attr = this.doc.createAttributeNS(uris![a], attributeNames[a]);
      attr.value = attr.nodeValue = values![a];
      element.setAttributeNode(attr);
    }
    this.current = element;
  }

  close(): void {
    this.current = this.current.parentNode!;
    const declared = this.declaredBy.pop();
    if (declared) for (const prefix of declared) this.scopes.get(prefix)!.pop();
  }

  text(raw: string): void {
    this.appendText(decodeEntities(raw));
  }

  cdata(content: string): void {
    if (content !== '') this.current.appendChild(this.doc.createCDATASection(content));
  }

  comment(content: string): void {
    this.current.appendChild(this.doc.createComment(content));
  }

  instruction(body: string): void {
    const [, target, data] = INSTRUCTION.exec(body)!;
    if (!tagNamePattern.test(target)) throw new Refused(`a processing instruction needs a target name, not "${target.slice(0, 20)}"`);
    this.current.appendChild(this.doc.createProcessingInstruction(target, data));
  }

  private checkName(name: string, what: string): void {
    if (this.validNames.has(name)) return;
    // xmldom's own message for the name it refuses.
    if (!tagNamePattern.test(name)) throw new Refused(`invalid ${what}:${name}`);
    this.validNames.add(name);
  }

  /** The namespace xmldom's parser finds for a prefix ('' the default): undefined when none is declared. */
  private lookup(prefix: string): string | undefined {
    const stack = this.scopes.get(prefix);
    if (stack && stack.length > 0) return stack[stack.length - 1];
    return prefix === 'xml' ? NAMESPACE.XML : undefined;
  }

  /**
   * The namespace of a prefix, undefined when it is unbound or bound to "" (xmldom's parseStrict
   * refused both). xmldom's parser looks an undeclared prefix up in a plain object, where
   * `toString:` finds a function and passes its check: here it is unbound.
   */
  private boundNamespace(prefix: string): string | undefined {
    const uri = this.lookup(prefix);
    return uri === '' ? undefined : uri;
  }

  private appendText(data: string): void {
    const last = this.current.lastChild;
    if (last && last.nodeType === TEXT_NODE) last.appendData(data);
    else this.current.appendChild(this.doc.createTextNode(data));
  }

  private attributeValue(raw: string): string {
    const spaced = raw.replace(ATTRIBUTE_SPACE, ' ');
    return decodeEntities(spaced);
  }
}

/**
 * parseStrict as it was, through xmldom's own parser: kept for the differential test that holds
 * the builder above to it (test/transfer/signing/parse-differential.test.ts); not used otherwise.
 */
export function parseWithXmldom(text: string): XDocument | string {
  const problems: string[] = [];
  let doc: XDocument;
  try {
    doc = new xmldom.DOMParser({ errorHandler: (level, message) => problems.push(`${level}: ${message.replace(/\s*@#\[line:.*$/s, '').replace(/^\[xmldom \w+\]\s*/, '')}`) }).parseFromString(text, 'text/xml');
  } catch (e) {
    return (e as Error).message;
  }
  if (problems.length > 0) return problems[0];
  if (doc.doctype) return 'a DOCTYPE is not allowed';
  const root = doc.documentElement;
  if (!root) return 'no root element';
  for (let node = doc.firstChild; node; node = node.nextSibling) {
    if ((node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) && (node.textContent ?? '').trim() !== '') return 'text outside the root element';
  }
  const unbound = findUnboundPrefix(root);
  if (unbound) return unbound;
  return doc;
}

function findUnboundPrefix(root: XElement): string | undefined {
  // Every message is walked several times: iterative, over the live sibling links, allocating nothing.
  let found: string | undefined;
  forEachElement(root, (element) => {
    if (element.prefix && !element.namespaceURI) found = `the namespace prefix of <${element.tagName}> is not declared`;
    const attributes = element.attributes;
    for (let i = 0; !found && i < attributes.length; i++) {
      const attr = attributes[i];
      if (attr.prefix && attr.prefix !== 'xmlns' && attr.prefix !== 'xml' && !attr.namespaceURI) found = `the namespace prefix of attribute ${attr.name} is not declared`;
    }
    return found === undefined;
  });
  return found;
}

/**
 * Calls `visit` on every element of the subtree, the root included, in document order, until it
 * returns false.
 */
export function forEachElement(root: XElement, visit: (element: XElement) => boolean | void): void {
  let node: XNode | null = root;
  while (node) {
    if (node.nodeType === ELEMENT_NODE) {
      if (visit(node as XElement) === false) return;
      if (node.firstChild) {
        node = node.firstChild;
        continue;
      }
    }
    // Up until there is a next sibling, never above the root.
    while (node && node !== root && !node.nextSibling) node = node.parentNode;
    if (!node || node === root) return;
    node = node.nextSibling;
  }
}

export function serialize(node: XNode): string {
  return new xmldom.XMLSerializer().serializeToString(node);
}

export function isElement(node: XNode | null): node is XElement {
  return node !== null && node.nodeType === ELEMENT_NODE;
}

export function childElements(node: XNode): XElement[] {
  const out: XElement[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT_NODE) out.push(c as XElement);
  return out;
}

export function is(element: XElement, namespace: string, localName: string): boolean {
  return element.namespaceURI === namespace && element.localName === localName;
}

export function childrenNamed(node: XNode, namespace: string, localName: string): XElement[] {
  return childElements(node).filter((e) => is(e, namespace, localName));
}

/** Every element of the subtree, the root included, in document order. */
export function descendants(root: XElement): XElement[] {
  const out: XElement[] = [];
  forEachElement(root, (e) => void out.push(e));
  return out;
}

/**
 * The namespace bound to a prefix at an element. xmldom's own lookupNamespaceURI only knows the
 * declarations its parser saw, not those added through the DOM, so this reads the attributes.
 */
export function namespaceOfPrefix(element: XElement, prefix: string): string | undefined {
  const declaration = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
  for (let node: XNode | null = element; node && isElement(node); node = node.parentNode) {
    const attr = node.getAttributeNode(declaration);
    if (attr) return attr.value;
    if ((node.prefix ?? '') === prefix && node.namespaceURI) return node.namespaceURI;
  }
  return undefined;
}

/**
 * Declares prefix → namespace on an attached element unless it is already bound so there. Returns
 * false when the prefix is bound to another namespace in scope: redeclaring it would change the
 * meaning of the element's descendants.
 */
export function ensurePrefix(element: XElement, prefix: string, namespace: string): boolean {
  const bound = namespaceOfPrefix(element, prefix);
  if (bound === namespace) return true;
  if (bound !== undefined) return false;
  element.setAttributeNS(XMLNS_NS, `xmlns:${prefix}`, namespace);
  return true;
}

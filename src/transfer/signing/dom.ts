/**
 * The DOM the signing module reads and writes: @xmldom/xmldom, the parser xml-crypto itself uses.
 * Checking structure with the same parser that computes the digests leaves no room for a parser
 * differential (a document two parsers read differently is how several signature bypasses worked).
 *
 * The package is loaded with require() and described by the few members used here, because its
 * typings pull the browser's DOM library into the whole program's type environment.
 */

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
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const xmldom = require('@xmldom/xmldom') as XmlDomModule;

/**
 * Parses a whole document and refuses anything the parser only tolerates: xmldom repairs
 * unclosed tags, drops undefined entities and keeps text after the root element without failing,
 * and a repaired document is not the one the sender signed. A DOCTYPE is refused outright, as the
 * SOAP layer does: SOAP forbids it and entity declarations are a classic attack surface.
 * Returns the document or the reason it was refused.
 */
export function parseStrict(text: string): XDocument | string {
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

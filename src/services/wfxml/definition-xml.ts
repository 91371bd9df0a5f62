import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { XPDL_NAMESPACES } from '../../xpdl';
import { asapFault, AsapErrorCodes } from './asap-fault';

/**
 * The definition document inside a SetDefinitionRq, as text for importXpdl. Senders put the XPDL
 * Package inline (Shark does) or as escaped text/CDATA; inline XML cannot be taken from the parsed
 * body, which has lost prefixes and namespace declarations, so it is cut from the request document
 * itself, with the namespace declarations in scope from the envelope copied onto its root.
 */

type OrderedNode = Record<string, unknown>;
const ATTRS = ':@';
const TEXT = '#text';
const CDATA = '#cdata';
const COMMENT = '#comment';

// Entities stay as written on both sides: the cut-out document is the sender's text, unchanged.
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  commentPropName: COMMENT,
  cdataPropName: CDATA,
});
const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  suppressEmptyNode: true,
  commentPropName: COMMENT,
  cdataPropName: CDATA,
});

function nameOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((k) => k !== ATTRS && k !== TEXT && k !== CDATA && k !== COMMENT && !k.startsWith('?'));
}

function localPart(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

function elementChildren(node: OrderedNode): OrderedNode[] {
  const name = nameOf(node);
  const content = name ? (node[name] as OrderedNode[]) : [];
  return content.filter((c) => nameOf(c) !== undefined);
}

function namespaceDeclarations(node: OrderedNode): Record<string, string> {
  const attrs = (node[ATTRS] ?? {}) as Record<string, string>;
  return Object.fromEntries(Object.entries(attrs).filter(([k]) => k === 'xmlns' || k.startsWith('xmlns:')));
}

/**
 * The element inside <Definition> of the request's operation element, as a standalone document,
 * or undefined when Definition holds no element (then it holds text, which the caller reads from
 * the parsed body).
 */
export function inlineDefinition(envelope: string): string | undefined {
  const doc = parser.parse(envelope) as OrderedNode[];
  const root = doc.find((n) => nameOf(n) !== undefined);
  if (!root) return undefined;
  let scope: Record<string, string> = namespaceDeclarations(root);
  const step = (parent: OrderedNode, local: string | undefined): OrderedNode | undefined => {
    const found = elementChildren(parent).find((c) => local === undefined || localPart(nameOf(c)!) === local);
    if (found) scope = { ...scope, ...namespaceDeclarations(found) };
    return found;
  };
  const body = step(root, 'Body');
  const operation = body && step(body, undefined);
  const definition = operation && step(operation, 'Definition');
  const content = definition && elementChildren(definition);
  if (!content || content.length === 0) return undefined;
  if (content.length > 1) {
    throw asapFault('Client', AsapErrorCodes.invalidDefinition, `Definition holds ${content.length} elements; it must hold exactly one, the XPDL Package`, 'INVALID_FIELD');
  }
  const top = content[0];
  const own = (top[ATTRS] ?? {}) as Record<string, string>;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(scope)) if (!(k in own)) attrs[k] = v;
  Object.assign(attrs, own);
  // A value written in single quotes may hold a double quote, which the builder's quotes cannot.
  const fixQuotes = (node: OrderedNode): OrderedNode => {
    const name = nameOf(node);
    const out: OrderedNode = { ...node };
    if (node[ATTRS]) out[ATTRS] = Object.fromEntries(Object.entries(node[ATTRS] as Record<string, string>).map(([k, v]) => [k, v.replace(/"/g, '&quot;')]));
    if (name) out[name] = (node[name] as OrderedNode[]).map(fixQuotes);
    return out;
  };
  const standalone = fixQuotes({ ...top, [ATTRS]: attrs });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build([standalone]) as string}`;
}

/** Whether a ProcessLanguage names XPDL: "XPDL", "XPDL 2.1", or an XPDL namespace URI. */
export function isXpdlLanguage(language: string | undefined): boolean {
  if (language === undefined) return true;
  const value = language.trim();
  if (value === '') return true;
  return /^xpdl(\s*[0-9.]+)?$/i.test(value) || Object.values(XPDL_NAMESPACES).includes(value);
}

export function requireXpdl(language: string | undefined): void {
  if (!isXpdlLanguage(language)) {
    throw asapFault(
      'Client',
      AsapErrorCodes.unsupported,
      `ProcessLanguage "${language}" is not supported; Interflow reads and writes XPDL (send ProcessLanguage XPDL, or leave it out)`,
      'UNSUPPORTED',
    );
  }
}

/** An exported XPDL document without its XML declaration, to sit inside <Definition>. */
export function withoutDeclaration(document: string): string {
  return document.replace(/^\uFEFF?<\?xml[^?]*\?>\s*/, '').trimEnd();
}

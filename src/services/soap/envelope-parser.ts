import { XMLParser } from 'fast-xml-parser';
import { SoapFault } from './soap-fault';
import { versionOfNamespace, type SoapVersion } from './soap-version';
import { echo } from './echo';
import { scanXmlTree, type RawDocument, type XmlLimits } from './xml-scanner';

/**
 * A parsed element with namespace prefixes removed: child elements by local name (an array when
 * an element repeats), text-only elements as strings, attributes under `@`, text beside
 * attributes or child elements under `#text`.
 */
export type SoapNode = Record<string, unknown>;

export const ATTRIBUTES_KEY = '@';
export const TEXT_KEY = '#text';
// Not expected after cdataAsText, but a parser change must not silently drop content.
const CDATA_KEY = '#cdata';

export interface QName {
  namespace: string;
  localName: string;
}

/**
 * A header block with its namespaces resolved, as the security check and the MustUnderstand check
 * read it (the same shape the UsernameToken reader takes: attributes by local name).
 */
export interface HeaderElement {
  ns: string | null;
  local: string;
  attrs: Map<string, string>;
  text: string;
  children: HeaderElement[];
}

export interface HeaderBlock extends HeaderElement {
  /** mustUnderstand="1"/"true" in the envelope's namespace, and addressed to us (no actor/role, next, ultimateReceiver). */
  mustUnderstand: boolean;
}

export interface ParsedEnvelope {
  version: SoapVersion;
  /** The Header's children, namespaces resolved (empty when there is no Header). */
  headerBlocks: HeaderBlock[];
  /** Header blocks by local name (empty when there is no Header). */
  header: SoapNode;
  /** The first Body child: the request element, which names the operation. */
  operation: QName;
  body: SoapNode;
}

// Entities are never processed by the parser (so a document can never make it expand anything);
// the predefined ones and character references are decoded below, where text is normalised.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: ATTRIBUTES_KEY,
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: CDATA_KEY,
});

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&(?:#(\d+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));/g, (whole, dec?: string, hex?: string, named?: string) => {
    if (named) return PREDEFINED[named];
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

type Scope = ReadonlyMap<string, string>;

function notSoap(reason: string): SoapFault {
  return new SoapFault('Client', `not a SOAP envelope: ${reason}. POST a SOAP 1.1 (text/xml) or SOAP 1.2 (application/soap+xml) envelope`, 'NOT_SOAP');
}

/**
 * Parses a document that passed the request guards (no DTD, well-formed). `scanned` is the same
 * document as scanXmlTree built it while checking it: the server's requests are then not parsed a
 * second time.
 */
export function parseEnvelope(text: string, scanned?: RawDocument): ParsedEnvelope {
  let doc: Record<string, unknown>;
  if (scanned) {
    if (scanned.reservedName !== undefined) {
      throw new SoapFault('Client', `malformed XML: the name "${echo(scanned.reservedName)}" is reserved (it could pollute JavaScript object prototypes); rename the element or attribute`, 'MALFORMED_XML');
    }
    doc = scanned.root;
  } else {
    try {
      doc = parser.parse(text.includes('<![CDATA[') ? cdataAsText(text) : text) as Record<string, unknown>;
    } catch (e) {
      throw new SoapFault('Client', `malformed XML: ${(e as Error).message}`, 'MALFORMED_XML');
    }
  }
  const roots = elementKeys(doc);
  if (roots.length !== 1 || Array.isArray(doc[roots[0]])) throw notSoap('the document must have exactly one root element, soap:Envelope');
  const rootName = roots[0];
  const envelope = asObject(doc[rootName]);
  const envScope = declare(new Map(), envelope);
  const root = resolve(rootName, envScope);
  if (root.localName !== 'Envelope') throw notSoap(`the root element is ${rootName}`);
  const version = versionOfNamespace(root.namespace);
  if (!version) {
    throw new SoapFault(
      'Client',
      `the Envelope namespace "${root.namespace}" is neither SOAP 1.1 (http://schemas.xmlsoap.org/soap/envelope/) nor SOAP 1.2 (http://www.w3.org/2003/05/soap-envelope)`,
      'VERSION_MISMATCH',
    );
  }

  let header: SoapNode = Object.create(null) as SoapNode;
  let headerBlocks: HeaderBlock[] = [];
  let bodyEntry: { key: string; value: unknown } | undefined;
  let headers = 0;
  let bodies = 0;
  for (const key of elementKeys(envelope)) {
    const q = resolve(key, envScope);
    if (q.namespace !== root.namespace) continue;
    const count = Array.isArray(envelope[key]) ? (envelope[key] as unknown[]).length : 1;
    if (q.localName === 'Header') {
      headers += count;
      const raw = first(envelope[key]);
      header = asNode(normalise(raw));
      headerBlocks = readHeaderBlocks(asObject(raw), declare(envScope, asObject(raw)), version);
    } else if (q.localName === 'Body') {
      bodies += count;
      bodyEntry = { key, value: first(envelope[key]) };
    }
  }
  if (headers > 1) throw notSoap(`the Envelope has ${headers} Header elements; it must have at most one`);
  if (bodies > 1) throw notSoap(`the Envelope has ${bodies} Body elements; it must have exactly one`);
  if (!bodyEntry) throw notSoap('the Envelope has no Body');
  const body = asObject(bodyEntry.value);
  const bodyScope = declare(envScope, body);
  const children = elementKeys(body);
  if (children.length === 0) throw new SoapFault('Client', 'the SOAP Body is empty; it must hold the request element of an operation', 'NOT_SOAP');
  const requestValue = first(body[children[0]]);
  const operation = resolve(children[0], declare(bodyScope, asObject(requestValue)));
  return { version, headerBlocks, header, operation, body: asNode(normalise(requestValue)) };
}

/**
 * One element read the way a request is: the scanner's one checked pass (no DTD, limits,
 * well-formedness), prefixes removed, entities decoded, text exactly as written (never trimmed:
 * a value's spaces are part of it). For the signed parts of a transfer and the Body of a reply.
 */
export function parseElement(xml: string, limits?: XmlLimits): { localName: string; node: SoapNode } {
  const scanned = scanXmlTree(xml, limits);
  if (scanned.reservedName !== undefined) throw new SoapFault('Client', `malformed XML: the name "${echo(scanned.reservedName)}" is reserved`, 'MALFORMED_XML');
  const [name] = elementKeys(scanned.root);
  return { localName: localPart(name), node: asNode(normalise(first(scanned.root[name]))) };
}

/**
 * CDATA sections become escaped text before parsing: the parser would otherwise keep them apart
 * from the text around them, and the order of `a <![CDATA[b]]> c` would be lost.
 */
function cdataAsText(text: string): string {
  return text.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_m, content: string) => content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
}

function elementKeys(node: Record<string, unknown>): string[] {
  const keys: string[] = [];
  for (const k of Object.keys(node)) if (k !== ATTRIBUTES_KEY && k !== TEXT_KEY && k !== CDATA_KEY && k.charCodeAt(0) !== 0x3f /* ? */) keys.push(k);
  return keys;
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function asNode(value: unknown): SoapNode {
  if (value !== null && typeof value === 'object') return value as SoapNode;
  const node = Object.create(null) as SoapNode;
  if (typeof value === 'string' && value.trim() !== '') node[TEXT_KEY] = value;
  return node;
}

function declare(parent: Scope, element: Record<string, unknown>): Scope {
  const attrs = element[ATTRIBUTES_KEY] as Record<string, string> | undefined;
  if (!attrs) return parent;
  let scope: Map<string, string> | undefined;
  for (const name of Object.keys(attrs)) {
    if (!name.startsWith('xmlns') || (name.length > 5 && name.charCodeAt(5) !== 0x3a /* : */)) continue;
    scope ??= new Map(parent);
    scope.set(name.length === 5 ? '' : name.slice(6), decodeEntities(attrs[name]));
  }
  return scope ?? parent;
}

function resolve(qname: string, scope: Scope): QName {
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const localName = colon === -1 ? qname : qname.slice(colon + 1);
  const namespace = scope.get(prefix);
  if (namespace === undefined && prefix !== '') throw new SoapFault('Client', `malformed XML: the namespace prefix "${prefix}" of <${qname}> is not declared`, 'MALFORMED_XML');
  return { namespace: namespace ?? '', localName };
}

function localPart(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** Strips prefixes, decodes text, drops namespace declarations and layout whitespace. */
function normalise(value: unknown): unknown {
  if (typeof value === 'string') return decodeEntities(value);
  if (Array.isArray(value)) return value.map(normalise);
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out = Object.create(null) as SoapNode;
  let hasChildren = false;
  for (const key of elementKeys(source)) {
    hasChildren = true;
    const name = localPart(key);
    const v = normalise(source[key]);
    if (name in out) out[name] = ([] as unknown[]).concat(out[name], v); // same local name under two prefixes
    else out[name] = v;
  }
  const attrs = source[ATTRIBUTES_KEY] as Record<string, string> | undefined;
  if (attrs) {
    const kept = Object.create(null) as Record<string, string>;
    let any = false;
    for (const [name, v] of Object.entries(attrs)) {
      if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
      kept[localPart(name)] = decodeEntities(v);
      any = true;
    }
    if (any) out[ATTRIBUTES_KEY] = kept;
  }
  const text = decodeEntities(typeof source[TEXT_KEY] === 'string' ? (source[TEXT_KEY] as string) : '') + (typeof source[CDATA_KEY] === 'string' ? (source[CDATA_KEY] as string) : '');
  if (hasChildren) {
    if (text.trim() !== '') out[TEXT_KEY] = text;
    return out;
  }
  if (ATTRIBUTES_KEY in out) {
    if (text !== '') out[TEXT_KEY] = text;
    return out;
  }
  return text;
}

const ROLES_FOR_US: Readonly<Record<SoapVersion, ReadonlySet<string>>> = {
  '1.1': new Set(['http://schemas.xmlsoap.org/soap/actor/next']),
  '1.2': new Set(['http://www.w3.org/2003/05/soap-envelope/role/next', 'http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver']),
};

function readHeaderBlocks(header: Record<string, unknown>, scope: Scope, version: SoapVersion): HeaderBlock[] {
  const envNs = version === '1.1' ? 'http://schemas.xmlsoap.org/soap/envelope/' : 'http://www.w3.org/2003/05/soap-envelope';
  const blocks: HeaderBlock[] = [];
  for (const key of elementKeys(header)) {
    for (const value of Array.isArray(header[key]) ? (header[key] as unknown[]) : [header[key]]) {
      const el = headerElement(key, value, scope);
      let mustUnderstand = false;
      let role: string | undefined;
      const attrs = asObject(value)[ATTRIBUTES_KEY] as Record<string, string> | undefined;
      const elScope = declare(scope, asObject(value));
      for (const [name, raw] of Object.entries(attrs ?? {})) {
        if (name === 'xmlns' || name.startsWith('xmlns:') || !name.includes(':')) continue;
        const q = resolve(name, elScope);
        if (q.namespace !== envNs) continue;
        const v = decodeEntities(raw).trim();
        if (q.localName === 'mustUnderstand') mustUnderstand = v === '1' || v === 'true';
        else if (q.localName === (version === '1.1' ? 'actor' : 'role')) role = v;
      }
      if (role !== undefined && role !== '' && !ROLES_FOR_US[version].has(role)) mustUnderstand = false;
      blocks.push(Object.assign(el, { mustUnderstand }));
    }
  }
  return blocks;
}

function headerElement(qname: string, value: unknown, parent: Scope): HeaderElement {
  const obj = asObject(value);
  const scope = declare(parent, obj);
  const q = resolve(qname, scope);
  const el: HeaderElement = { ns: q.namespace, local: q.localName, attrs: new Map(), text: '', children: [] };
  if (typeof value === 'string') {
    el.text = decodeEntities(value);
    return el;
  }
  const attrs = obj[ATTRIBUTES_KEY] as Record<string, string> | undefined;
  for (const [name, v] of Object.entries(attrs ?? {})) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    el.attrs.set(localPart(name), decodeEntities(v));
  }
  if (typeof obj[TEXT_KEY] === 'string') el.text += decodeEntities(obj[TEXT_KEY] as string);
  if (typeof obj[CDATA_KEY] === 'string') el.text += obj[CDATA_KEY] as string;
  for (const key of elementKeys(obj)) {
    for (const item of Array.isArray(obj[key]) ? (obj[key] as unknown[]) : [obj[key]]) el.children.push(headerElement(key, item, scope));
  }
  return el;
}

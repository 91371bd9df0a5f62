import { XMLParser } from 'fast-xml-parser';

/**
 * A WSDL 1.1 contract summarised for people: its operations with the fields of their input and
 * output messages, read from the document/literal schema. Namespaces are resolved properly
 * (Wf-XML's asap.xsd and wfxml.xsd share element names).
 */

export interface FieldSummary {
  name: string;
  /** The XSD type's local name, or `complex` for an anonymous structure. */
  type: string;
  min: number;
  /** `unbounded` or a number. */
  max: string;
  fields?: FieldSummary[];
}

export interface MessageSummary {
  element?: string;
  fields: FieldSummary[];
}

export interface OperationSummary {
  name: string;
  documentation?: string;
  input?: MessageSummary;
  output?: MessageSummary;
  faults: string[];
}

export interface WsdlSummary {
  name?: string;
  targetNamespace?: string;
  documentation?: string;
  operations: OperationSummary[];
  ports: Array<{ name: string; soap: '1.1' | '1.2' | 'other'; address?: string }>;
  /** Problems met while reading (a schema that could not be loaded, say); the rest is still shown. */
  warnings: string[];
}

/** Loads a document a WSDL refers to (a schemaLocation), relative to the document that named it. */
export type DocumentLoader = (location: string, base: string) => Promise<{ text: string; url: string }>;

const XSD = 'http://www.w3.org/2001/XMLSchema';
const WSDL = 'http://schemas.xmlsoap.org/wsdl/';
const SOAP11 = 'http://schemas.xmlsoap.org/wsdl/soap/';
const SOAP12 = 'http://schemas.xmlsoap.org/wsdl/soap12/';
const MAX_SCHEMAS = 20;
const MAX_DEPTH = 4;

interface El {
  ns: string;
  local: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
  /** Prefix → namespace in scope here. */
  scope: Map<string, string>;
}

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', processEntities: false, parseTagValue: false, parseAttributeValue: false, trimValues: true });

export function parseXml(text: string): El {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new Error('the document has a DOCTYPE or ENTITY declaration, which is not read');
  const nodes = parser.parse(text) as unknown[];
  const root = build(nodes, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]))[0];
  if (!root) throw new Error('the document has no root element');
  return root;
}

function build(nodes: unknown[], parentScope: Map<string, string>): El[] {
  const out: El[] = [];
  for (const node of nodes) {
    const n = node as Record<string, unknown>;
    const name = Object.keys(n).find((k) => k !== ':@');
    if (!name || name === '#text' || name.startsWith('?') || name === '#comment') continue;
    const attrs = ((n[':@'] as Record<string, string> | undefined) ?? {});
    const scope = new Map(parentScope);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'xmlns') scope.set('', v);
      else if (k.startsWith('xmlns:')) scope.set(k.slice(6), v);
    }
    const colon = name.indexOf(':');
    const prefix = colon > 0 ? name.slice(0, colon) : '';
    const childNodes = (n[name] as unknown[]) ?? [];
    const text = childNodes.map((c) => (c as Record<string, unknown>)['#text']).filter((t) => t !== undefined).join(' ');
    out.push({ ns: scope.get(prefix) ?? '', local: colon > 0 ? name.slice(colon + 1) : name, attrs, children: build(childNodes, scope), text: String(text), scope });
  }
  return out;
}

function kids(el: El, ns: string, local?: string): El[] {
  return el.children.filter((c) => c.ns === ns && (local === undefined || c.local === local));
}

/** `{ns}local` of a QName attribute value, resolved in the element's scope. */
function qname(el: El, value: string | undefined): string | undefined {
  if (!value) return undefined;
  const colon = value.indexOf(':');
  const prefix = colon > 0 ? value.slice(0, colon) : '';
  const local = colon > 0 ? value.slice(colon + 1) : value;
  return `{${el.scope.get(prefix) ?? ''}}${local}`;
}

function localOf(q: string | undefined): string {
  return q ? q.slice(q.indexOf('}') + 1) : '';
}

interface SchemaIndex {
  elements: Map<string, El>;
  types: Map<string, El>;
  /** Element forms: an element declared inside a schema is qualified by its targetNamespace. */
  tnsOf: Map<El, string>;
}

export async function summariseWsdl(wsdlText: string, wsdlUrl: string, load: DocumentLoader): Promise<WsdlSummary> {
  const warnings: string[] = [];
  const defs = parseXml(wsdlText);
  if (defs.ns !== WSDL || defs.local !== 'definitions') throw new Error('not a WSDL 1.1 document (no wsdl:definitions root)');
  const tns = defs.attrs.targetNamespace ?? '';
  const index: SchemaIndex = { elements: new Map(), types: new Map(), tnsOf: new Map() };
  const loaded = new Set<string>();

  const addSchema = async (schema: El, base: string): Promise<void> => {
    const schemaTns = schema.attrs.targetNamespace ?? '';
    for (const c of schema.children) {
      if (c.ns !== XSD) continue;
      if (c.local === 'element' && c.attrs.name) index.elements.set(`{${schemaTns}}${c.attrs.name}`, c);
      else if ((c.local === 'complexType' || c.local === 'simpleType') && c.attrs.name) index.types.set(`{${schemaTns}}${c.attrs.name}`, c);
      else if ((c.local === 'import' || c.local === 'include') && c.attrs.schemaLocation) {
        if (loaded.size >= MAX_SCHEMAS) {
          warnings.push(`more than ${MAX_SCHEMAS} schemas; ${c.attrs.schemaLocation} was not read`);
          continue;
        }
        try {
          const doc = await load(c.attrs.schemaLocation, base);
          if (loaded.has(doc.url)) continue;
          loaded.add(doc.url);
          const root = parseXml(doc.text);
          if (root.ns === XSD && root.local === 'schema') await addSchema(root, doc.url);
        } catch (e) {
          warnings.push(`schema ${c.attrs.schemaLocation} could not be read: ${(e as Error).message}`);
        }
      }
    }
  };
  for (const types of kids(defs, WSDL, 'types')) for (const schema of kids(types, XSD, 'schema')) await addSchema(schema, wsdlUrl);

  const messages = new Map<string, El>();
  for (const m of kids(defs, WSDL, 'message')) if (m.attrs.name) messages.set(`{${tns}}${m.attrs.name}`, m);

  const describeMessage = (ref: El | undefined): MessageSummary | undefined => {
    if (!ref) return undefined;
    const m = messages.get(qname(ref, ref.attrs.message) ?? '');
    if (!m) return undefined;
    const fields: FieldSummary[] = [];
    let element: string | undefined;
    for (const part of kids(m, WSDL, 'part')) {
      const el = qname(part, part.attrs.element);
      if (el) {
        element = localOf(el);
        const decl = index.elements.get(el);
        if (decl) fields.push(...contentOf(decl, index, 0));
        else warnings.push(`element ${element} is not in any schema that could be read`);
      } else if (part.attrs.type) {
        fields.push({ name: part.attrs.name ?? '?', type: localOf(qname(part, part.attrs.type)), min: 1, max: '1' });
      }
    }
    return { ...(element ? { element } : {}), fields };
  };

  const operations: OperationSummary[] = [];
  const seen = new Set<string>();
  for (const pt of kids(defs, WSDL, 'portType')) {
    for (const op of kids(pt, WSDL, 'operation')) {
      const name = op.attrs.name ?? '?';
      if (seen.has(name)) continue;
      seen.add(name);
      const doc = kids(op, WSDL, 'documentation')[0]?.text;
      operations.push({
        name,
        ...(doc ? { documentation: doc } : {}),
        ...optional('input', describeMessage(kids(op, WSDL, 'input')[0])),
        ...optional('output', describeMessage(kids(op, WSDL, 'output')[0])),
        faults: kids(op, WSDL, 'fault').map((f) => f.attrs.name ?? '?'),
      });
    }
  }

  const ports: WsdlSummary['ports'] = [];
  for (const service of kids(defs, WSDL, 'service')) {
    for (const port of kids(service, WSDL, 'port')) {
      const a11 = kids(port, SOAP11, 'address')[0];
      const a12 = kids(port, SOAP12, 'address')[0];
      const address = (a11 ?? a12)?.attrs.location;
      ports.push({ name: port.attrs.name ?? '?', soap: a11 ? '1.1' : a12 ? '1.2' : 'other', ...(address ? { address } : {}) });
    }
  }
  const documentation = kids(defs, WSDL, 'documentation')[0]?.text;
  return {
    ...(defs.attrs.name ? { name: defs.attrs.name } : {}),
    ...(tns ? { targetNamespace: tns } : {}),
    ...(documentation ? { documentation } : {}),
    operations,
    ports,
    warnings,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** The child fields of an element declaration (its type's sequence, all or choice). */
function contentOf(decl: El, index: SchemaIndex, depth: number): FieldSummary[] {
  const typeRef = qname(decl, decl.attrs.type);
  const type = typeRef ? index.types.get(typeRef) : kids(decl, XSD).find((c) => c.local === 'complexType');
  if (!type || type.local !== 'complexType') return [];
  return complexFields(type, index, depth);
}

function complexFields(type: El, index: SchemaIndex, depth: number): FieldSummary[] {
  const out: FieldSummary[] = [];
  const walk = (group: El): void => {
    for (const c of group.children) {
      if (c.ns !== XSD) continue;
      if (c.local === 'element') out.push(field(c, index, depth));
      else if (c.local === 'sequence' || c.local === 'all' || c.local === 'choice') walk(c);
      else if (c.local === 'complexContent' || c.local === 'simpleContent') {
        for (const ext of c.children.filter((x) => x.ns === XSD && (x.local === 'extension' || x.local === 'restriction'))) {
          const base = index.types.get(qname(ext, ext.attrs.base) ?? '');
          if (ext.local === 'extension' && base && base.local === 'complexType' && depth < MAX_DEPTH) out.push(...complexFields(base, index, depth + 1));
          walk(ext);
        }
      } else if (c.local === 'any') out.push({ name: '(any element)', type: 'any', min: Number(c.attrs.minOccurs ?? 1), max: c.attrs.maxOccurs ?? '1' });
    }
  };
  walk(type);
  return out;
}

function field(el: El, index: SchemaIndex, depth: number): FieldSummary {
  const refName = qname(el, el.attrs.ref);
  const decl = refName ? index.elements.get(refName) : el;
  const name = refName ? localOf(refName) : (el.attrs.name ?? '?');
  const min = Number(el.attrs.minOccurs ?? 1);
  const max = el.attrs.maxOccurs ?? '1';
  if (!decl) return { name, type: '?', min, max };
  const typeRef = qname(decl, decl.attrs.type);
  const namedType = typeRef ? index.types.get(typeRef) : undefined;
  const anonymous = kids(decl, XSD).find((c) => c.local === 'complexType' || c.local === 'simpleType');
  const type = typeRef ? localOf(typeRef) : anonymous?.local === 'simpleType' ? simpleBase(anonymous) : anonymous ? 'complex' : 'anyType';
  const complex = namedType?.local === 'complexType' ? namedType : anonymous?.local === 'complexType' ? anonymous : undefined;
  const fields = complex && depth < MAX_DEPTH ? complexFields(complex, index, depth + 1) : undefined;
  return { name, type, min, max, ...(fields && fields.length ? { fields } : {}) };
}

function simpleBase(simple: El): string {
  const r = kids(simple, XSD, 'restriction')[0];
  const base = r ? localOf(qname(r, r.attrs.base)) : 'string';
  const values = r ? kids(r, XSD, 'enumeration').map((e) => e.attrs.value).filter(Boolean) : [];
  return values.length ? `${base} (${values.slice(0, 6).join(' | ')}${values.length > 6 ? ' | …' : ''})` : base;
}

/**
 * Fetches documents of a remote contract: only http(s), only from the WSDL's own origin, with a
 * time and size limit. The console fetches only addresses the registry lists, never one a
 * browser names.
 */
export function httpLoader(origin: string, options: { timeoutMs?: number; maxBytes?: number } = {}): DocumentLoader {
  return async (location, base) => {
    const url = new URL(location, base);
    if (url.origin !== origin) throw new Error(`${url.origin} is not the contract's own origin (${origin})`);
    return { text: await fetchText(url.toString(), options), url: url.toString() };
  };
}

export async function fetchText(url: string, options: { timeoutMs?: number; maxBytes?: number } = {}): Promise<string> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`only http and https addresses are read, not ${parsed.protocol}`);
  const res = await fetch(parsed, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000), redirect: 'error', headers: { Accept: 'text/xml, application/xml' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const max = options.maxBytes ?? 2 * 1024 * 1024;
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error(`larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

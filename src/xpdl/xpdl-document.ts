/**
 * Reading an XPDL document safely, and walking the parsed tree without caring whether an element
 * came out of the parser as a string, an object or an array.
 *
 * Definitions arrive from other agencies' editors over the network, so the document is treated as
 * hostile until proven otherwise: no DTDs (XXE, billion laughs), a size cap, and entity decoding
 * limited to the five predefined entities and character references.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { XpdlImportError } from './xpdl-import-error';

/** Larger definitions than this are refused before parsing: real XPDL packages are a few hundred KiB. */
export const MAX_XPDL_BYTES = 10 * 1024 * 1024;

export type XpdlVersion = '1.0' | '2.0' | '2.1' | '2.2';

export const XPDL_NAMESPACES: Readonly<Record<XpdlVersion, string>> = {
  '1.0': 'http://www.wfmc.org/2002/XPDL1.0',
  '2.0': 'http://www.wfmc.org/2004/XPDL2.0alpha',
  '2.1': 'http://www.wfmc.org/2008/XPDL2.1',
  '2.2': 'http://www.wfmc.org/2009/XPDL2.2',
};

/** A parsed element: child elements by local name, attributes grouped under ATTRIBUTES. */
export type XNode = { readonly [key: string]: unknown };

/**
 * XPDL 2.x has attributes and child elements of the same name (LoopCondition, MI_Condition,
 * TimeDate, StartMode…); grouping the attributes apart keeps the parser from letting one
 * overwrite the other.
 */
const ATTRIBUTES = '@';

export interface XpdlDocument {
  version: XpdlVersion;
  /** The root `Package` element. */
  root: XNode;
}

// Elements that may repeat. Listing them makes the parser return arrays even for a single
// occurrence; `children()` below still copes with either shape.
const REPEATING = new Set([
  'WorkflowProcess', 'Participant', 'Application', 'DataField', 'FormalParameter', 'Activity',
  'Transition', 'ExtendedAttribute', 'ActualParameter', 'DataMapping', 'Performer', 'Deadline',
  'TransitionRestriction', 'TransitionRef', 'Tool', 'ActivitySet', 'Pool', 'Lane', 'Artifact',
  'Association', 'MessageFlow', 'NodeGraphicsInfo', 'ConnectorGraphicsInfo', 'Coordinates',
  'ExternalPackage', 'TypeDeclaration', 'Assignment', 'Page', 'Category', 'WebServiceFaultCatch',
]);

const PREDEFINED_ENTITY: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * The parser runs with `processEntities: false` so that it can never expand anything a document
 * declares; the predefined entities and character references are decoded here instead.
 */
export function decodeXmlEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&(?:#(\d+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));/g, (whole, dec?: string, hex?: string, named?: string) => {
    if (named) return PREDEFINED_ENTITY[named] ?? whole;
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? '', 16);
    return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function refuseUnsafeInput(xml: string): void {
  if (typeof xml !== 'string') {
    throw new XpdlImportError({ element: 'Document', problem: 'invalid', reason: 'expected the XPDL document as a string' });
  }
  const bytes = Buffer.byteLength(xml, 'utf8');
  if (bytes > MAX_XPDL_BYTES) {
    throw new XpdlImportError({
      element: 'Document',
      reason: `the document is ${bytes} bytes, over the ${MAX_XPDL_BYTES}-byte (10 MiB) limit; split the package into several packages`,
    });
  }
  // Checked on the raw text, before any parser sees it: a DTD is how XXE and entity-expansion
  // attacks get in, and XPDL never needs one.
  if (/<!DOCTYPE/i.test(xml)) {
    throw new XpdlImportError({
      element: 'DOCTYPE',
      reason: 'document type declarations are refused (external entities and entity expansion are an attack vector); remove the DOCTYPE, XPDL does not need one',
    });
  }
  if (/<!ENTITY/i.test(xml)) {
    throw new XpdlImportError({
      element: 'ENTITY',
      reason: 'entity declarations are refused (entity expansion is an attack vector); write the text out in full',
    });
  }
}

/** The root element's namespace, read from its start tag (the parser drops xmlns attributes). */
function rootNamespace(xml: string): { localName: string; namespace?: string } {
  const withoutProlog = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?[\s\S]*?\?>/g, '');
  const start = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)((?:\s[^>]*)?)>/.exec(withoutProlog);
  if (!start) return { localName: '' };
  const prefix = start[1] ? start[1].slice(0, -1) : undefined;
  const attributes = start[3] ?? '';
  const declaration = prefix ? `xmlns:${prefix}` : 'xmlns';
  const match = new RegExp(`\\s${declaration.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attributes);
  const namespace = match ? (match[1] ?? match[2]) : undefined;
  return namespace !== undefined ? { localName: start[2], namespace } : { localName: start[2] };
}

export function parseXpdlDocument(xml: string): XpdlDocument {
  refuseUnsafeInput(xml);

  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    throw new XpdlImportError({
      element: 'Document',
      problem: 'invalid',
      reason: `not well-formed XML (line ${line}, column ${col}): ${msg}`,
    });
  }

  const root = rootNamespace(xml);
  if (root.localName !== 'Package') {
    throw new XpdlImportError({
      element: root.localName || 'Document',
      problem: 'invalid',
      reason: 'the root element of an XPDL document must be Package',
    });
  }

  const parser = new XMLParser({
    removeNSPrefix: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    attributesGroupName: ATTRIBUTES,
    processEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    cdataPropName: '#cdata',
    isArray: (name: string, _path: unknown, _isLeaf: boolean, isAttribute: boolean) => !isAttribute && REPEATING.has(name),
    // XML attribute-value normalisation (literal tabs/newlines become spaces) must happen before
    // character references are decoded, or `&#10;` in a Shark script would be lost.
    attributeValueProcessor: (_name: string, value: string) => decodeXmlEntities(value.replace(/[\t\n\r]/g, ' ')),
    tagValueProcessor: (_name: string, value: string) => decodeXmlEntities(value),
  });
  const parsed = parser.parse(xml) as Record<string, unknown>;
  const pkg = asNode(parsed['Package']);

  let version: XpdlVersion | undefined;
  if (root.namespace !== undefined) {
    version = (Object.keys(XPDL_NAMESPACES) as XpdlVersion[]).find((v) => XPDL_NAMESPACES[v] === root.namespace);
    if (!version) {
      throw new XpdlImportError({
        element: 'Package',
        elementId: attr(pkg, 'Id'),
        problem: 'invalid',
        reason: `namespace "${root.namespace}" is not XPDL 1.0, 2.0, 2.1 or 2.2`,
      });
    }
  } else {
    // Some exporters omit the namespace altogether; the header still says what they meant.
    const declared = text(child(child(pkg, 'PackageHeader'), 'XPDLVersion'));
    version = (['1.0', '2.0', '2.1', '2.2'] as const).find((v) => declared === v || declared.startsWith(`${v}.`));
    if (!version) {
      throw new XpdlImportError({
        element: 'Package',
        elementId: attr(pkg, 'Id'),
        problem: 'invalid',
        reason: 'the document has no XPDL namespace and no PackageHeader/XPDLVersion saying which XPDL it is',
      });
    }
  }
  return { version, root: pkg };
}

// ---------------------------------------------------------------------------------------------
// Tree walking. Every accessor accepts `undefined` so that optional paths chain without checks.

function asNode(value: unknown): XNode {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object' && !Array.isArray(value)) return value as XNode;
  // A text-only or empty element comes out of the parser as a bare string.
  return { '#text': String(value) };
}

/** All child elements called `name`, in document order. */
export function children(node: XNode | undefined, name: string): XNode[] {
  if (!node) return [];
  const value = node[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(asNode);
}

/** The first child element called `name`. */
export function child(node: XNode | undefined, name: string): XNode | undefined {
  return children(node, name)[0];
}

export function hasChild(node: XNode | undefined, name: string): boolean {
  return node !== undefined && node[name] !== undefined;
}

/** An attribute value. */
export function attr(node: XNode | undefined, name: string): string | undefined {
  const group = node?.[ATTRIBUTES];
  if (!group || typeof group !== 'object') return undefined;
  const value = (group as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** An element's text content (text and CDATA), trimmed. */
export function text(node: XNode | undefined): string {
  if (!node) return '';
  const plain = node['#text'];
  const cdata = node['#cdata'];
  const parts = [plain, cdata].flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v): v is string => typeof v === 'string');
  return parts.join('').trim();
}

/**
 * An expression that XPDL 2.x allows either as a child element or as a (deprecated) attribute of
 * the same name, e.g. `LoopStandard/LoopCondition` or `LoopStandard/@LoopCondition`. The element
 * wins; '' when present but empty, undefined when absent.
 */
export function attrOrElementText(node: XNode | undefined, name: string): string | undefined {
  const element = child(node, name);
  const fromElement = element ? text(element) : undefined;
  if (fromElement) return fromElement;
  const fromAttribute = attr(node, name)?.trim();
  if (fromAttribute) return fromAttribute;
  return fromElement ?? fromAttribute;
}

/** The ExtendedAttributes of an element, in document order (names may repeat). */
export function extendedAttributeList(node: XNode | undefined): Array<{ name: string; value: string }> {
  return children(child(node, 'ExtendedAttributes'), 'ExtendedAttribute').map((ea) => ({
    name: attr(ea, 'Name') ?? '',
    // A vendor may put the value in the element body instead of the Value attribute.
    value: attr(ea, 'Value') ?? text(ea),
  }));
}

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { WsdlFiles } from '../wsdl-publisher';
import type { Builtin, ComplexType, Facets, Particle, SchemaType, SimpleType } from './xsd-model';

export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';

/** An element of a schema document with its in-scope namespace declarations. */
interface XNode {
  ns: string;
  local: string;
  attrs: Record<string, string>;
  children: XNode[];
  scope: ReadonlyMap<string, string>;
  /** Which document it came from, for compile errors. */
  file: string;
}

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false, processEntities: true, commentPropName: '#comment' });

function load(file: string): XNode {
  const tree = parser.parse(readFileSync(file, 'utf8')) as unknown[];
  const roots = toNodes(tree, new Map(), file);
  if (roots.length !== 1) throw new Error(`${file}: expected one root element`);
  return roots[0];
}

function toNodes(list: unknown[], parent: ReadonlyMap<string, string>, file: string): XNode[] {
  const out: XNode[] = [];
  for (const entry of list) {
    const obj = entry as Record<string, unknown>;
    const tag = Object.keys(obj).find((k) => k !== ':@' && k !== '#text' && k !== '#comment' && !k.startsWith('?'));
    if (!tag) continue;
    const attrs = (obj[':@'] ?? {}) as Record<string, string>;
    let scope = parent;
    for (const [name, value] of Object.entries(attrs)) {
      if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
      if (scope === parent) scope = new Map(parent);
      (scope as Map<string, string>).set(name === 'xmlns' ? '' : name.slice(6), value);
    }
    const { ns, local } = resolveName(tag, scope, file);
    out.push({ ns, local, attrs, children: toNodes(obj[tag] as unknown[], scope, file), scope, file });
  }
  return out;
}

function resolveName(qname: string, scope: ReadonlyMap<string, string>, file: string): { ns: string; local: string } {
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const ns = scope.get(prefix);
  if (ns === undefined && prefix !== '') throw new Error(`${file}: the prefix "${prefix}" of ${qname} is not declared`);
  return { ns: ns ?? '', local: colon === -1 ? qname : qname.slice(colon + 1) };
}

const clark = (ns: string, local: string): string => `{${ns}}${local}`;

const BUILTINS: ReadonlySet<string> = new Set<Builtin>([
  'string', 'normalizedString', 'token', 'language', 'Name', 'NCName', 'NMTOKEN', 'ID', 'IDREF', 'QName', 'boolean',
  'decimal', 'integer', 'long', 'int', 'short', 'byte', 'nonNegativeInteger', 'positiveInteger', 'nonPositiveInteger', 'negativeInteger',
  'unsignedLong', 'unsignedInt', 'unsignedShort', 'unsignedByte', 'float', 'double',
  'dateTime', 'date', 'time', 'duration', 'gYear', 'gYearMonth', 'anyURI', 'base64Binary', 'hexBinary', 'anySimpleType',
]);

/** Facets the validator checks; anything else in a restriction is refused at compile time. */
const NUMERIC_FACETS = ['minInclusive', 'maxInclusive', 'minExclusive', 'maxExclusive'] as const;
const LENGTH_FACETS = ['length', 'minLength', 'maxLength'] as const;
/** Facets that only restate what the validator already does (whitespace handling is per builtin). */
const IGNORED_FACETS = new Set(['whiteSpace', 'totalDigits', 'fractionDigits', 'annotation']);

/**
 * Every global element and type of the schemas a WSDL publishes: its inline xsd:schema blocks and
 * the documents they import or include, when the service serves them (`?xsd=NAME`). An import of a
 * schema the service does not serve (UDDI's, from uddi.org) is left out: its elements are then not
 * validated here (docs/contract.md).
 */
export class CompiledSchema {
  private readonly elements = new Map<string, XNode>();
  private readonly types = new Map<string, XNode>();
  private readonly compiledElements = new Map<string, SchemaType>();
  private readonly compiledTypes = new Map<string, SchemaType>();
  private readonly loaded = new Set<string>();

  constructor(private readonly files: WsdlFiles) {
    const wsdl = load(files.file);
    if (wsdl.ns === WSDL_NS && wsdl.local === 'definitions') {
      for (const types of wsdl.children.filter((c) => c.ns === WSDL_NS && c.local === 'types')) {
        for (const schema of types.children.filter((c) => c.ns === XSD_NS && c.local === 'schema')) this.addSchema(schema);
      }
    } else if (wsdl.ns === XSD_NS && wsdl.local === 'schema') {
      this.addSchema(wsdl);
    }
  }

  /** The type of the global element {ns}local, compiled on first use; undefined when no schema declares it. */
  element(ns: string, local: string): SchemaType | undefined {
    const key = clark(ns, local);
    const done = this.compiledElements.get(key);
    if (done) return done;
    const decl = this.elements.get(key);
    if (!decl) return undefined;
    const type = this.elementType(decl, this.targetOf(decl));
    this.compiledElements.set(key, type);
    return type;
  }

  /** Compiles every global element now, so that a construct the validator cannot honour fails at start-up. */
  compileAll(): this {
    for (const key of this.elements.keys()) {
      const m = /^\{([^}]*)\}(.*)$/.exec(key)!;
      this.element(m[1], m[2]);
    }
    return this;
  }

  get elementNames(): string[] {
    return [...this.elements.keys()];
  }

  private readonly targets = new WeakMap<XNode, string>();

  private targetOf(node: XNode): string {
    return this.targets.get(node) ?? '';
  }

  private addSchema(schema: XNode): void {
    const target = schema.attrs.targetNamespace ?? '';
    for (const child of schema.children) {
      if (child.ns !== XSD_NS) continue;
      switch (child.local) {
        case 'import':
        case 'include': {
          const location = child.attrs.schemaLocation;
          const file = location === undefined ? undefined : (this.files.schemas[location] ?? this.files.schemas[basename(location)]);
          if (file && !this.loaded.has(file)) {
            this.loaded.add(file);
            this.addSchema(load(file));
          }
          break;
        }
        case 'element':
          this.targets.set(child, target);
          this.elements.set(clark(target, child.attrs.name), child);
          break;
        case 'complexType':
        case 'simpleType':
          this.targets.set(child, target);
          this.types.set(clark(target, child.attrs.name), child);
          break;
        case 'annotation':
        case 'attribute':
        case 'attributeGroup':
          break;
        default:
          throw unsupported(child, 'at the top of a schema');
      }
    }
  }

  private typeByName(qname: string, at: XNode): SchemaType {
    const { ns, local } = resolveName(qname, at.scope, at.file);
    const key = clark(ns, local);
    const done = this.compiledTypes.get(key);
    if (done) return done;
    if (ns === XSD_NS) {
      if (local === 'anyType') return this.remember(key, anyType());
      if (!BUILTINS.has(local)) throw new Error(`${at.file}: xsd:${local} is not a type the request validator knows`);
      return this.remember(key, { kind: 'simple', label: `xsd:${local}`, builtin: local as Builtin, facets: {} });
    }
    const decl = this.types.get(key);
    if (!decl) throw new Error(`${at.file}: the type ${qname} is not declared in the published schemas`);
    const label = `${prefixOf(qname)}${local}`;
    if (decl.local === 'simpleType') return this.remember(key, this.simpleType(decl, label));
    // Registered before its content is compiled: a type may contain itself.
    const type = emptyComplex(label);
    this.compiledTypes.set(key, type);
    this.fillComplex(type, decl, this.targetOf(decl));
    return type;
  }

  private remember(key: string, type: SchemaType): SchemaType {
    this.compiledTypes.set(key, type);
    return type;
  }

  private elementType(decl: XNode, target: string): SchemaType {
    if (decl.attrs.type) return this.typeByName(decl.attrs.type, decl);
    const inline = decl.children.find((c) => c.ns === XSD_NS && (c.local === 'complexType' || c.local === 'simpleType'));
    if (!inline) return anyType();
    if (inline.local === 'simpleType') return this.simpleType(inline);
    // An anonymous type is described by its content alone ("child elements: Name, Value").
    const type = emptyComplex('');
    this.fillComplex(type, inline, target);
    return type;
  }

  private fillComplex(type: ComplexType, decl: XNode, target: string): void {
    if (decl.attrs.mixed === 'true' || decl.attrs.mixed === '1') type.textAllowed = true;
    for (const child of xsdChildren(decl)) {
      switch (child.local) {
        case 'sequence':
        case 'choice':
        case 'all':
          type.content = this.particle(child, target);
          break;
        case 'attribute':
        case 'anyAttribute':
        case 'attributeGroup':
          break; // attributes are not validated (docs/contract.md: xsi:type and friends are tolerated)
        case 'simpleContent': {
          const derivation = xsdChildren(child)[0];
          if (!derivation || !derivation.attrs.base) throw unsupported(child, 'without an extension or restriction base');
          const base = this.typeByName(derivation.attrs.base, derivation);
          if (base.kind !== 'simple') throw unsupported(child, `derived from the complex type ${derivation.attrs.base}`);
          type.simple = derivation.local === 'restriction' ? this.restrict(base, derivation, base.label) : base;
          break;
        }
        case 'complexContent': {
          const derivation = xsdChildren(child)[0];
          if (!derivation || !derivation.attrs.base) throw unsupported(child, 'without an extension or restriction base');
          const own = xsdChildren(derivation).find((c) => c.local === 'sequence' || c.local === 'choice' || c.local === 'all');
          const ownParticle = own ? this.particle(own, target) : undefined;
          if (derivation.local === 'extension') {
            const base = this.typeByName(derivation.attrs.base, derivation);
            if (base.kind !== 'complex') throw unsupported(child, `extending the simple type ${derivation.attrs.base}`);
            const parts = [base.content, ownParticle].filter((p): p is Particle => p !== undefined);
            type.content = parts.length === 1 ? parts[0] : parts.length ? { kind: 'sequence', min: 1, max: 1, items: parts } : undefined;
            type.textAllowed ||= base.textAllowed;
          } else {
            type.content = ownParticle;
          }
          break;
        }
        default:
          throw unsupported(child, 'in a complexType');
      }
    }
    type.names = [];
    type.wildcard = false;
    collect(type.content, type);
    if (type.wildcard) type.textAllowed = true;
  }

  private particle(node: XNode, target: string): Particle {
    const occurs = occursOf(node);
    switch (node.local) {
      case 'element': {
        if (node.attrs.ref) {
          const { ns, local } = resolveName(node.attrs.ref, node.scope, node.file);
          const type = this.element(ns, local);
          if (!type) throw new Error(`${node.file}: the element ${node.attrs.ref} is not declared in the published schemas`);
          return { kind: 'element', name: local, type, ...occurs };
        }
        return { kind: 'element', name: node.attrs.name, type: this.elementType(node, target), ...occurs };
      }
      case 'sequence':
      case 'choice':
      case 'all':
        return { kind: node.local, items: xsdChildren(node).map((c) => this.particle(c, target)), ...occurs };
      case 'any':
        if (node.attrs.processContents === 'strict') throw unsupported(node, 'with processContents="strict"');
        return { kind: 'any', ...occurs };
      default:
        throw unsupported(node, 'in a content model');
    }
  }

  /** An anonymous type (no label) is named by its base in messages: `xsd:int`, not the element. */
  private simpleType(decl: XNode, label?: string): SimpleType {
    const def = xsdChildren(decl)[0];
    if (!def) throw unsupported(decl, 'without a restriction, list or union');
    if (def.local === 'restriction') {
      const inlineBase = xsdChildren(def).find((c) => c.local === 'simpleType');
      if (!def.attrs.base && !inlineBase) throw unsupported(def, 'without a base type');
      const base = def.attrs.base ? this.typeByName(def.attrs.base, def) : this.simpleType(inlineBase!);
      if (base.kind !== 'simple') throw unsupported(def, `restricting the complex type ${def.attrs.base}`);
      return this.restrict(base, def, label ?? base.label);
    }
    if (def.local === 'list') {
      const item = def.attrs.itemType ? this.typeByName(def.attrs.itemType, def) : this.simpleType(xsdChildren(def)[0]);
      if (item.kind !== 'simple') throw unsupported(def, 'of a complex type');
      return { kind: 'simple', label: label ?? `list of ${item.label}`, builtin: 'token', facets: {}, list: item };
    }
    if (def.local === 'union') {
      const members = (def.attrs.memberTypes ?? '').split(/\s+/).filter(Boolean).map((q) => this.typeByName(q, def));
      for (const inline of xsdChildren(def).filter((c) => c.local === 'simpleType')) members.push(this.simpleType(inline));
      if (members.some((m) => m.kind !== 'simple')) throw unsupported(def, 'of a complex type');
      return { kind: 'simple', label: label ?? 'a union', builtin: 'anySimpleType', facets: {}, union: members as SimpleType[] };
    }
    throw unsupported(def, 'in a simpleType');
  }

  private restrict(base: SimpleType, def: XNode, label: string): SimpleType {
    const facets: Facets = { ...base.facets };
    let enumeration: string[] | undefined;
    let patterns: RegExp[] | undefined;
    for (const f of xsdChildren(def)) {
      const value = f.attrs.value;
      if (f.local === 'simpleType') continue;
      if (f.local === 'enumeration') (enumeration ??= []).push(value);
      else if (f.local === 'pattern') (patterns ??= []).push(xsdPattern(value, f));
      else if ((NUMERIC_FACETS as readonly string[]).includes(f.local) || (LENGTH_FACETS as readonly string[]).includes(f.local)) {
        const n = Number(value);
        if (!Number.isFinite(n)) throw unsupported(f, `with the value "${value}"`);
        (facets as Record<string, number>)[f.local] = n;
      } else if (!IGNORED_FACETS.has(f.local)) throw unsupported(f, 'as a facet');
    }
    if (enumeration) facets.enumeration = enumeration;
    if (patterns) facets.patterns = [...(base.facets.patterns ?? []), ...patterns];
    return { ...base, label, facets };
  }
}

function xsdChildren(node: XNode): XNode[] {
  return node.children.filter((c) => c.ns === XSD_NS && c.local !== 'annotation');
}

function occursOf(node: XNode): { min: number; max: number } {
  const min = node.attrs.minOccurs === undefined ? 1 : Number(node.attrs.minOccurs);
  const max = node.attrs.maxOccurs === undefined ? 1 : node.attrs.maxOccurs === 'unbounded' ? Number.POSITIVE_INFINITY : Number(node.attrs.maxOccurs);
  return { min, max };
}

function collect(p: Particle | undefined, into: ComplexType): void {
  if (!p) return;
  if (p.kind === 'any') into.wildcard = true;
  else if (p.kind === 'element') {
    if (!into.names.includes(p.name)) into.names.push(p.name);
  } else for (const item of p.items) collect(item, into);
}

function emptyComplex(label: string): ComplexType {
  return { kind: 'complex', label, textAllowed: false, names: [], wildcard: false };
}

function anyType(): ComplexType {
  return { kind: 'complex', label: 'xsd:anyType', content: { kind: 'any', min: 0, max: Number.POSITIVE_INFINITY }, textAllowed: true, names: [], wildcard: true };
}

function prefixOf(qname: string): string {
  const colon = qname.indexOf(':');
  return colon === -1 ? '' : qname.slice(0, colon + 1);
}

/** XSD regular expressions are anchored; \i and \c (XML name classes) have no JavaScript equivalent. */
function xsdPattern(pattern: string, at: XNode): RegExp {
  if (/\\[iIcC]/.test(pattern)) throw unsupported(at, `with the XML name class in "${pattern}"`);
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    throw unsupported(at, `"${pattern}" (not a regular expression JavaScript reads)`);
  }
}

function unsupported(node: XNode, where: string): Error {
  return new Error(`${node.file}: xsd:${node.local} ${where} is not supported by the request validator (src/services/soap/schema); simplify the schema or extend the validator`);
}

const cache = new Map<string, CompiledSchema>();

/** One compiled schema per WSDL file for the process (the observer WSDL is mounted twice, say). */
export function compiledSchemaFor(files: WsdlFiles): CompiledSchema {
  const key = `${files.file}\n${Object.values(files.schemas).sort().join('\n')}`;
  let schema = cache.get(key);
  if (!schema) {
    schema = new CompiledSchema(files).compileAll();
    cache.set(key, schema);
  }
  return schema;
}

import { ATTRIBUTES_KEY, TEXT_KEY, type SoapNode } from '../services/soap';
import { uddiError } from './errors';
import type {
  Address,
  BindingTemplate,
  BusinessEntity,
  BusinessService,
  CategoryBag,
  Contact,
  FindBindingRequest,
  FindBusinessRequest,
  FindCommon,
  FindServiceRequest,
  FindTModelRequest,
  InstanceDetails,
  KeyedReference,
  LocalizedText,
  OverviewDoc,
  TModel,
  TModelInstanceInfo,
  TypedText,
} from './model';

/**
 * Reads UDDI request elements (already parsed by the SOAP layer: prefixes gone, attributes under
 * "@", text under "#text" when an element also has attributes) into the data model. Structure is
 * read leniently, the way the schema would accept it; the registry's own validation then checks
 * values, so SOAP and in-process callers meet the same rules.
 */

type Value = unknown;

export function all(node: Value, name: string): Value[] {
  if (node === null || typeof node !== 'object') return [];
  const v = (node as SoapNode)[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function one(node: Value, name: string): Value | undefined {
  return all(node, name)[0];
}

export function text(value: Value): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const t = (value as SoapNode)[TEXT_KEY];
    return typeof t === 'string' ? t : '';
  }
  return '';
}

export function attr(value: Value, name: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const attrs = (value as SoapNode)[ATTRIBUTES_KEY] as Record<string, string> | undefined;
  return attrs?.[name];
}

/** Most names, keys or keyed references one find may list (a find is an inquiry, not a bulk export). */
export const MAX_FIND_OPTIONS = 50;
/** uddi_v3.xsd nameType (validationTypeString255). */
const NAME_MAX = 255;
/** uddi_v3.xsd keyValue / keyName (validationTypeString255), tModelKey (uddiKey, 255). */
const KEYED_MAX = 255;

function capped<T>(list: T[], op: string, field: string): T[] {
  if (list.length > MAX_FIND_OPTIONS) throw uddiError('E_tooManyOptions', `${op}/${field}: ${list.length} given; a find takes at most ${MAX_FIND_OPTIONS}. Split the inquiry into several finds`);
  return list;
}

function findNames(v: Value, op: string): LocalizedText[] {
  const names = capped(localized(v, 'name'), op, 'name');
  names.forEach((n, i) => {
    const length = [...n.value].length;
    if (length > NAME_MAX) throw uddiError('E_invalidValue', `${op}/name${names.length > 1 ? `[${i + 1}]` : ''}: is ${length} characters long; at most ${NAME_MAX} are allowed (uddi_v3.xsd nameType)`);
  });
  return names;
}

function findBagChecks(r: { categoryBag?: CategoryBag; identifierBag?: KeyedReference[]; tModelBag?: string[] }, op: string): void {
  if (r.tModelBag) capped(r.tModelBag, op, 'tModelBag/tModelKey');
  if (r.identifierBag) capped(r.identifierBag, op, 'identifierBag/keyedReference');
  if (r.categoryBag) {
    capped(r.categoryBag.keyedReferences, op, 'categoryBag/keyedReference');
    capped(r.categoryBag.keyedReferenceGroups, op, 'categoryBag/keyedReferenceGroup');
  }
  const refs = [...(r.identifierBag ?? []), ...(r.categoryBag?.keyedReferences ?? []), ...(r.categoryBag?.keyedReferenceGroups ?? []).flatMap((g) => g.keyedReferences)];
  for (const ref of refs) {
    for (const [field, value] of [['keyValue', ref.keyValue], ['keyName', ref.keyName], ['tModelKey', ref.tModelKey]] as const) {
      if (typeof value === 'string' && [...value].length > KEYED_MAX) throw uddiError('E_invalidValue', `${op}/keyedReference/@${field}: is ${[...value].length} characters long; at most ${KEYED_MAX} are allowed (uddi_v3.xsd)`);
    }
  }
}

function localized(node: Value, name: string): LocalizedText[] {
  return all(node, name).map((v) => {
    const lang = attr(v, 'lang');
    return lang !== undefined ? { value: text(v), lang } : { value: text(v) };
  });
}

function typed(v: Value): TypedText {
  const useType = attr(v, 'useType');
  return useType !== undefined ? { value: text(v), useType } : { value: text(v) };
}

function keyedReference(v: Value): KeyedReference {
  const ref: KeyedReference = { tModelKey: attr(v, 'tModelKey') ?? '', keyValue: attr(v, 'keyValue') ?? (undefined as unknown as string) };
  const keyName = attr(v, 'keyName');
  if (keyName !== undefined) ref.keyName = keyName;
  return ref;
}

function categoryBag(v: Value | undefined): CategoryBag | undefined {
  if (v === undefined) return undefined;
  return {
    keyedReferences: all(v, 'keyedReference').map(keyedReference),
    keyedReferenceGroups: all(v, 'keyedReferenceGroup').map((g) => ({ tModelKey: attr(g, 'tModelKey') ?? '', keyedReferences: all(g, 'keyedReference').map(keyedReference) })),
  };
}

function identifierBag(v: Value | undefined): KeyedReference[] {
  return v === undefined ? [] : all(v, 'keyedReference').map(keyedReference);
}

function overviewDoc(v: Value): OverviewDoc {
  const doc: OverviewDoc = { descriptions: localized(v, 'description') };
  const url = one(v, 'overviewURL');
  if (url !== undefined) doc.overviewURL = typed(url);
  return doc;
}

function instanceDetails(v: Value): InstanceDetails {
  const details: InstanceDetails = { descriptions: localized(v, 'description'), overviewDocs: all(v, 'overviewDoc').map(overviewDoc) };
  const parms = one(v, 'instanceParms');
  if (parms !== undefined) details.instanceParms = text(parms);
  return details;
}

function tModelInstanceInfo(v: Value): TModelInstanceInfo {
  const info: TModelInstanceInfo = { tModelKey: attr(v, 'tModelKey') ?? '', descriptions: localized(v, 'description') };
  const details = one(v, 'instanceDetails');
  if (details !== undefined) info.instanceDetails = instanceDetails(details);
  return info;
}

/** Signatures are refused rather than dropped: a publisher that signs expects them kept. */
function refuseSignature(v: Value, element: string): void {
  if (one(v, 'Signature') !== undefined) {
    throw uddiError('E_unsupported', `${element}: this node does not store XML digital signatures (dsig:Signature) on registry entries; save the ${element} without it`);
  }
}

export function bindingTemplate(v: Value): BindingTemplate {
  refuseSignature(v, 'bindingTemplate');
  const b: BindingTemplate = {
    descriptions: localized(v, 'description'),
    tModelInstanceDetails: all(one(v, 'tModelInstanceDetails'), 'tModelInstanceInfo').map(tModelInstanceInfo),
  };
  const bindingKey = attr(v, 'bindingKey');
  const serviceKey = attr(v, 'serviceKey');
  if (bindingKey !== undefined) b.bindingKey = bindingKey;
  if (serviceKey !== undefined) b.serviceKey = serviceKey;
  const accessPoint = one(v, 'accessPoint');
  if (accessPoint !== undefined) b.accessPoint = typed(accessPoint);
  const redirector = one(v, 'hostingRedirector');
  if (redirector !== undefined) b.hostingRedirector = { bindingKey: attr(redirector, 'bindingKey') ?? '' };
  const bag = categoryBag(one(v, 'categoryBag'));
  if (bag) b.categoryBag = bag;
  return b;
}

export function businessService(v: Value): BusinessService {
  refuseSignature(v, 'businessService');
  const s: BusinessService = {
    names: localized(v, 'name'),
    descriptions: localized(v, 'description'),
    bindingTemplates: all(one(v, 'bindingTemplates'), 'bindingTemplate').map(bindingTemplate),
  };
  const serviceKey = attr(v, 'serviceKey');
  const businessKey = attr(v, 'businessKey');
  if (serviceKey !== undefined) s.serviceKey = serviceKey;
  if (businessKey !== undefined) s.businessKey = businessKey;
  const bag = categoryBag(one(v, 'categoryBag'));
  if (bag) s.categoryBag = bag;
  return s;
}

function address(v: Value): Address {
  const a: Address = {
    addressLines: all(v, 'addressLine').map((l) => {
      const line: Address['addressLines'][number] = { value: text(l) };
      const keyName = attr(l, 'keyName');
      const keyValue = attr(l, 'keyValue');
      if (keyName !== undefined) line.keyName = keyName;
      if (keyValue !== undefined) line.keyValue = keyValue;
      return line;
    }),
  };
  for (const name of ['lang', 'useType', 'sortCode', 'tModelKey'] as const) {
    const value = attr(v, name);
    if (value !== undefined) a[name] = value;
  }
  return a;
}

function contact(v: Value): Contact {
  const c: Contact = {
    descriptions: localized(v, 'description'),
    personNames: localized(v, 'personName'),
    phones: all(v, 'phone').map(typed),
    emails: all(v, 'email').map(typed),
    addresses: all(v, 'address').map(address),
  };
  const useType = attr(v, 'useType');
  if (useType !== undefined) c.useType = useType;
  return c;
}

export function businessEntity(v: Value): BusinessEntity {
  refuseSignature(v, 'businessEntity');
  const e: BusinessEntity = {
    discoveryURLs: all(one(v, 'discoveryURLs'), 'discoveryURL').map(typed),
    names: localized(v, 'name'),
    descriptions: localized(v, 'description'),
    contacts: all(one(v, 'contacts'), 'contact').map(contact),
    businessServices: all(one(v, 'businessServices'), 'businessService').map(businessService),
    identifierBag: identifierBag(one(v, 'identifierBag')),
  };
  const businessKey = attr(v, 'businessKey');
  if (businessKey !== undefined) e.businessKey = businessKey;
  const bag = categoryBag(one(v, 'categoryBag'));
  if (bag) e.categoryBag = bag;
  return e;
}

export function tModel(v: Value): TModel {
  refuseSignature(v, 'tModel');
  const names = localized(v, 'name');
  if (names.length > 1) throw uddiError('E_invalidValue', 'tModel: has more than one name; a tModel has exactly one');
  const t: TModel = {
    name: names[0],
    descriptions: localized(v, 'description'),
    overviewDocs: all(v, 'overviewDoc').map(overviewDoc),
    identifierBag: identifierBag(one(v, 'identifierBag')),
  };
  const tModelKey = attr(v, 'tModelKey');
  if (tModelKey !== undefined) t.tModelKey = tModelKey;
  const bag = categoryBag(one(v, 'categoryBag'));
  if (bag) t.categoryBag = bag;
  return t;
}

// ------------------------------------------------------------------------ requests

function integerAttribute(v: Value, name: string, op: string): number | undefined {
  const raw = attr(v, name);
  if (raw === undefined) return undefined;
  const n = /^\s*[+-]?\d{1,10}\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n > 2147483647 || n < -2147483648) throw uddiError('E_invalidValue', `${op}/@${name}: expected an integer (xsd:int), got "${raw}"`);
  return n;
}

function common(v: Value, op: string): FindCommon {
  const out: FindCommon = {};
  const qualifiers = all(one(v, 'findQualifiers'), 'findQualifier').map(text);
  if (qualifiers.length) out.findQualifiers = qualifiers;
  const maxRows = integerAttribute(v, 'maxRows', op);
  const listHead = integerAttribute(v, 'listHead', op);
  if (maxRows !== undefined) out.maxRows = maxRows;
  if (listHead !== undefined) out.listHead = listHead;
  return out;
}

function tModelBag(v: Value): string[] | undefined {
  const bag = one(v, 'tModelBag');
  return bag === undefined ? undefined : all(bag, 'tModelKey').map(text);
}

export function findTModel(v: Value, op = 'find_tModel'): FindTModelRequest {
  const names = findNames(v, op);
  if (names.length > 1) throw uddiError('E_invalidValue', `${op}/name: appears ${names.length} times; find_tModel takes one name`);
  const r: FindTModelRequest = { ...common(v, op) };
  if (names[0]) r.name = names[0];
  const ids = one(v, 'identifierBag');
  if (ids !== undefined) r.identifierBag = identifierBag(ids);
  const bag = categoryBag(one(v, 'categoryBag'));
  if (bag) r.categoryBag = bag;
  findBagChecks(r, op);
  return r;
}

function nestedFindTModel(v: Value, op: string): FindTModelRequest | undefined {
  const nested = one(v, 'find_tModel');
  return nested === undefined ? undefined : findTModel(nested, `${op}/find_tModel`);
}

export function findBusiness(v: Value): FindBusinessRequest {
  const op = 'find_business';
  const r: FindBusinessRequest = { ...common(v, op) };
  const names = findNames(v, op);
  if (names.length) r.names = names;
  const ids = one(v, 'identifierBag');
  if (ids !== undefined) r.identifierBag = identifierBag(ids);
  const bag = categoryBag(one(v, 'categoryBag'));
  if (bag) r.categoryBag = bag;
  const tModels = tModelBag(v);
  if (tModels) r.tModelBag = tModels;
  const nested = nestedFindTModel(v, op);
  if (nested) r.findTModel = nested;
  const urls = one(v, 'discoveryURLs');
  if (urls !== undefined) r.discoveryURLs = all(urls, 'discoveryURL').map(typed);
  if (one(v, 'find_relatedBusinesses') !== undefined) r.findRelatedBusinesses = true;
  if (r.discoveryURLs) capped(r.discoveryURLs, op, 'discoveryURLs/discoveryURL');
  findBagChecks(r, op);
  return r;
}

export function findService(v: Value): FindServiceRequest {
  const op = 'find_service';
  const r: FindServiceRequest = { ...common(v, op) };
  const businessKey = attr(v, 'businessKey');
  if (businessKey !== undefined) r.businessKey = businessKey;
  const names = findNames(v, op);
  if (names.length) r.names = names;
  const bag = categoryBag(one(v, 'categoryBag'));
  if (bag) r.categoryBag = bag;
  const tModels = tModelBag(v);
  if (tModels) r.tModelBag = tModels;
  const nested = nestedFindTModel(v, op);
  if (nested) r.findTModel = nested;
  findBagChecks(r, op);
  return r;
}

export function findBinding(v: Value): FindBindingRequest {
  const op = 'find_binding';
  const r: FindBindingRequest = { ...common(v, op) };
  const serviceKey = attr(v, 'serviceKey');
  if (serviceKey !== undefined) r.serviceKey = serviceKey;
  const tModels = tModelBag(v);
  if (tModels) r.tModelBag = tModels;
  const nested = nestedFindTModel(v, op);
  if (nested) r.findTModel = nested;
  const bag = categoryBag(one(v, 'categoryBag'));
  if (bag) r.categoryBag = bag;
  findBagChecks(r, op);
  return r;
}

export function keys(v: Value, name: string): string[] {
  return all(v, name).map(text);
}

export function authInfo(v: Value): string | undefined {
  const a = one(v, 'authInfo');
  return a === undefined ? undefined : text(a);
}

import { uddiError, type UddiKeyType } from './errors';
import { collapse } from './find-qualifiers';
import { normaliseKey, optionalKey } from './keys';
import type {
  Address,
  BindingTemplate,
  BusinessEntity,
  BusinessService,
  CategoryBag,
  Contact,
  InstanceDetails,
  KeyedReference,
  LocalizedText,
  OverviewDoc,
  TModel,
  TModelInstanceInfo,
  TypedText,
} from './model';

/**
 * Normalises what a publisher sends before it is stored: whitespace collapsed where the schema
 * collapses it, keys case-folded, lengths and required fields checked against uddi_v3.xsd. A
 * registry reached over SOAP sees only what the XML reader built, and one used in-process sees the
 * caller's objects; both pass through here, so both get the same checks and the same errors.
 */

const LANG_MAX = 26; // UDDI v3 §4.3.1: xml:lang values are at most 26 characters.

function invalid(where: string, problem: string): never {
  throw uddiError('E_invalidValue', `${where}: ${problem}`);
}

/** validationTypeStringN: collapsed, 1..max characters. */
export function text(value: unknown, max: number, where: string): string {
  if (typeof value !== 'string') invalid(where, 'is missing; expected text');
  const v = collapse(value);
  if (v.length === 0) invalid(where, 'is empty; expected at least one character');
  const length = [...v].length;
  if (length > max) invalid(where, `is ${length} characters long; at most ${max} are allowed`);
  return v;
}

/** Attributes such as useType, keyName: collapsed, may be empty, absent when empty. */
function attribute(value: unknown, max: number, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') invalid(where, 'expected text');
  const v = collapse(value);
  if ([...v].length > max) invalid(where, `is longer than ${max} characters`);
  return v === '' ? undefined : v;
}

function lang(value: string | undefined, where: string): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (v.length > LANG_MAX || !/^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(v)) invalid(`${where}/@xml:lang`, `"${v}" is not a language tag such as en or zh-CN (at most ${LANG_MAX} characters)`);
  return v;
}

function localized(values: readonly LocalizedText[] | undefined, max: number, where: string): LocalizedText[] {
  return (values ?? []).map((t, i) => {
    const at = indexed(where, i, values!.length);
    const value = text(t.value, max, at);
    const l = lang(t.lang, at);
    return l ? { value, lang: l } : { value };
  });
}

function typed(value: TypedText, max: number, where: string): TypedText {
  const v = text(value.value, max, where);
  const useType = attribute(value.useType, 255, `${where}/@useType`);
  return useType ? { value: v, useType } : { value: v };
}

function indexed(where: string, i: number, count: number): string {
  return count > 1 ? `${where}[${i + 1}]` : where;
}

function key(value: string, keyType: UddiKeyType, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(where, 'is missing; expected a UDDI key');
  return normaliseKey(value, keyType, where);
}

export function keyedReference(ref: KeyedReference, where: string): KeyedReference {
  const out: KeyedReference = {
    tModelKey: key(ref.tModelKey, 'tModelKey', `${where}/@tModelKey`),
    keyValue: text(ref.keyValue, 255, `${where}/@keyValue`),
  };
  const keyName = attribute(ref.keyName, 255, `${where}/@keyName`);
  if (keyName) out.keyName = keyName;
  return out;
}

function keyedReferences(refs: readonly KeyedReference[] | undefined, where: string): KeyedReference[] {
  return (refs ?? []).map((r, i) => keyedReference(r, indexed(where, i, refs!.length)));
}

export function categoryBag(bag: CategoryBag | undefined, where: string): CategoryBag | undefined {
  if (!bag) return undefined;
  const out: CategoryBag = {
    keyedReferences: keyedReferences(bag.keyedReferences, `${where}/keyedReference`),
    keyedReferenceGroups: (bag.keyedReferenceGroups ?? []).map((g, i) => {
      const at = indexed(`${where}/keyedReferenceGroup`, i, bag.keyedReferenceGroups.length);
      return { tModelKey: key(g.tModelKey, 'tModelKey', `${at}/@tModelKey`), keyedReferences: keyedReferences(g.keyedReferences, `${at}/keyedReference`) };
    }),
  };
  if (out.keyedReferences.length === 0 && out.keyedReferenceGroups.length === 0) invalid(where, 'is empty; a categoryBag holds at least one keyedReference or keyedReferenceGroup');
  return out;
}

function overviewDoc(doc: OverviewDoc, where: string): OverviewDoc {
  const out: OverviewDoc = { descriptions: localized(doc.descriptions, 255, `${where}/description`) };
  if (doc.overviewURL) out.overviewURL = typed(doc.overviewURL, 4096, `${where}/overviewURL`);
  if (out.descriptions.length === 0 && !out.overviewURL) invalid(where, 'needs a description or an overviewURL');
  return out;
}

function overviewDocs(docs: readonly OverviewDoc[] | undefined, where: string): OverviewDoc[] {
  return (docs ?? []).map((d, i) => overviewDoc(d, indexed(where, i, docs!.length)));
}

function instanceDetails(details: InstanceDetails, where: string): InstanceDetails {
  const out: InstanceDetails = {
    descriptions: localized(details.descriptions, 255, `${where}/description`),
    overviewDocs: overviewDocs(details.overviewDocs, `${where}/overviewDoc`),
  };
  if (details.instanceParms !== undefined) {
    // instanceParms is not collapsed by the schema: a certificate or a policy keeps its line breaks.
    const parms = details.instanceParms;
    if (parms.length === 0 || [...parms].length > 8192) invalid(`${where}/instanceParms`, 'must hold 1 to 8192 characters');
    out.instanceParms = parms;
  }
  if (out.overviewDocs.length === 0 && out.instanceParms === undefined) invalid(where, 'needs an overviewDoc or instanceParms');
  return out;
}

function tModelInstanceInfo(info: TModelInstanceInfo, where: string): TModelInstanceInfo {
  const out: TModelInstanceInfo = {
    tModelKey: key(info.tModelKey, 'tModelKey', `${where}/@tModelKey`),
    descriptions: localized(info.descriptions, 255, `${where}/description`),
  };
  if (info.instanceDetails) out.instanceDetails = instanceDetails(info.instanceDetails, `${where}/instanceDetails`);
  return out;
}

export function bindingTemplate(binding: BindingTemplate, where: string): BindingTemplate {
  const out: BindingTemplate = {
    descriptions: localized(binding.descriptions, 255, `${where}/description`),
    tModelInstanceDetails: (binding.tModelInstanceDetails ?? []).map((t, i) => tModelInstanceInfo(t, indexed(`${where}/tModelInstanceDetails/tModelInstanceInfo`, i, binding.tModelInstanceDetails.length))),
  };
  const bindingKey = optionalKey(binding.bindingKey, 'bindingKey', `${where}/@bindingKey`);
  if (bindingKey) out.bindingKey = bindingKey;
  const serviceKey = optionalKey(binding.serviceKey, 'serviceKey', `${where}/@serviceKey`);
  if (serviceKey) out.serviceKey = serviceKey;
  if (binding.accessPoint && binding.hostingRedirector) invalid(where, 'has both an accessPoint and a hostingRedirector; give one');
  if (binding.accessPoint) out.accessPoint = typed(binding.accessPoint, 4096, `${where}/accessPoint`);
  else if (binding.hostingRedirector) out.hostingRedirector = { bindingKey: key(binding.hostingRedirector.bindingKey, 'bindingKey', `${where}/hostingRedirector/@bindingKey`) };
  else invalid(where, 'needs an accessPoint (or a hostingRedirector)');
  const bag = categoryBag(binding.categoryBag, `${where}/categoryBag`);
  if (bag) out.categoryBag = bag;
  return out;
}

export function businessService(service: BusinessService, where: string): BusinessService {
  const out: BusinessService = {
    names: localized(service.names, 255, `${where}/name`),
    descriptions: localized(service.descriptions, 255, `${where}/description`),
    bindingTemplates: (service.bindingTemplates ?? []).map((b, i) => bindingTemplate(b, indexed(`${where}/bindingTemplates/bindingTemplate`, i, service.bindingTemplates.length))),
  };
  const serviceKey = optionalKey(service.serviceKey, 'serviceKey', `${where}/@serviceKey`);
  if (serviceKey) out.serviceKey = serviceKey;
  const businessKey = optionalKey(service.businessKey, 'businessKey', `${where}/@businessKey`);
  if (businessKey) out.businessKey = businessKey;
  const bag = categoryBag(service.categoryBag, `${where}/categoryBag`);
  if (bag) out.categoryBag = bag;
  return out;
}

function address(a: Address, where: string): Address {
  const out: Address = {
    addressLines: (a.addressLines ?? []).map((line, i) => {
      const at = indexed(`${where}/addressLine`, i, a.addressLines.length);
      const l: Address['addressLines'][number] = { value: text(line.value, 80, at) };
      const keyName = attribute(line.keyName, 255, `${at}/@keyName`);
      const keyValue = attribute(line.keyValue, 255, `${at}/@keyValue`);
      if (keyName) l.keyName = keyName;
      if (keyValue) l.keyValue = keyValue;
      return l;
    }),
  };
  if (out.addressLines.length === 0) invalid(where, 'needs at least one addressLine');
  const l = lang(a.lang, where);
  if (l) out.lang = l;
  const useType = attribute(a.useType, 255, `${where}/@useType`);
  if (useType) out.useType = useType;
  const sortCode = attribute(a.sortCode, 10, `${where}/@sortCode`);
  if (sortCode) out.sortCode = sortCode;
  const tModelKey = optionalKey(a.tModelKey, 'tModelKey', `${where}/@tModelKey`);
  if (tModelKey) out.tModelKey = tModelKey;
  return out;
}

function contact(c: Contact, where: string): Contact {
  const out: Contact = {
    descriptions: localized(c.descriptions, 255, `${where}/description`),
    personNames: localized(c.personNames, 255, `${where}/personName`),
    phones: (c.phones ?? []).map((p, i) => typed(p, 50, indexed(`${where}/phone`, i, c.phones.length))),
    emails: (c.emails ?? []).map((e, i) => typed(e, 255, indexed(`${where}/email`, i, c.emails.length))),
    addresses: (c.addresses ?? []).map((a, i) => address(a, indexed(`${where}/address`, i, c.addresses.length))),
  };
  if (out.personNames.length === 0) invalid(where, 'needs at least one personName');
  const useType = attribute(c.useType, 255, `${where}/@useType`);
  if (useType) out.useType = useType;
  return out;
}

export function businessEntity(entity: BusinessEntity, where: string): BusinessEntity {
  const out: BusinessEntity = {
    discoveryURLs: (entity.discoveryURLs ?? []).map((u, i) => typed(u, 4096, indexed(`${where}/discoveryURLs/discoveryURL`, i, entity.discoveryURLs.length))),
    names: localized(entity.names, 255, `${where}/name`),
    descriptions: localized(entity.descriptions, 255, `${where}/description`),
    contacts: (entity.contacts ?? []).map((c, i) => contact(c, indexed(`${where}/contacts/contact`, i, entity.contacts.length))),
    businessServices: (entity.businessServices ?? []).map((s, i) => businessService(s, indexed(`${where}/businessServices/businessService`, i, entity.businessServices.length))),
    identifierBag: keyedReferences(entity.identifierBag, `${where}/identifierBag/keyedReference`),
  };
  if (out.names.length === 0) invalid(where, 'needs at least one name');
  const businessKey = optionalKey(entity.businessKey, 'businessKey', `${where}/@businessKey`);
  if (businessKey) out.businessKey = businessKey;
  const bag = categoryBag(entity.categoryBag, `${where}/categoryBag`);
  if (bag) out.categoryBag = bag;
  return out;
}

export function tModel(model: TModel, where: string): TModel {
  if (!model.name) invalid(`${where}/name`, 'is missing; a tModel has exactly one name');
  const [name] = localized([model.name], 255, `${where}/name`);
  const out: TModel = {
    name,
    descriptions: localized(model.descriptions, 255, `${where}/description`),
    overviewDocs: overviewDocs(model.overviewDocs, `${where}/overviewDoc`),
    identifierBag: keyedReferences(model.identifierBag, `${where}/identifierBag/keyedReference`),
  };
  const tModelKey = optionalKey(model.tModelKey, 'tModelKey', `${where}/@tModelKey`);
  if (tModelKey) out.tModelKey = tModelKey;
  const bag = categoryBag(model.categoryBag, `${where}/categoryBag`);
  if (bag) out.categoryBag = bag;
  return out;
}

/** A search name: like a stored one, except that approximateMatch patterns may be longer than 255. */
export function searchName(name: LocalizedText, where: string): LocalizedText {
  const value = text(name.value, 1024, where);
  const l = name.lang?.trim();
  if (l && (l.length > LANG_MAX * 2 || !/^[A-Za-z0-9%_\\-]+$/.test(l))) invalid(`${where}/@xml:lang`, `"${l}" is not a language tag or a pattern of one`);
  return l ? { value, lang: l } : { value };
}

/** A search reference: keyValue may be a pattern, tModelKey must be a key. */
export function searchReference(ref: KeyedReference, where: string): KeyedReference {
  const out: KeyedReference = { tModelKey: key(ref.tModelKey, 'tModelKey', `${where}/@tModelKey`), keyValue: typeof ref.keyValue === 'string' ? collapse(ref.keyValue) : invalid(`${where}/@keyValue`, 'is missing') };
  const keyName = attribute(ref.keyName, 1024, `${where}/@keyName`);
  if (keyName) out.keyName = keyName;
  return out;
}

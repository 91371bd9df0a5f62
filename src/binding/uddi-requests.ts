import type { CategoryBag, FindBindingRequest, FindBusinessRequest, FindCommon, FindServiceRequest, FindTModelRequest, KeyedReference, LocalizedText } from '../registry';
import { escapeXml as esc } from '../services/soap';

/**
 * Request elements of the UDDI API, in the element order uddi_v3.xsd's sequences require. Entities
 * inside save_xx use the registry's own writer (src/registry/xml-write.ts), so what this client
 * sends is exactly what the node writes back.
 */

export const UDDI_NS = 'urn:uddi-org:api_v3';

function attr(name: string, value: string | number | undefined): string {
  return value === undefined || value === '' ? '' : ` ${name}="${esc(String(value))}"`;
}

function names(items: readonly LocalizedText[] | undefined): string {
  return (items ?? []).map((n) => `<name${attr('xml:lang', n.lang)}>${esc(n.value)}</name>`).join('');
}

function keyedReference(r: KeyedReference): string {
  return `<keyedReference${attr('tModelKey', r.tModelKey)}${attr('keyName', r.keyName)} keyValue="${esc(r.keyValue)}"/>`;
}

function categoryBag(bag: CategoryBag | undefined): string {
  if (!bag || (bag.keyedReferences.length === 0 && bag.keyedReferenceGroups.length === 0)) return '';
  const groups = bag.keyedReferenceGroups.map((g) => `<keyedReferenceGroup${attr('tModelKey', g.tModelKey)}>${g.keyedReferences.map(keyedReference).join('')}</keyedReferenceGroup>`);
  return `<categoryBag>${bag.keyedReferences.map(keyedReference).join('')}${groups.join('')}</categoryBag>`;
}

function identifierBag(refs: readonly KeyedReference[] | undefined): string {
  return refs?.length ? `<identifierBag>${refs.map(keyedReference).join('')}</identifierBag>` : '';
}

function tModelBag(keys: readonly string[] | undefined): string {
  return keys?.length ? `<tModelBag>${keys.map((k) => `<tModelKey>${esc(k)}</tModelKey>`).join('')}</tModelBag>` : '';
}

function open(element: string, common: FindCommon, extra = ''): string {
  const qualifiers = common.findQualifiers?.length ? `<findQualifiers>${common.findQualifiers.map((q) => `<findQualifier>${esc(q)}</findQualifier>`).join('')}</findQualifiers>` : '';
  return `<${element} xmlns="${UDDI_NS}"${attr('maxRows', common.maxRows)}${attr('listHead', common.listHead)}${extra}>${qualifiers}`;
}

function nestedFindTModel(r: FindTModelRequest | undefined): string {
  return r ? findTModel(r) : '';
}

export function findTModel(r: FindTModelRequest): string {
  return `${open('find_tModel', r)}${r.name ? names([r.name]) : ''}${identifierBag(r.identifierBag)}${categoryBag(r.categoryBag)}</find_tModel>`;
}

export function findBusiness(r: FindBusinessRequest): string {
  const urls = r.discoveryURLs?.length ? `<discoveryURLs>${r.discoveryURLs.map((u) => `<discoveryURL${attr('useType', u.useType)}>${esc(u.value)}</discoveryURL>`).join('')}</discoveryURLs>` : '';
  return `${open('find_business', r)}${names(r.names)}${identifierBag(r.identifierBag)}${categoryBag(r.categoryBag)}${tModelBag(r.tModelBag)}${nestedFindTModel(r.findTModel)}${urls}</find_business>`;
}

export function findService(r: FindServiceRequest): string {
  return `${open('find_service', r, attr('businessKey', r.businessKey))}${names(r.names)}${categoryBag(r.categoryBag)}${tModelBag(r.tModelBag)}${nestedFindTModel(r.findTModel)}</find_service>`;
}

export function findBinding(r: FindBindingRequest): string {
  return `${open('find_binding', r, attr('serviceKey', r.serviceKey))}${tModelBag(r.tModelBag)}${nestedFindTModel(r.findTModel)}${categoryBag(r.categoryBag)}</find_binding>`;
}

/** get_xxDetail and delete_xx: a list of keys, with authInfo for the Publication API. */
export function keyed(element: string, keyElement: string, keys: readonly string[], authInfo?: string): string {
  return `<${element} xmlns="${UDDI_NS}">${authInfo !== undefined ? `<authInfo>${esc(authInfo)}</authInfo>` : ''}${keys.map((k) => `<${keyElement}>${esc(k)}</${keyElement}>`).join('')}</${element}>`;
}

/** save_xx: already written entity elements (which inherit the default namespace). */
export function save(element: string, authInfo: string | undefined, entities: readonly string[]): string {
  return `<${element} xmlns="${UDDI_NS}">${authInfo !== undefined ? `<authInfo>${esc(authInfo)}</authInfo>` : ''}${entities.join('')}</${element}>`;
}

export function getAuthToken(userID: string, cred: string): string {
  return `<get_authToken xmlns="${UDDI_NS}" userID="${esc(userID)}" cred="${esc(cred)}"/>`;
}

export function discardAuthToken(authInfo: string | undefined): string {
  return `<discard_authToken xmlns="${UDDI_NS}">${authInfo !== undefined ? `<authInfo>${esc(authInfo)}</authInfo>` : ''}</discard_authToken>`;
}

import { escapeXml as esc } from '../services/soap';
import type { UddiError } from './errors';
import {
  UDDI_NS,
  type Address,
  type BindingTemplate,
  type BusinessEntity,
  type BusinessInfo,
  type BusinessService,
  type CategoryBag,
  type Contact,
  type InstanceDetails,
  type KeyedReference,
  type ListDescription,
  type ListResult,
  type LocalizedText,
  type OperationalInfo,
  type OverviewDoc,
  type RegisteredInfo,
  type ServiceInfo,
  type TModel,
  type TModelInfo,
  type TModelInstanceInfo,
  type TypedText,
} from './model';

/**
 * UDDI reply elements, written in the order uddi_v3.xsd's sequences require (clients generated
 * from the official WSDL, zeep and JAX-WS among them, reject or drop elements out of order). Every
 * value goes through esc(); the only unescaped text is element and attribute names from here.
 */

function attr(name: string, value: string | undefined): string {
  return value === undefined || value === '' ? '' : ` ${name}="${esc(value)}"`;
}

function localized(element: string, items: readonly LocalizedText[]): string {
  return items.map((t) => `<${element}${attr('xml:lang', t.lang)}>${esc(t.value)}</${element}>`).join('');
}

function typed(element: string, t: TypedText | undefined): string {
  return t ? `<${element}${attr('useType', t.useType)}>${esc(t.value)}</${element}>` : '';
}

function keyedReference(r: KeyedReference): string {
  return `<keyedReference${attr('tModelKey', r.tModelKey)}${attr('keyName', r.keyName)} keyValue="${esc(r.keyValue)}"/>`;
}

function categoryBag(bag: CategoryBag | undefined): string {
  if (!bag || (bag.keyedReferences.length === 0 && bag.keyedReferenceGroups.length === 0)) return '';
  const groups = bag.keyedReferenceGroups.map((g) => `<keyedReferenceGroup${attr('tModelKey', g.tModelKey)}>${g.keyedReferences.map(keyedReference).join('')}</keyedReferenceGroup>`).join('');
  return `<categoryBag>${bag.keyedReferences.map(keyedReference).join('')}${groups}</categoryBag>`;
}

function identifierBag(refs: readonly KeyedReference[]): string {
  return refs.length ? `<identifierBag>${refs.map(keyedReference).join('')}</identifierBag>` : '';
}

function overviewDoc(d: OverviewDoc): string {
  return `<overviewDoc>${localized('description', d.descriptions)}${typed('overviewURL', d.overviewURL)}</overviewDoc>`;
}

function instanceDetails(d: InstanceDetails | undefined): string {
  if (!d) return '';
  const parms = d.instanceParms !== undefined ? `<instanceParms>${esc(d.instanceParms)}</instanceParms>` : '';
  return `<instanceDetails>${localized('description', d.descriptions)}${d.overviewDocs.map(overviewDoc).join('')}${parms}</instanceDetails>`;
}

function tModelInstanceInfo(t: TModelInstanceInfo): string {
  return `<tModelInstanceInfo${attr('tModelKey', t.tModelKey)}>${localized('description', t.descriptions)}${instanceDetails(t.instanceDetails)}</tModelInstanceInfo>`;
}

export function bindingTemplate(b: BindingTemplate): string {
  const target = b.accessPoint ? typed('accessPoint', b.accessPoint) : b.hostingRedirector ? `<hostingRedirector${attr('bindingKey', b.hostingRedirector.bindingKey)}/>` : '';
  const details = b.tModelInstanceDetails.length ? `<tModelInstanceDetails>${b.tModelInstanceDetails.map(tModelInstanceInfo).join('')}</tModelInstanceDetails>` : '';
  return `<bindingTemplate${attr('bindingKey', b.bindingKey)}${attr('serviceKey', b.serviceKey)}>${localized('description', b.descriptions)}${target}${details}${categoryBag(b.categoryBag)}</bindingTemplate>`;
}

export function businessService(s: BusinessService): string {
  const bindings = s.bindingTemplates.length ? `<bindingTemplates>${s.bindingTemplates.map(bindingTemplate).join('')}</bindingTemplates>` : '';
  return `<businessService${attr('serviceKey', s.serviceKey)}${attr('businessKey', s.businessKey)}>${localized('name', s.names)}${localized('description', s.descriptions)}${bindings}${categoryBag(s.categoryBag)}</businessService>`;
}

function address(a: Address): string {
  const lines = a.addressLines.map((l) => `<addressLine${attr('keyName', l.keyName)}${attr('keyValue', l.keyValue)}>${esc(l.value)}</addressLine>`).join('');
  return `<address${attr('xml:lang', a.lang)}${attr('useType', a.useType)}${attr('sortCode', a.sortCode)}${attr('tModelKey', a.tModelKey)}>${lines}</address>`;
}

function contact(c: Contact): string {
  return `<contact${attr('useType', c.useType)}>${localized('description', c.descriptions)}${localized('personName', c.personNames)}${c.phones.map((p) => typed('phone', p)).join('')}${c.emails.map((e) => typed('email', e)).join('')}${c.addresses.map(address).join('')}</contact>`;
}

export function businessEntity(e: BusinessEntity): string {
  const urls = e.discoveryURLs.length ? `<discoveryURLs>${e.discoveryURLs.map((u) => typed('discoveryURL', u)).join('')}</discoveryURLs>` : '';
  const contacts = e.contacts.length ? `<contacts>${e.contacts.map(contact).join('')}</contacts>` : '';
  const services = e.businessServices.length ? `<businessServices>${e.businessServices.map(businessService).join('')}</businessServices>` : '';
  return `<businessEntity${attr('businessKey', e.businessKey)}>${urls}${localized('name', e.names)}${localized('description', e.descriptions)}${contacts}${services}${identifierBag(e.identifierBag)}${categoryBag(e.categoryBag)}</businessEntity>`;
}

export function tModel(t: TModel): string {
  return `<tModel${attr('tModelKey', t.tModelKey)}${t.deleted ? ' deleted="true"' : ''}>${localized('name', [t.name])}${localized('description', t.descriptions)}${t.overviewDocs.map(overviewDoc).join('')}${identifierBag(t.identifierBag)}${categoryBag(t.categoryBag)}</tModel>`;
}

// ------------------------------------------------------------------------ replies

function root(element: string, content: string, truncated = false): string {
  return `<${element} xmlns="${UDDI_NS}"${truncated ? ' truncated="true"' : ''}>${content}</${element}>`;
}

function listDescription(d: ListDescription): string {
  return `<listDescription><includeCount>${d.includeCount}</includeCount><actualCount>${d.actualCount}</actualCount><listHead>${d.listHead}</listHead></listDescription>`;
}

function serviceInfo(s: ServiceInfo): string {
  return `<serviceInfo${attr('serviceKey', s.serviceKey)}${attr('businessKey', s.businessKey)}>${localized('name', s.names)}</serviceInfo>`;
}

function businessInfo(b: BusinessInfo): string {
  const services = b.serviceInfos.length ? `<serviceInfos>${b.serviceInfos.map(serviceInfo).join('')}</serviceInfos>` : '';
  return `<businessInfo${attr('businessKey', b.businessKey)}>${localized('name', b.names)}${localized('description', b.descriptions)}${services}</businessInfo>`;
}

function tModelInfo(t: TModelInfo): string {
  return `<tModelInfo${attr('tModelKey', t.tModelKey)}>${localized('name', [t.name])}${localized('description', t.descriptions)}</tModelInfo>`;
}

function wrapped(element: string, items: string[]): string {
  return items.length ? `<${element}>${items.join('')}</${element}>` : '';
}

export function businessList(r: ListResult<BusinessInfo>): string {
  return root('businessList', listDescription(r.listDescription) + wrapped('businessInfos', r.items.map(businessInfo)), r.truncated);
}

export function serviceList(r: ListResult<ServiceInfo>): string {
  return root('serviceList', listDescription(r.listDescription) + wrapped('serviceInfos', r.items.map(serviceInfo)), r.truncated);
}

/** find_binding's reply: a bindingDetail with a listDescription. */
export function bindingList(r: ListResult<BindingTemplate>): string {
  return root('bindingDetail', listDescription(r.listDescription) + r.items.map(bindingTemplate).join(''), r.truncated);
}

export function tModelList(r: ListResult<TModelInfo>): string {
  return root('tModelList', listDescription(r.listDescription) + wrapped('tModelInfos', r.items.map(tModelInfo)), r.truncated);
}

export function businessDetail(items: readonly BusinessEntity[]): string {
  return root('businessDetail', items.map(businessEntity).join(''));
}

export function serviceDetail(items: readonly BusinessService[]): string {
  return root('serviceDetail', items.map(businessService).join(''));
}

export function bindingDetail(items: readonly BindingTemplate[]): string {
  return root('bindingDetail', items.map(bindingTemplate).join(''));
}

export function tModelDetail(items: readonly TModel[]): string {
  return root('tModelDetail', items.map(tModel).join(''));
}

export function operationalInfos(items: readonly OperationalInfo[]): string {
  return root('operationalInfos', items.map((o) => `<operationalInfo${attr('entityKey', o.entityKey)}><created>${o.created.toISOString()}</created><modified>${o.modified.toISOString()}</modified><modifiedIncludingChildren>${o.modifiedIncludingChildren.toISOString()}</modifiedIncludingChildren><nodeID>${esc(o.nodeID)}</nodeID><authorizedName>${esc(o.authorizedName)}</authorizedName></operationalInfo>`).join(''));
}

export function registeredInfo(r: RegisteredInfo): string {
  return root('registeredInfo', wrapped('businessInfos', r.businessInfos.map(businessInfo)) + wrapped('tModelInfos', r.tModelInfos.map(tModelInfo)));
}

export function authToken(token: string): string {
  return root('authToken', `<authInfo>${esc(token)}</authInfo>`);
}

/** The detail of every UDDI fault (UDDI v3 §4.8). */
export function dispositionReport(error: UddiError): string {
  return root('dispositionReport', `<result errno="${error.errno}"${attr('keyType', error.keyType)}><errInfo errCode="${esc(error.errorCode)}">${esc(error.message)}</errInfo></result>`);
}

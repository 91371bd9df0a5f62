import type { DefinitionRecord } from '../engine';
import type { BindingTemplate, BusinessEntity, BusinessService, KeyedReference, TModel } from '../registry';
import { certificateGroup, type PublishedCertificate } from './certificate';
import {
  CATEGORIZATION_TYPES,
  CATEGORY_NAMES,
  HTTP_TRANSPORT,
  keySegment,
  PORTTYPE_REFERENCE,
  PROTOCOL_CATEGORY,
  SOAP_PROTOCOL,
  TRANSPORT_CATEGORY,
  WSDL_TYPES,
  XML_LOCALNAME,
  XML_NAMESPACE,
  type CategoryName,
  type FederationKeys,
} from './federation-keys';
import { withLease } from './lease';

/**
 * The mapping of one department engine onto UDDI (docs/registry.md): the department is a
 * businessEntity, each service it offers a businessService, this engine's endpoint of it a
 * bindingTemplate, each WSDL portType and SOAP 1.1 binding a tModel (OASIS "Using WSDL in a UDDI
 * Registry" v2). Pure functions of what the engine offers, so the CLI, self-registration and the
 * tests build the same entries.
 */

export const SERVICE_TYPES = { processService: 'ProcessService', factory: 'wfxml-factory', observer: 'wfxml-observer' } as const;

export interface WsdlDescription {
  /** The WSDL's targetNamespace. */
  namespace: string;
  /** Local names in that WSDL. */
  service: string;
  portType: string;
  /** The SOAP 1.1 binding and its port: the contract clients generate against (WS-I BP 1.1). */
  binding: string;
  port: string;
}

/** One service a department offers at one path of its engine. */
export interface OfferedService {
  /** Unique within the department and usable in a key: process-service, observer, factory:<process>. */
  id: string;
  /** The interflow:service-type value binders ask for: ProcessService, wfxml-factory, wfxml-observer, … */
  type: string;
  name: string;
  description?: string;
  /** Appended to the engine's public URL. */
  path: string;
  processId?: string;
  /** interflow:capability values: <processId>/<activityId> of activities this department performs. */
  capabilities?: string[];
  wsdl: WsdlDescription;
}

export interface DepartmentDescription {
  code: string;
  name?: string;
  /** This engine's address as other engines reach it. */
  publicUrl: string;
  /** This replica's name: its bindings' keys end with it. */
  engineId: string;
  services: OfferedService[];
  certificate?: PublishedCertificate;
  /** Absent: bindings without a lease (a one-off publication). */
  leaseUntil?: Date;
}

export interface DepartmentEntries {
  business: BusinessEntity;
  /** The key generator (first: it claims the partition the others live in) and the WSDL tModels. */
  tModels: TModel[];
  /** This engine's bindings, also inside `business`. */
  bindings: BindingTemplate[];
  /** Values left out, and why. */
  warnings: string[];
}

const PROCESS_SERVICE_WSDL: WsdlDescription = { namespace: 'urn:interflow:process-service:1', service: 'ProcessService', portType: 'ProcessServicePortType', binding: 'ProcessServiceSoap11', port: 'ProcessServiceSoap11Port' };
const FACTORY_WSDL: WsdlDescription = { namespace: 'urn:interflow:wfxml:2.0:factory', service: 'WfXmlFactory', portType: 'WfXmlFactoryPortType', binding: 'WfXmlFactorySoap11Binding', port: 'WfXmlFactorySoap11' };
const OBSERVER_WSDL: WsdlDescription = { namespace: 'urn:interflow:wfxml:2.0:observer', service: 'WfXmlObserver', portType: 'WfXmlObserverPortType', binding: 'WfXmlObserverSoap11Binding', port: 'WfXmlObserverSoap11' };

const KEY_VALUE_MAX = 255;

/**
 * The cross-department TransferService (docs/transfer-design.md), for engines that mount it: pass
 * it to self-registration as an extra service; binders ask for service type "transfer-service".
 */
export const TRANSFER_SERVICE_OFFERING: OfferedService = {
  id: 'transfer-service',
  type: 'transfer-service',
  name: 'TransferService',
  description: 'Signed hand-overs and results between departments',
  path: '/services/TransferService',
  wsdl: { namespace: 'urn:interflow:transfer:1:wsdl', service: 'TransferService', portType: 'TransferPortType', binding: 'TransferSoap11Binding', port: 'TransferSoap11Port' },
};

/**
 * What a department engine offers: its ProcessService, its Wf-XML Observer, and a Wf-XML Factory
 * per deployed process, whose capabilities are the activities of any deployed version that name
 * this department as their performer.
 */
export function offeredServices(definitions: readonly DefinitionRecord[], department: string): OfferedService[] {
  const services: OfferedService[] = [
    { id: 'process-service', type: SERVICE_TYPES.processService, name: 'ProcessService', description: 'Start, inspect and work cases (legacy systems)', path: '/services/ProcessService', wsdl: PROCESS_SERVICE_WSDL },
    { id: 'observer', type: SERVICE_TYPES.observer, name: 'Wf-XML Observer', description: 'Wf-XML 2.0 observer: remote instances report here', path: '/wfxml/observer', wsdl: OBSERVER_WSDL },
  ];
  const byProcess = new Map<string, { name?: string; capabilities: Set<string> }>();
  for (const record of definitions) {
    const entry = byProcess.get(record.processId) ?? { name: record.name, capabilities: new Set<string>() };
    for (const activity of record.definition.activities) {
      if (activity.department !== undefined && sameDepartment(activity.department, department)) entry.capabilities.add(`${record.processId}/${activity.id}`);
    }
    byProcess.set(record.processId, entry);
  }
  for (const [processId, entry] of [...byProcess].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    services.push({
      id: `factory:${keySegment(processId)}`,
      type: SERVICE_TYPES.factory,
      name: `Wf-XML Factory ${entry.name ?? processId}`.slice(0, 255),
      description: `Creates instances of process ${processId}`.slice(0, 255),
      path: `/wfxml/factory/${encodeURIComponent(processId)}`,
      processId,
      capabilities: [...entry.capabilities].sort(),
      wsdl: FACTORY_WSDL,
    });
  }
  return services;
}

/** Department codes compare without case: keys fold case, and people write PLAN and plan alike. */
export function sameDepartment(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export function departmentEntries(keys: FederationKeys, d: DepartmentDescription): DepartmentEntries {
  const warnings: string[] = [];
  const base = d.publicUrl.replace(/\/+$/, '');
  const businessKey = keys.department(d.code);
  const tModels: TModel[] = [keyGeneratorTModel(keys, d.code)];
  const bindings: BindingTemplate[] = [];
  const services: BusinessService[] = d.services.map((s) => {
    const accessPoint = base + s.path;
    const wsdlUrl = `${accessPoint}?wsdl`;
    const portTypeKey = keys.wsdlTModel(d.code, s.id, 'porttype');
    const bindingTModelKey = keys.wsdlTModel(d.code, s.id, 'binding');
    tModels.push(portTypeTModel(portTypeKey, s, wsdlUrl), bindingTModel(bindingTModelKey, portTypeKey, s, wsdlUrl));
    const binding = withLease({
      bindingKey: keys.binding(d.code, s.id, d.engineId),
      serviceKey: keys.service(d.code, s.id),
      descriptions: [{ value: `${d.engineId} of ${d.code}: SOAP 1.1 (and 1.2) at ${accessPoint}`.slice(0, 255), lang: 'en' }],
      accessPoint: { value: accessPoint, useType: 'endPoint' },
      tModelInstanceDetails: [
        { tModelKey: bindingTModelKey, descriptions: [], instanceDetails: { descriptions: [], overviewDocs: [{ descriptions: [], overviewURL: { value: wsdlUrl, useType: 'wsdlInterface' } }], instanceParms: s.wsdl.port } },
        { tModelKey: portTypeKey, descriptions: [] },
      ],
    }, keys, d.leaseUntil);
    bindings.push(binding);
    const refs: KeyedReference[] = [ref(keys, 'service-type', s.type, 'service type')];
    if (s.processId !== undefined) refs.push(...limited([ref(keys, 'process-id', s.processId, 'process')], warnings, s));
    refs.push(...limited((s.capabilities ?? []).map((c) => ref(keys, 'capability', c, 'activity')), warnings, s));
    refs.push({ tModelKey: WSDL_TYPES, keyValue: 'service' }, { tModelKey: XML_LOCALNAME, keyValue: s.wsdl.service }, { tModelKey: XML_NAMESPACE, keyValue: s.wsdl.namespace });
    return {
      serviceKey: keys.service(d.code, s.id),
      businessKey,
      names: [{ value: s.name, lang: 'en' }],
      descriptions: s.description ? [{ value: s.description, lang: 'en' }] : [],
      bindingTemplates: [binding],
      categoryBag: { keyedReferences: refs, keyedReferenceGroups: [] },
    };
  });
  const business: BusinessEntity = {
    businessKey,
    discoveryURLs: [],
    names: [{ value: (d.name?.trim() || d.code).slice(0, 255) }],
    descriptions: [{ value: `Interflow workflow engine of department ${d.code}`.slice(0, 255), lang: 'en' }],
    contacts: [],
    businessServices: services,
    identifierBag: [],
    categoryBag: {
      keyedReferences: [ref(keys, 'department', d.code, 'department')],
      keyedReferenceGroups: d.certificate ? [certificateGroup(keys, d.certificate)] : [],
    },
  };
  return { business, tModels, bindings, warnings };
}

/**
 * What the hub owns and creates at start-up (startRegistryHub): the key generators of the
 * federation's root, dept and shared partitions, and the categorisation systems every department
 * uses. No department may save or delete them.
 */
export function hubTModels(keys: FederationKeys): TModel[] {
  const g = keys.hubKeyGenerators();
  const generator = (tModelKey: string, what: string): TModel => ({
    tModelKey,
    name: { value: `Interflow federation ${keys.domain}: ${what} key generator`.slice(0, 255) },
    descriptions: [{ value: `Held by the registry hub so no publisher can claim the partition ${tModelKey.slice(0, -':keygenerator'.length)}`.slice(0, 255), lang: 'en' }],
    overviewDocs: [],
    identifierBag: [],
    categoryBag: { keyedReferences: [{ tModelKey: CATEGORIZATION_TYPES, keyValue: 'keyGenerator' }], keyedReferenceGroups: [] },
  });
  return [generator(g.root, 'root'), generator(g.departments, 'departments'), generator(g.shared, 'shared tModels'), ...categorisationTModels(keys)];
}

/** The categorisation systems every department's entries refer to; the hub creates them. */
export function categorisationTModels(keys: FederationKeys): TModel[] {
  const described: Record<CategoryName, string> = {
    department: 'Interflow department code of a businessEntity',
    capability: 'Cross-department activity a department performs: <processId>/<activityId>',
    'process-id': 'Process definition id a Wf-XML factory creates instances of',
    'service-type': 'Kind of Interflow service: ProcessService, wfxml-factory, wfxml-observer, …',
    'lease-until': 'Time until which the engine behind a bindingTemplate promises to be alive (ISO 8601)',
    certificate: 'X.509 signing certificate of a department: sha256 fingerprint and base64 DER chunks part-NNN',
  };
  return CATEGORY_NAMES.map((name) => ({
    tModelKey: keys.category(name),
    name: { value: `interflow:${name}` },
    descriptions: [{ value: described[name], lang: 'en' }],
    overviewDocs: [],
    identifierBag: [],
    categoryBag: {
      keyedReferences: [
        { tModelKey: CATEGORIZATION_TYPES, keyValue: name === 'certificate' ? 'categorizationGroup' : 'categorization' },
        { tModelKey: CATEGORIZATION_TYPES, keyValue: 'unchecked' },
      ],
      keyedReferenceGroups: [],
    },
  }));
}

function keyGeneratorTModel(keys: FederationKeys, code: string): TModel {
  return {
    tModelKey: keys.keyGenerator(code),
    name: { value: `Interflow department ${code} key generator`.slice(0, 255) },
    descriptions: [{ value: `Claims the key partition ${keys.department(code)}: for the department's services, bindings and WSDL tModels`.slice(0, 255), lang: 'en' }],
    overviewDocs: [],
    identifierBag: [],
    categoryBag: { keyedReferences: [{ tModelKey: CATEGORIZATION_TYPES, keyValue: 'keyGenerator' }], keyedReferenceGroups: [] },
  };
}

function portTypeTModel(key: string, s: OfferedService, wsdlUrl: string): TModel {
  return {
    tModelKey: key,
    name: { value: s.wsdl.portType },
    descriptions: [{ value: `WSDL portType of ${s.name}`.slice(0, 255), lang: 'en' }],
    overviewDocs: [{ descriptions: [], overviewURL: { value: wsdlUrl, useType: 'wsdlInterface' } }],
    identifierBag: [],
    categoryBag: { keyedReferences: [{ tModelKey: WSDL_TYPES, keyValue: 'portType' }, { tModelKey: XML_NAMESPACE, keyValue: s.wsdl.namespace }], keyedReferenceGroups: [] },
  };
}

function bindingTModel(key: string, portTypeKey: string, s: OfferedService, wsdlUrl: string): TModel {
  return {
    tModelKey: key,
    name: { value: s.wsdl.binding },
    descriptions: [{ value: `WSDL SOAP 1.1 binding of ${s.name}`.slice(0, 255), lang: 'en' }],
    overviewDocs: [{ descriptions: [], overviewURL: { value: wsdlUrl, useType: 'wsdlInterface' } }],
    identifierBag: [],
    categoryBag: {
      keyedReferences: [
        { tModelKey: WSDL_TYPES, keyValue: 'binding' },
        { tModelKey: XML_NAMESPACE, keyValue: s.wsdl.namespace },
        { tModelKey: PORTTYPE_REFERENCE, keyValue: portTypeKey },
        { tModelKey: PROTOCOL_CATEGORY, keyValue: SOAP_PROTOCOL },
        { tModelKey: TRANSPORT_CATEGORY, keyValue: HTTP_TRANSPORT },
      ],
      keyedReferenceGroups: [],
    },
  };
}

function ref(keys: FederationKeys, name: CategoryName, keyValue: string, keyName: string): KeyedReference {
  return { tModelKey: keys.category(name), keyName, keyValue };
}

/** keyValues stop at 255 characters: a longer id cannot be published, and saying so beats truncating it. */
function limited(refs: KeyedReference[], warnings: string[], s: OfferedService): KeyedReference[] {
  return refs.filter((r) => {
    if ([...r.keyValue].length <= KEY_VALUE_MAX) return true;
    warnings.push(`${s.name}: ${r.keyName} "${r.keyValue.slice(0, 40)}…" is longer than ${KEY_VALUE_MAX} characters and was not published`);
    return false;
  });
}

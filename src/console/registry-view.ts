import { X509Certificate } from 'node:crypto';
import type { BindingTemplate, BusinessEntity, BusinessInfo, FindBusinessRequest, KeyedReference, ListResult } from '../registry';
import type { DefinitionRecord } from '../engine';

/**
 * What the console reads from a registry: a local RegistryStore fits, and so does an inquiry
 * client of a remote UDDI node with the same three calls.
 */
export interface ConsoleRegistry {
  findBusiness(request: FindBusinessRequest): Promise<ListResult<BusinessInfo>>;
  getBusinessDetail(businessKeys: readonly string[]): Promise<BusinessEntity[]>;
  getBindingDetail(bindingKeys: readonly string[]): Promise<BindingTemplate[]>;
}

// docs/registry.md, "How Interflow maps onto UDDI"
export const TM_DEPARTMENT_CODE = 'uddi:interflow.org:department-code';
export const TM_CERT_SHA256 = 'uddi:interflow.org:x509:sha256';
export const TM_CAPABILITY = 'uddi:interflow.org:capability';
export const TM_PROCESS_ID = 'uddi:interflow.org:process-id';
export const TM_SIGNING_CERT = 'uddi:interflow.org:x509:signing-certificate';
export const TM_LEASE = 'uddi:interflow.org:lease';
export const TM_HEALTH = 'uddi:interflow.org:health';

export interface CertificateView {
  fingerprint: string;
  subject?: string;
  validTo?: string;
  /** Set when the PEM could not be read: the fingerprint is then the one the business lists. */
  problem?: string;
}

export interface BindingView {
  bindingKey: string;
  description?: string;
  accessPoint?: string;
  useType?: string;
  wsdlUrl?: string;
  lease?: string;
  leaseExpired?: boolean;
  health?: string;
  certificates: CertificateView[];
  /** Every other categoryBag reference, as published. */
  marks: Array<{ tModelKey: string; keyName?: string; keyValue: string }>;
}

export interface ServiceView {
  serviceKey: string;
  name: string;
  description?: string;
  processIds: string[];
  capabilities: string[];
  bindings: BindingView[];
}

export interface DepartmentView {
  /** The department code processes name (ORGANIZATIONAL_UNIT participants, INTERFLOW_DEPARTMENT). */
  code?: string;
  name: string;
  description?: string;
  businessKey?: string;
  registered: boolean;
  /** Named by a deployed definition. */
  inDefinitions: boolean;
  capabilities: string[];
  certificateFingerprints: string[];
  services: ServiceView[];
  /** From the definitions: the activities this department performs, by process. */
  performs: Array<{ processId: string; processName?: string; activities: Array<{ id: string; name?: string }> }>;
}

export interface RegistryPage {
  configured: boolean;
  /** Why the registry part is missing or partial (not configured, unreachable, truncated). */
  note?: string;
  departments: DepartmentView[];
}

const MAX_BUSINESSES = 500;

/** Departments named by definitions: their code, display name, and what they perform. */
export function departmentsOfDefinitions(latest: readonly DefinitionRecord[]): Map<string, DepartmentView> {
  const out = new Map<string, DepartmentView>();
  const get = (code: string): DepartmentView => {
    let d = out.get(code);
    if (!d) {
      d = { code, name: code, registered: false, inDefinitions: true, capabilities: [], certificateFingerprints: [], services: [], performs: [] };
      out.set(code, d);
    }
    return d;
  };
  for (const rec of latest) {
    const def = rec.definition;
    for (const p of def.participants) {
      if (p.type !== 'ORGANIZATIONAL_UNIT') continue;
      const d = get(p.department ?? p.id);
      if (p.name && d.name === d.code) d.name = p.name;
    }
    for (const a of def.activities) {
      if (!a.department) continue;
      const d = get(a.department);
      let entry = d.performs.find((x) => x.processId === def.id);
      if (!entry) {
        entry = { processId: def.id, ...(def.name ? { processName: def.name } : {}), activities: [] };
        d.performs.push(entry);
      }
      entry.activities.push({ id: a.id, ...(a.name ? { name: a.name } : {}) });
    }
  }
  return out;
}

export async function registryPage(registry: ConsoleRegistry | undefined, latest: readonly DefinitionRecord[], now: Date): Promise<RegistryPage> {
  const fromDefinitions = departmentsOfDefinitions(latest);
  if (!registry) {
    return {
      configured: false,
      note: 'The departments below are the ones the process definitions of this engine name.',
      departments: sortDepartments([...fromDefinitions.values()]),
    };
  }
  let note: string | undefined;
  let entities: BusinessEntity[] = [];
  try {
    const list = await registry.findBusiness({ maxRows: MAX_BUSINESSES, findQualifiers: ['sortByNameAsc'] });
    if (list.truncated) note = `The registry holds more than ${MAX_BUSINESSES} businesses; the first ${MAX_BUSINESSES} by name are shown.`;
    const keys = list.items.map((b) => b.businessKey);
    for (let i = 0; i < keys.length; i += 100) entities.push(...(await registry.getBusinessDetail(keys.slice(i, i + 100))));
  } catch (e) {
    note = `The registry could not be read (${(e as Error).message}); the departments below are the ones the process definitions name.`;
    entities = [];
  }
  const departments: DepartmentView[] = [];
  for (const b of entities) {
    const code = refValues(b.identifierBag, TM_DEPARTMENT_CODE)[0];
    const fromDefs = code ? fromDefinitions.get(code) : undefined;
    if (code) fromDefinitions.delete(code);
    departments.push({
      ...(code ? { code } : {}),
      name: b.names[0]?.value ?? code ?? b.businessKey ?? '?',
      ...(b.descriptions[0] ? { description: b.descriptions[0].value } : {}),
      ...(b.businessKey ? { businessKey: b.businessKey } : {}),
      registered: true,
      inDefinitions: fromDefs !== undefined,
      capabilities: refValues(b.categoryBag?.keyedReferences ?? [], TM_CAPABILITY),
      certificateFingerprints: refValues(b.identifierBag, TM_CERT_SHA256),
      services: b.businessServices.map((s) => ({
        serviceKey: s.serviceKey ?? '',
        name: s.names[0]?.value ?? s.serviceKey ?? '?',
        ...(s.descriptions[0] ? { description: s.descriptions[0].value } : {}),
        processIds: refValues(s.categoryBag?.keyedReferences ?? [], TM_PROCESS_ID),
        capabilities: refValues(s.categoryBag?.keyedReferences ?? [], TM_CAPABILITY),
        bindings: s.bindingTemplates.map((t) => bindingView(t, now)),
      })),
      performs: fromDefs?.performs ?? [],
    });
  }
  const unregistered = [...fromDefinitions.values()];
  if (unregistered.length && !note) note = `Named by definitions but not registered: ${unregistered.map((d) => d.code).join(', ')}.`;
  return { configured: true, ...(note ? { note } : {}), departments: [...sortDepartments(departments), ...sortDepartments(unregistered)] };
}

export function bindingView(t: BindingTemplate, now: Date): BindingView {
  const refs = t.categoryBag?.keyedReferences ?? [];
  const lease = refValues(refs, TM_LEASE)[0];
  const health = refValues(refs, TM_HEALTH)[0];
  const certificates: CertificateView[] = [];
  let wsdlUrl: string | undefined;
  for (const info of t.tModelInstanceDetails) {
    const parms = info.instanceDetails?.instanceParms;
    if (info.tModelKey === TM_SIGNING_CERT && parms) certificates.push(certificateView(parms));
    for (const doc of info.instanceDetails?.overviewDocs ?? []) if (!wsdlUrl && doc.overviewURL?.value && /wsdl/i.test(doc.overviewURL.useType ?? doc.overviewURL.value)) wsdlUrl = doc.overviewURL.value;
  }
  const access = t.accessPoint;
  if (!wsdlUrl && access && /^https?:\/\//i.test(access.value) && (access.useType ?? 'endPoint') === 'endPoint') wsdlUrl = `${access.value.replace(/\?.*$/, '')}?wsdl`;
  const leaseTime = lease ? Date.parse(lease) : NaN;
  return {
    bindingKey: t.bindingKey ?? '',
    ...(t.descriptions[0] ? { description: t.descriptions[0].value } : {}),
    ...(access ? { accessPoint: access.value, ...(access.useType ? { useType: access.useType } : {}) } : {}),
    ...(wsdlUrl ? { wsdlUrl } : {}),
    ...(lease ? { lease, ...(Number.isNaN(leaseTime) ? {} : { leaseExpired: leaseTime < now.getTime() }) } : {}),
    ...(health ? { health } : {}),
    certificates,
    marks: refs.filter((r) => r.tModelKey !== TM_LEASE && r.tModelKey !== TM_HEALTH).map((r) => ({ tModelKey: r.tModelKey, ...(r.keyName ? { keyName: r.keyName } : {}), keyValue: r.keyValue })),
  };
}

function certificateView(pem: string): CertificateView {
  try {
    const cert = new X509Certificate(pem);
    return { fingerprint: cert.fingerprint256.replace(/:/g, '').toLowerCase(), subject: cert.subject.replace(/\n/g, ', '), validTo: new Date(cert.validTo).toISOString() };
  } catch (e) {
    return { fingerprint: '', problem: `the published certificate cannot be read (${(e as Error).message})` };
  }
}

function refValues(refs: readonly KeyedReference[], tModelKey: string): string[] {
  return refs.filter((r) => r.tModelKey.toLowerCase() === tModelKey).map((r) => r.keyValue);
}

function sortDepartments(list: DepartmentView[]): DepartmentView[] {
  return list.sort((a, b) => (a.code ?? a.name).localeCompare(b.code ?? b.name));
}

import type { BindingTemplate, BusinessEntity, BusinessInfo, FindBusinessRequest, ListResult } from '../registry';
import type { DefinitionRecord } from '../engine';
import { FederationKeys, leaseOf, readCertificates } from '../binding';
import { departmentCodeOf, viewOf } from '../binding';

/**
 * What the console reads from a registry: a local RegistryStore fits, and so does an inquiry
 * client of a remote UDDI node with the same three calls.
 */
export interface ConsoleRegistry {
  findBusiness(request: FindBusinessRequest): Promise<ListResult<BusinessInfo>>;
  getBusinessDetail(businessKeys: readonly string[]): Promise<BusinessEntity[]>;
  getBindingDetail(bindingKeys: readonly string[]): Promise<BindingTemplate[]>;
}

export interface CertificateView {
  fingerprint: string;
  subject?: string;
  validTo?: string;
  /** Set when the published certificate cannot be read back (a fingerprint mismatch, say). */
  problem?: string;
}

export interface BindingView {
  bindingKey: string;
  description?: string;
  accessPoint?: string;
  useType?: string;
  wsdlUrl?: string;
  /** Until when the engine behind it promised to be alive (self-registration renews it). */
  lease?: string;
  leaseExpired?: boolean;
  /** Every other categoryBag reference, as published. */
  marks: Array<{ tModelKey: string; keyName?: string; keyValue: string }>;
}

export interface ServiceView {
  serviceKey: string;
  name: string;
  description?: string;
  /** ProcessService, wfxml-factory, transfer… as self-registration names it. */
  type?: string;
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
  /** The signing certificates the department publishes (two during a key rollover). */
  certificates: CertificateView[];
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
      d = { code, name: code, registered: false, inDefinitions: true, capabilities: [], certificates: [], services: [], performs: [] };
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

export async function registryPage(registry: ConsoleRegistry | undefined, latest: readonly DefinitionRecord[], now: Date, keys: FederationKeys = new FederationKeys()): Promise<RegistryPage> {
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
    // Every business, as `interflow registry list` reads them (src/binding).
    const list = await registry.findBusiness({ names: [{ value: '%' }], findQualifiers: ['approximateMatch', 'sortByNameAsc'], maxRows: MAX_BUSINESSES });
    if (list.truncated) note = `The registry holds more than ${MAX_BUSINESSES} businesses; the first ${MAX_BUSINESSES} by name are shown.`;
    const businessKeys = list.items.map((b) => b.businessKey);
    for (let i = 0; i < businessKeys.length; i += 100) entities.push(...(await registry.getBusinessDetail(businessKeys.slice(i, i + 100))));
  } catch (e) {
    note = `The registry could not be read (${(e as Error).message}); the departments below are the ones the process definitions name.`;
    entities = [];
  }
  const departments: DepartmentView[] = [];
  for (const b of entities) {
    const code = departmentCodeOf(b, keys);
    const fromDefs = code ? fromDefinitions.get(code) : undefined;
    if (code) fromDefinitions.delete(code);
    const view = viewOf(b, code ?? '', keys);
    let certificates: CertificateView[];
    try {
      certificates = readCertificates(b, keys).map((c) => ({ fingerprint: c.fingerprint, subject: c.certificate.subject.replace(/\n/g, ', '), validTo: new Date(c.certificate.validTo).toISOString() }));
    } catch (e) {
      certificates = [{ fingerprint: '', problem: (e as Error).message }];
    }
    departments.push({
      ...(code ? { code } : {}),
      name: b.names[0]?.value ?? code ?? b.businessKey ?? '?',
      ...(b.descriptions[0] ? { description: b.descriptions[0].value } : {}),
      ...(b.businessKey ? { businessKey: b.businessKey } : {}),
      registered: true,
      inDefinitions: fromDefs !== undefined,
      capabilities: [...new Set(view.services.flatMap((s) => s.capabilities))],
      certificates,
      services: view.services.map((s, i) => ({
        serviceKey: s.serviceKey,
        name: s.name ?? b.businessServices[i]?.names[0]?.value ?? s.serviceKey,
        ...(b.businessServices[i]?.descriptions[0] ? { description: b.businessServices[i]!.descriptions[0]!.value } : {}),
        ...(s.type ? { type: s.type } : {}),
        processIds: s.processId ? [s.processId] : [],
        capabilities: s.capabilities,
        bindings: s.bindings.map((t) => bindingView(t, now, keys)),
      })),
      performs: fromDefs?.performs ?? [],
    });
  }
  const unregistered = [...fromDefinitions.values()];
  if (unregistered.length && !note) note = `Named by definitions but not registered: ${unregistered.map((d) => d.code).join(', ')}.`;
  return { configured: true, ...(note ? { note } : {}), departments: [...sortDepartments(departments), ...sortDepartments(unregistered)] };
}

export function bindingView(t: BindingTemplate, now: Date, keys: FederationKeys = new FederationKeys()): BindingView {
  const lease = leaseOf(t, keys);
  let wsdlUrl: string | undefined;
  for (const info of t.tModelInstanceDetails) {
    for (const doc of info.instanceDetails?.overviewDocs ?? []) if (!wsdlUrl && doc.overviewURL?.value) wsdlUrl = doc.overviewURL.value;
  }
  const access = t.accessPoint;
  // Every Interflow endpoint serves its contract at ?wsdl.
  if (!wsdlUrl && access && /^https?:\/\//i.test(access.value) && (access.useType ?? 'endPoint') === 'endPoint') wsdlUrl = `${access.value.replace(/\?.*$/, '')}?wsdl`;
  const leaseKey = keys.category('lease-until');
  return {
    bindingKey: t.bindingKey ?? '',
    ...(t.descriptions[0] ? { description: t.descriptions[0].value } : {}),
    ...(access ? { accessPoint: access.value, ...(access.useType ? { useType: access.useType } : {}) } : {}),
    ...(wsdlUrl ? { wsdlUrl } : {}),
    ...(lease ? { lease: lease.toISOString(), leaseExpired: lease.getTime() <= now.getTime() } : {}),
    marks: (t.categoryBag?.keyedReferences ?? []).filter((r) => r.tModelKey !== leaseKey).map((r) => ({ tModelKey: r.tModelKey, ...(r.keyName ? { keyName: r.keyName } : {}), keyValue: r.keyValue })),
  };
}

function sortDepartments(list: DepartmentView[]): DepartmentView[] {
  return list.sort((a, b) => (a.code ?? a.name).localeCompare(b.code ?? b.name));
}

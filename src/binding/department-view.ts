import type { BindingTemplate, BusinessEntity, BusinessService } from '../registry';
import type { PublishedCertificate } from './certificate';
import type { FederationKeys } from './federation-keys';
import { leaseOf } from './lease';

/**
 * A department as dynamic binding sees it: its businessEntity read once from the registry and
 * indexed by what binders ask for (service type, process, capability).
 */

export interface ServiceView {
  serviceKey: string;
  type?: string;
  name?: string;
  processId?: string;
  capabilities: string[];
  bindings: BindingTemplate[];
}

export interface DepartmentView {
  code: string;
  businessKey: string;
  name: string;
  business: BusinessEntity;
  services: ServiceView[];
  /** Read from the business on first use (certificateOf). */
  certificate?: PublishedCertificate | null;
}

/** One bindingTemplate's address and what it is the address of: what a call function receives. */
export interface Endpoint {
  /** The accessPoint: POST SOAP requests here. */
  url: string;
  bindingKey: string;
  serviceKey: string;
  businessKey: string;
  department: string;
  service?: string;
  processId?: string;
  /** The binding tModel's WSDL (overviewURL in the bindingTemplate's instanceDetails), when given. */
  wsdlUrl?: string;
  /** The binding tModel's key: one parsed WSDL serves every endpoint that implements it. */
  bindingTModelKey?: string;
  leaseUntil?: Date;
}

/** The department code the business carries, or undefined when it is not an Interflow department. */
export function departmentCodeOf(business: BusinessEntity, keys: FederationKeys): string | undefined {
  const key = keys.category('department');
  return business.categoryBag?.keyedReferences.find((r) => r.tModelKey === key)?.keyValue;
}

export function viewOf(business: BusinessEntity, code: string, keys: FederationKeys): DepartmentView {
  const value = (s: BusinessService, name: 'service-type' | 'process-id') => s.categoryBag?.keyedReferences.find((r) => r.tModelKey === keys.category(name))?.keyValue;
  const capabilityKey = keys.category('capability');
  return {
    code,
    businessKey: business.businessKey!,
    name: business.names[0]?.value ?? code,
    business,
    services: business.businessServices.map((s) => ({
      serviceKey: s.serviceKey!,
      type: value(s, 'service-type'),
      name: s.names[0]?.value,
      processId: value(s, 'process-id'),
      capabilities: s.categoryBag?.keyedReferences.filter((r) => r.tModelKey === capabilityKey).map((r) => r.keyValue) ?? [],
      bindings: s.bindingTemplates,
    })),
  };
}

export function endpointOf(binding: BindingTemplate, service: ServiceView, view: DepartmentView, keys: FederationKeys): Endpoint | undefined {
  // A hostingRedirector binding has no address of its own; Interflow never publishes one.
  if (!binding.accessPoint || !binding.bindingKey) return undefined;
  const withWsdl = binding.tModelInstanceDetails.find((t) => t.instanceDetails?.overviewDocs.some((d) => d.overviewURL));
  const lease = leaseOf(binding, keys);
  return {
    url: binding.accessPoint.value,
    bindingKey: binding.bindingKey,
    serviceKey: service.serviceKey,
    businessKey: view.businessKey,
    department: view.code,
    ...(service.type !== undefined ? { service: service.type } : {}),
    ...(service.processId !== undefined ? { processId: service.processId } : {}),
    ...(withWsdl ? { wsdlUrl: withWsdl.instanceDetails!.overviewDocs.find((d) => d.overviewURL)!.overviewURL!.value, bindingTModelKey: withWsdl.tModelKey } : {}),
    ...(lease ? { leaseUntil: lease } : {}),
  };
}

/** The view with one binding replaced (or removed): what the invocation pattern writes back. */
export function replaceBinding(view: DepartmentView, bindingKey: string, replacement: BindingTemplate | undefined): DepartmentView {
  return {
    ...view,
    services: view.services.map((s) => {
      if (!s.bindings.some((b) => b.bindingKey === bindingKey)) return s;
      const bindings = replacement ? s.bindings.map((b) => (b.bindingKey === bindingKey ? replacement : b)) : s.bindings.filter((b) => b.bindingKey !== bindingKey);
      return { ...s, bindings };
    }),
  };
}

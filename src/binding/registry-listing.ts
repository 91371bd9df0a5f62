import type { BusinessEntity } from '../registry';
import { readCertificates } from './certificate';
import { departmentCodeOf, viewOf } from './department-view';
import { FederationKeys } from './federation-keys';
import { leaseOf } from './lease';
import type { UddiInquiry } from './uddi-api';

/** What `interflow registry list` shows: every business with its services, bindings and their state. */

export interface ListedBinding {
  bindingKey: string;
  accessPoint?: string;
  lease: 'live' | 'expired' | 'none';
  leaseUntil?: string;
  /** Positive: seconds left; negative: seconds since it lapsed. */
  leaseSeconds?: number;
}

export interface ListedService {
  serviceKey: string;
  name: string;
  type?: string;
  processId?: string;
  capabilities: string[];
  bindings: ListedBinding[];
}

export interface ListedBusiness {
  businessKey: string;
  name: string;
  /** The Interflow department code, when the entry is a department's (and under its own key). */
  department?: string;
  certificates: Array<{ fingerprint: string; subject: string; validTo: string } | { error: string }>;
  services: ListedService[];
}

const PAGE = 1000;
const DETAIL_BATCH = 100;

/**
 * The federation keys a registry's department entries are under, for a reader that was not told
 * the domain (INTERFLOW_FEDERATION_DOMAIN unset): the domain of the uddi:<domain>:dept:<code> keys.
 * Without any, the default domain; with entries of several domains, an error asking to choose.
 */
export function inferFederationKeys(businessKeys: string[]): FederationKeys {
  const domains = [...new Set(businessKeys.map((k) => /^uddi:([^:]+):dept:[^:]+$/i.exec(k)?.[1]?.toLowerCase()).filter((d): d is string => !!d))].sort();
  if (domains.length > 1) throw new Error(`the registry holds departments of several federation domains (${domains.join(', ')}): set INTERFLOW_FEDERATION_DOMAIN to the one to list`);
  return domains.length ? new FederationKeys(domains[0]) : new FederationKeys();
}

export async function listRegistry(inquiry: UddiInquiry, keysOrInfer: FederationKeys | ((businessKeys: string[]) => FederationKeys), now: Date = new Date()): Promise<ListedBusiness[]> {
  const businessKeys: string[] = [];
  for (let listHead = 1; ; ) {
    const page = await inquiry.findBusiness({ names: [{ value: '%' }], findQualifiers: ['approximateMatch'], maxRows: PAGE, listHead });
    businessKeys.push(...page.items.map((b) => b.businessKey));
    if (!page.truncated || page.items.length === 0) break;
    listHead += page.items.length;
  }
  const keys = typeof keysOrInfer === 'function' ? keysOrInfer(businessKeys) : keysOrInfer;
  const businesses: BusinessEntity[] = [];
  for (let i = 0; i < businessKeys.length; i += DETAIL_BATCH) businesses.push(...(await inquiry.getBusinessDetail(businessKeys.slice(i, i + DETAIL_BATCH))));
  return businesses.map((b) => listed(b, keys, now));
}

function listed(business: BusinessEntity, keys: FederationKeys, now: Date): ListedBusiness {
  const code = departmentCodeOf(business, keys);
  const isDepartment = code !== undefined && keys.department(code) === business.businessKey;
  const view = viewOf(business, code ?? '', keys);
  let certificates: ListedBusiness['certificates'];
  try {
    certificates = readCertificates(business, keys).map((c) => ({ fingerprint: c.fingerprint, subject: c.certificate.subject.replace(/\n/g, ', '), validTo: c.certificate.validTo }));
  } catch (e) {
    certificates = [{ error: (e as Error).message }];
  }
  return {
    businessKey: business.businessKey!,
    name: business.names[0]?.value ?? '',
    ...(isDepartment ? { department: code } : {}),
    certificates,
    services: view.services.map((s, i) => ({
      serviceKey: s.serviceKey,
      name: s.name ?? business.businessServices[i].names[0]?.value ?? '',
      ...(s.type !== undefined ? { type: s.type } : {}),
      ...(s.processId !== undefined ? { processId: s.processId } : {}),
      capabilities: s.capabilities,
      bindings: s.bindings.map((b) => {
        const lease = leaseOf(b, keys);
        const seconds = lease ? Math.round((lease.getTime() - now.getTime()) / 1000) : undefined;
        return {
          bindingKey: b.bindingKey ?? '',
          ...(b.accessPoint ? { accessPoint: b.accessPoint.value } : {}),
          lease: !lease ? 'none' : lease.getTime() > now.getTime() ? 'live' : 'expired',
          ...(lease ? { leaseUntil: lease.toISOString(), leaseSeconds: seconds } : {}),
        };
      }),
    })),
  };
}

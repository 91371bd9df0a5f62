import { createHash } from 'node:crypto';

/**
 * The UDDI keys of Interflow's entries (docs/registry.md, "How Interflow maps onto UDDI"). Every
 * engine of a federation and the binders that look them up derive the same keys from the same
 * federation domain, so a department's entries have stable keys: re-registration replaces them
 * instead of adding copies, and a binder finds a department by its key without searching.
 *
 * The domain must differ from the registry node's own domain (INTERFLOW_UDDI_DOMAIN): the node
 * refuses proposed keys in its own partition.
 */

export const DEFAULT_FEDERATION_DOMAIN = 'interflow.org';

/** The categorisation systems Interflow defines, under uddi:<domain>:interflow:<name>. */
export const CATEGORY_NAMES = ['department', 'capability', 'process-id', 'service-type', 'lease-until', 'certificate'] as const;
export type CategoryName = (typeof CATEGORY_NAMES)[number];

/** The OASIS technical note's canonical tModels (UDDI v3 key forms). */
export const WSDL_TYPES = 'uddi:uddi.org:wsdl:types';
export const XML_NAMESPACE = 'uddi:uddi.org:xml:namespace';
export const XML_LOCALNAME = 'uddi:uddi.org:xml:localname';
export const PORTTYPE_REFERENCE = 'uddi:uddi.org:wsdl:porttypereference';
export const PROTOCOL_CATEGORY = 'uddi:uddi.org:wsdl:categorization:protocol';
export const TRANSPORT_CATEGORY = 'uddi:uddi.org:wsdl:categorization:transport';
export const SOAP_PROTOCOL = 'uddi:uddi.org:protocol:soap';
export const HTTP_TRANSPORT = 'uddi:uddi.org:transport:http';
export const CATEGORIZATION_TYPES = 'uddi:uddi.org:categorization:types';

export function federationDomainFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.INTERFLOW_FEDERATION_DOMAIN?.trim();
  if (!raw) return DEFAULT_FEDERATION_DOMAIN;
  const domain = raw.toLowerCase();
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/.test(domain) || domain.length > 60) {
    throw new Error(`INTERFLOW_FEDERATION_DOMAIN must be a DNS name such as gov.example, got "${raw}"`);
  }
  return domain;
}

/**
 * Key-specific strings are case-folded by the registry, may not hold whitespace, and a whole key
 * is at most 255 characters; ids that would lose information on the way (case, other characters,
 * length) keep a short hash of the original so two different ids never share a key.
 */
export function keySegment(id: string): string {
  const folded = id.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'x';
  if (folded === id) return folded;
  return `${folded}-${createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 8)}`;
}

export class FederationKeys {
  constructor(readonly domain: string = DEFAULT_FEDERATION_DOMAIN) {}

  category(name: CategoryName): string {
    return `uddi:${this.domain}:interflow:${name}`;
  }

  department(code: string): string {
    return `uddi:${this.domain}:dept:${keySegment(code)}`;
  }

  /** Claims the department's partition: service, binding and WSDL tModel keys live under it. */
  keyGenerator(code: string): string {
    return `${this.department(code)}:keygenerator`;
  }

  service(code: string, serviceId: string): string {
    return `${this.department(code)}:${serviceId}`;
  }

  /** One binding per service and engine replica: the key survives restarts and address changes. */
  binding(code: string, serviceId: string, engineId: string): string {
    return `${this.service(code, serviceId)}:${keySegment(engineId)}`;
  }

  wsdlTModel(code: string, serviceId: string, part: 'porttype' | 'binding'): string {
    return `${this.department(code)}:wsdl:${serviceId}:${part}`;
  }
}

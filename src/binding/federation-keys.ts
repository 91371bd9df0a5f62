import { DEFAULT_FEDERATION_DOMAIN, keySegment } from '../registry';

/**
 * The UDDI keys of Interflow's entries (docs/registry.md, "How Interflow maps onto UDDI"). Every
 * engine of a federation and the binders that look them up derive the same keys from the same
 * federation domain, so a department's entries have stable keys: re-registration replaces them
 * instead of adding copies, and a binder finds a department by its key without searching.
 *
 * The domain must differ from the registry node's own domain (INTERFLOW_UDDI_DOMAIN): the node
 * refuses proposed keys in its own partition.
 */

export { DEFAULT_FEDERATION_DOMAIN, federationDomainFromEnv, keySegment } from '../registry';

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

export class FederationKeys {
  constructor(readonly domain: string = DEFAULT_FEDERATION_DOMAIN) {}

  category(name: CategoryName): string {
    return `uddi:${this.domain}:interflow:${name}`;
  }

  department(code: string): string {
    return `uddi:${this.domain}:dept:${keySegment(code)}`;
  }

  /**
   * Key generators the hub owns (UDDI v3 §5.2.2): the domain's own, the one of the dept partition
   * above every department's, and the one of the shared interflow:* tModels. Owning them is what
   * keeps any publisher from claiming those partitions first.
   */
  hubKeyGenerators(): { root: string; departments: string; shared: string } {
    return {
      root: `uddi:${this.domain}:keygenerator`,
      departments: `uddi:${this.domain}:dept:keygenerator`,
      shared: `uddi:${this.domain}:interflow:keygenerator`,
    };
  }

  /** Names the department's partition for UDDI clients; the hub's partition rules are what guard it. */
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

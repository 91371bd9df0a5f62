import type { Binder, UddiInquiry } from '../binding';
import { departmentCodeOf } from '../binding';
import type { WfxmlEndpointOwners, WfxmlServiceType } from '../services/wfxml';

/**
 * Which registered department publishes a Wf-XML address: the registry's answer to "may this engine
 * call, or report to, that URL, and whose signature is due there". A key is a URL the engine will
 * POST to, so only addresses a department published under its own entry count; anything else would
 * let a caller point the engine anywhere (SSRF, data sent to a stranger).
 *
 * Departments come from a find_service on the service type (read by their own key, as the Binder
 * does, so a look-alike entry cannot speak for another department's code); their bindings come
 * through the Binder, with its cache and leases (a lapsed binding does not count).
 */
export class RegisteredEndpoints implements WfxmlEndpointOwners {
  private readonly offering = new Map<string, { codes: string[]; fetchedAt: number }>();

  constructor(
    private readonly o: {
      binder: Binder;
      /** Searched for the departments offering a service type; without it nothing is registered. */
      registry?: UddiInquiry;
      /** How long the list of departments offering a type is reused (default 30 s). */
      cacheTtlSeconds?: number;
    },
  ) {}

  async ownerOf(url: string, service: WfxmlServiceType): Promise<string | undefined> {
    for (const code of await this.departmentsOffering(service)) {
      if (await this.publishes(code, url, service)) return code;
    }
    return undefined;
  }

  async publishes(department: string, url: string, service: WfxmlServiceType): Promise<boolean> {
    const wanted = comparable(url);
    if (!wanted) return false;
    let endpoints;
    try {
      endpoints = await this.o.binder.resolve({ department, service });
    } catch (error) {
      if ((error as { code?: string }).code === 'UNKNOWN_DEPARTMENT') return false;
      throw error;
    }
    return endpoints.some((e) => {
      const published = comparable(e.url);
      if (!published || published.origin !== wanted.origin) return false;
      // An observer's correlated keys lie below its access point; a factory is called at its own.
      return service === 'wfxml-observer' ? wanted.path === published.path || wanted.path.startsWith(`${published.path}/`) : wanted.path === published.path;
    });
  }

  private async departmentsOffering(service: WfxmlServiceType): Promise<string[]> {
    const cached = this.offering.get(service);
    const ttlMs = (this.o.cacheTtlSeconds ?? 30) * 1000;
    if (cached && Date.now() - cached.fetchedAt < ttlMs) return cached.codes;
    const registry = this.o.registry;
    if (!registry) return [];
    const keys = this.o.binder.keys;
    const found = await registry.findService({
      categoryBag: { keyedReferences: [{ tModelKey: keys.category('service-type'), keyValue: service }], keyedReferenceGroups: [] },
      maxRows: 1000,
    });
    const businessKeys = [...new Set(found.items.map((s) => s.businessKey))];
    const codes: string[] = [];
    if (businessKeys.length) {
      for (const business of await registry.getBusinessDetail(businessKeys)) {
        const code = departmentCodeOf(business, keys);
        if (code && keys.department(code) === business.businessKey) codes.push(code);
      }
    }
    // An empty answer is not kept: a department registering a moment later must be found.
    if (codes.length) this.offering.set(service, { codes, fetchedAt: Date.now() });
    return codes;
  }
}

/**
 * Origin and path, as fetch will resolve them (dot segments removed, percent-encoded dots
 * included). A URL with credentials in it is never a registered address.
 */
function comparable(value: string): { origin: string; path: string } | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return undefined;
  // Compared as fetch sends it, not decoded: a decoded %2F would make a path look deeper than it is.
  return { origin: url.origin, path: url.pathname.replace(/\/+$/, '') };
}

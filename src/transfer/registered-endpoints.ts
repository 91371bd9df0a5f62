import type { Binder, UddiInquiry } from '../binding';
import { departmentCodeOf, viewOf } from '../binding';
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
 *
 * ownerOf asks only the departments that published something at the address's origin, found in
 * an index made from the same find_service answer; asking each department in turn cost ~4 µs per
 * registered department for every address nobody publishes (1.3 ms at 300, bench/growth). An
 * address the index does not know reads the registry again, at most every MISS_REFRESH_MS: a
 * department that moved a moment ago is found, and unknown addresses cannot make it read more.
 */
const MISS_REFRESH_MS = 5000;

interface Offering {
  codes: string[];
  /** Origin of every address a department published for the type → those departments, in registry order. */
  byOrigin: Map<string, string[]>;
  fetchedAt: number;
}

export class RegisteredEndpoints implements WfxmlEndpointOwners {
  private readonly offering = new Map<string, Offering>();
  /** Reads of the registry under way: concurrent callers share one. */
  private readonly reading = new Map<string, Promise<Offering>>();

  constructor(
    private readonly o: {
      binder: Binder;
      /** Searched for the departments offering a service type; without it nothing is registered. */
      registry?: UddiInquiry;
      /** How long the list of departments offering a type is reused (default 30 s). */
      cacheTtlSeconds?: number;
      /** How long after reading the list an unknown address makes it read again (default 5 s). */
      missRefreshMs?: number;
    },
  ) {}

  async ownerOf(url: string, service: WfxmlServiceType): Promise<string | undefined> {
    const wanted = comparable(url);
    if (!wanted) return undefined;
    let offering = await this.departmentsOffering(service);
    let owner = await this.ownerAmong(offering.byOrigin.get(wanted.origin), url, service);
    if (owner === undefined && Date.now() - offering.fetchedAt >= (this.o.missRefreshMs ?? MISS_REFRESH_MS)) {
      offering = await this.departmentsOffering(service, true);
      owner = await this.ownerAmong(offering.byOrigin.get(wanted.origin), url, service);
    }
    return owner;
  }

  /** The first of the candidates that publishes the address, as the Binder sees it now (leases). */
  private async ownerAmong(codes: readonly string[] | undefined, url: string, service: WfxmlServiceType): Promise<string | undefined> {
    for (const code of codes ?? []) {
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

  private async departmentsOffering(service: WfxmlServiceType, refresh = false): Promise<Offering> {
    const cached = this.offering.get(service);
    const ttlMs = (this.o.cacheTtlSeconds ?? 30) * 1000;
    if (cached && !refresh && Date.now() - cached.fetchedAt < ttlMs) return cached;
    const running = this.reading.get(service);
    if (running) return running;
    const read = this.readOffering(service).finally(() => this.reading.delete(service));
    this.reading.set(service, read);
    return read;
  }

  private async readOffering(service: WfxmlServiceType): Promise<Offering> {
    const registry = this.o.registry;
    const fetchedAt = Date.now();
    if (!registry) return { codes: [], byOrigin: new Map(), fetchedAt };
    const keys = this.o.binder.keys;
    const found = await registry.findService({
      categoryBag: { keyedReferences: [{ tModelKey: keys.category('service-type'), keyValue: service }], keyedReferenceGroups: [] },
      maxRows: 1000,
    });
    const businessKeys = [...new Set(found.items.map((s) => s.businessKey))];
    const codes: string[] = [];
    const byOrigin = new Map<string, string[]>();
    if (businessKeys.length) {
      for (const business of await registry.getBusinessDetail(businessKeys)) {
        const code = departmentCodeOf(business, keys);
        if (!code || keys.department(code) !== business.businessKey) continue;
        codes.push(code);
        for (const s of viewOf(business, code, keys).services) {
          if (s.type !== service) continue;
          for (const b of s.bindings) {
            const origin = b.accessPoint && comparable(b.accessPoint.value)?.origin;
            if (!origin) continue;
            const owners = byOrigin.get(origin) ?? [];
            if (!owners.includes(code)) byOrigin.set(origin, [...owners, code]);
          }
        }
      }
    }
    const offering = { codes, byOrigin, fetchedAt };
    // An empty answer is not kept: a department registering a moment later must be found.
    if (codes.length) this.offering.set(service, offering);
    return offering;
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

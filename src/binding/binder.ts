import pino, { type Logger } from 'pino';
import { UddiError, type BindingTemplate } from '../registry';
import { BindingError, type BindingAttempt } from './binding-error';
import { readCertificates, type PublishedCertificate } from './certificate';
import { SERVICE_TYPES, sameDepartment } from './department-entries';
import { departmentCodeOf, endpointOf, replaceBinding, viewOf, type DepartmentView, type Endpoint, type ServiceView } from './department-view';
import { failureReason, isEndpointFailure } from './endpoint-failure';
import { FederationKeys } from './federation-keys';
import { leaseExpired, leaseOf } from './lease';
import { RegistryUnavailableError } from './registry-client';
import type { UddiInquiry } from './uddi-api';

/**
 * Dynamic binding (issue 4): which endpoint performs a service for a department or a capability,
 * decided when a call is about to be made, from the registry, not from addresses in definitions.
 *
 * - Departments are read by their key (get_businessDetail of uddi:<domain>:dept:<code>), never by
 *   searching for a code: only the publisher that owns that key can speak for the department, which
 *   is what makes certificateOf a trust store lookup.
 * - Whole department entries are cached for a TTL; when the registry is unreachable a stale entry is
 *   used rather than nothing.
 * - invoke() follows the UDDI invocation pattern: call with the cached bindingTemplate; on a
 *   connection or HTTP-level failure, get_bindingDetail with the same bindingKey; if the accessPoint
 *   changed, retry there and replace the cached binding; otherwise mark the address down for a while
 *   and fail over to the service's next binding. Faults the service itself answers go straight back
 *   to the caller: another replica would answer the same.
 * - Bindings whose lease (interflow:lease-until) has passed are never chosen.
 */

export type ServiceType = 'ProcessService' | 'wfxml-factory' | 'wfxml-observer' | (string & {});

export interface BindingTarget {
  /** A department code (INTERFLOW_DEPARTMENT of its engine). */
  department?: string;
  /** <processId>/<activityId>: whoever performs that activity. */
  capability?: string;
  /** The interflow:service-type wanted. */
  service: ServiceType;
  /** For factories: the process whose factory is wanted. */
  processId?: string;
}

export interface BinderOptions {
  registry: UddiInquiry;
  keys?: FederationKeys;
  /** How long registry answers are used without asking again (INTERFLOW_BINDING_CACHE_TTL); default 30 s. */
  cacheTtlSeconds?: number;
  /** How long an endpoint that failed stays behind the others; default 30 s. */
  downSeconds?: number;
  /** After the registry failed, how long cached entries are used without trying it again; default 5 s. */
  registryRetrySeconds?: number;
  probeTimeoutMs?: number;
  log?: Logger;
  clock?: () => Date;
}

export interface BinderStats {
  registryCalls: number;
  cacheHits: number;
  moved: number;
  failovers: number;
}

interface Cached<T> {
  value: T;
  fetchedAt: number;
}

interface Candidates {
  live: Endpoint[];
  down: Endpoint[];
  expired: number;
  /** When the oldest entry used was read from the registry. */
  fetchedAt: number;
}

export const DEFAULT_CACHE_TTL_SECONDS = 30;

export class Binder {
  readonly keys: FederationKeys;
  readonly stats: BinderStats = { registryCalls: 0, cacheHits: 0, moved: 0, failovers: 0 };
  private readonly registry: UddiInquiry;
  private readonly ttlMs: number;
  private readonly downMs: number;
  private readonly registryRetryMs: number;
  private readonly probeTimeoutMs: number;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private readonly departments = new Map<string, Cached<DepartmentView>>();
  private readonly capabilities = new Map<string, Cached<string[]>>();
  private readonly pending = new Map<string, Promise<unknown>>();
  private readonly down = new Map<string, number>();
  private registryDownUntil = 0;

  constructor(options: BinderOptions) {
    this.registry = options.registry;
    this.keys = options.keys ?? new FederationKeys();
    this.ttlMs = (options.cacheTtlSeconds ?? DEFAULT_CACHE_TTL_SECONDS) * 1000;
    this.downMs = (options.downSeconds ?? 30) * 1000;
    this.registryRetryMs = (options.registryRetrySeconds ?? 5) * 1000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 2000;
    this.log = (options.log ?? pino({ level: 'silent' })).child({ component: 'binder' });
    this.clock = options.clock ?? (() => new Date());
  }

  // ------------------------------------------------------------------ public API

  /** Live endpoints for the target, in order of preference (registry order; failed ones left out). */
  async resolve(target: BindingTarget): Promise<Endpoint[]> {
    return (await this.candidates(target)).live;
  }

  /** The department's registry entry (cached), or BindingError UNKNOWN_DEPARTMENT. */
  async resolveDepartment(code: string): Promise<DepartmentView> {
    const id = departmentId(code);
    const cached = this.departments.get(id);
    if (cached && this.isFresh(cached)) {
      this.stats.cacheHits++;
      return cached.value;
    }
    if (this.registryResting()) {
      if (cached) return this.stale(cached, `department "${code}"`);
      throw this.unavailable(`department "${code}"`);
    }
    return this.once(`department:${id}`, () => this.fetchDepartment(code, cached));
  }

  /**
   * Calls fn with an endpoint of the target until one answers: the UDDI invocation pattern with
   * failover (see the class comment). fn's own errors that are not endpoint failures (a SOAP fault,
   * a refusal) are thrown unchanged; when every endpoint failed, BindingError ALL_ENDPOINTS_FAILED
   * lists each attempt.
   */
  async invoke<T>(target: BindingTarget, fn: (endpoint: Endpoint) => Promise<T>): Promise<T> {
    const started = this.clock().getTime();
    const attempts: BindingAttempt[] = [];
    const tried = new Set<string>();
    let expired = 0;
    for (let round = 0; round < 2; round++) {
      const found = await this.candidates(target);
      expired = found.expired;
      for (const endpoint of [...found.live, ...found.down]) {
        if (tried.has(attemptKey(endpoint))) continue;
        if (attempts.length) this.stats.failovers++;
        const outcome = await this.attempt(endpoint, fn, attempts, tried);
        if (outcome.ok) return outcome.value;
      }
      // What was cached may be older than the engines' latest registrations: read once more.
      if (found.fetchedAt >= started) break;
      if (target.department) this.invalidate(target.department);
      if (target.capability) this.invalidateCapability(target.capability);
    }
    const what = describeTarget(target);
    if (attempts.length === 0) {
      throw new BindingError('NO_ENDPOINT', `no live endpoint for ${what}${expired ? ` (${expired} binding(s) with a lapsed lease: their engines stopped refreshing)` : ''}`);
    }
    throw new BindingError('ALL_ENDPOINTS_FAILED', `every endpoint for ${what} failed: ${attempts.map((a) => `${a.url} (${a.error})`).join('; ')}`, attempts);
  }

  /**
   * The department's signing certificate, from its registry entry only (the trust store; never
   * from a message). Cached with the entry; `refresh` reads the registry again (after a signature
   * failed to verify, say: the department may have rolled its key).
   */
  async certificateOf(code: string, options: { refresh?: boolean } = {}): Promise<PublishedCertificate> {
    const [first] = await this.certificatesOf(code, options);
    return first;
  }

  /** Every certificate the department publishes (several during a key rollover), current first. */
  async certificatesOf(code: string, options: { refresh?: boolean } = {}): Promise<PublishedCertificate[]> {
    if (options.refresh) this.invalidate(code);
    const view = await this.resolveDepartment(code);
    let certificates: PublishedCertificate[];
    try {
      certificates = readCertificates(view.business, this.keys);
    } catch (e) {
      throw new BindingError('NO_CERTIFICATE', `department "${code}" publishes a signing certificate that does not check: ${(e as Error).message}`, [], e);
    }
    if (certificates.length === 0) throw new BindingError('NO_CERTIFICATE', `department "${code}" publishes no signing certificate in the registry (is INTERFLOW_SIGNING_CERT set on its engine?)`);
    return certificates;
  }

  /** GET /health of the endpoint's engine; marks it down when it does not answer, up when it does. */
  async probe(endpoint: Pick<Endpoint, 'url'>): Promise<boolean> {
    let up = false;
    try {
      const res = await fetch(new URL('/health', endpoint.url), { signal: AbortSignal.timeout(this.probeTimeoutMs) });
      await res.body?.cancel();
      up = res.ok;
    } catch {
      up = false;
    }
    if (up) this.down.delete(endpoint.url);
    else this.markDown(endpoint.url);
    return up;
  }

  isDown(url: string): boolean {
    const until = this.down.get(url);
    if (until === undefined) return false;
    if (until > this.clock().getTime()) return true;
    this.down.delete(url);
    return false;
  }

  markDown(url: string, seconds?: number): void {
    this.down.set(url, this.clock().getTime() + (seconds !== undefined ? seconds * 1000 : this.downMs));
  }

  /** Forgets what was read for a department (or everything); the next lookup asks the registry. */
  invalidate(department?: string): void {
    if (department === undefined) {
      for (const entry of this.departments.values()) entry.fetchedAt = 0;
      for (const entry of this.capabilities.values()) entry.fetchedAt = 0;
      return;
    }
    const entry = this.departments.get(departmentId(department));
    if (entry) entry.fetchedAt = 0;
  }

  private invalidateCapability(capability: string): void {
    const entry = this.capabilities.get(capability);
    if (entry) entry.fetchedAt = 0;
  }

  // ------------------------------------------------------------------ candidates

  private async candidates(target: BindingTarget): Promise<Candidates> {
    if (!target.service) throw new BindingError('INVALID_TARGET', 'a binding target names the service wanted (ProcessService, wfxml-factory, wfxml-observer, …)');
    let views: DepartmentView[];
    if (target.capability) {
      const codes = await this.capabilityDepartments(target.capability);
      const wanted = target.department ? codes.filter((c) => sameDepartment(c, target.department!)) : codes;
      views = await Promise.all(wanted.map((c) => this.resolveDepartment(c)));
    } else if (target.department) {
      views = [await this.resolveDepartment(target.department)];
    } else {
      throw new BindingError('INVALID_TARGET', 'a binding target names a department or a capability');
    }
    const now = this.clock();
    const result: Candidates = { live: [], down: [], expired: 0, fetchedAt: Number.POSITIVE_INFINITY };
    for (const view of views) {
      result.fetchedAt = Math.min(result.fetchedAt, this.departments.get(departmentId(view.code))?.fetchedAt ?? 0);
      for (const service of view.services) {
        if (!matches(service, target)) continue;
        for (const binding of service.bindings) {
          const endpoint = endpointOf(binding, service, view, this.keys);
          if (!endpoint) continue;
          if (leaseExpired(binding, this.keys, now)) {
            result.expired++;
            continue;
          }
          (this.isDown(endpoint.url) ? result.down : result.live).push(endpoint);
        }
      }
    }
    if (result.fetchedAt === Number.POSITIVE_INFINITY) result.fetchedAt = 0;
    return result;
  }

  /** Codes of the departments whose services list the capability (interflow:capability). */
  private async capabilityDepartments(capability: string): Promise<string[]> {
    const cached = this.capabilities.get(capability);
    if (cached && this.isFresh(cached)) {
      this.stats.cacheHits++;
      return cached.value;
    }
    if (this.registryResting()) {
      if (cached) return this.stale(cached, `capability "${capability}"`);
      throw this.unavailable(`capability "${capability}"`);
    }
    return this.once(`capability:${capability}`, async () => {
      try {
        this.stats.registryCalls++;
        const found = await this.registry.findService({ categoryBag: { keyedReferences: [{ tModelKey: this.keys.category('capability'), keyValue: capability }], keyedReferenceGroups: [] }, maxRows: 1000 });
        const businessKeys = [...new Set(found.items.map((s) => s.businessKey))];
        const codes: string[] = [];
        if (businessKeys.length) {
          this.stats.registryCalls++;
          const fetchedAt = this.clock().getTime();
          for (const business of await this.registry.getBusinessDetail(businessKeys)) {
            const code = departmentCodeOf(business, this.keys);
            // Only the owner of a department's key speaks for it; a look-alike entry is ignored.
            if (!code || this.keys.department(code) !== business.businessKey) continue;
            this.departments.set(departmentId(code), { value: viewOf(business, code, this.keys), fetchedAt });
            codes.push(code);
          }
        }
        this.capabilities.set(capability, { value: codes, fetchedAt: this.clock().getTime() });
        return codes;
      } catch (e) {
        if (!(e instanceof RegistryUnavailableError)) throw e;
        this.registryFailed(e);
        if (cached) return this.stale(cached, `capability "${capability}"`);
        throw this.unavailable(`capability "${capability}"`, e);
      }
    });
  }

  private async fetchDepartment(code: string, cached: Cached<DepartmentView> | undefined): Promise<DepartmentView> {
    const key = this.keys.department(code);
    let business;
    try {
      this.stats.registryCalls++;
      [business] = await this.registry.getBusinessDetail([key]);
    } catch (e) {
      if (e instanceof UddiError && e.errorCode === 'E_invalidKeyPassed') {
        this.departments.delete(departmentId(code));
        throw new BindingError('UNKNOWN_DEPARTMENT', `department "${code}" is not in the registry (no businessEntity ${key}); its engine registers itself when it runs with INTERFLOW_REGISTRY_URL set (or run \`interflow registry publish\` there); \`interflow registry list\` shows who is registered`, [], e);
      }
      if (!(e instanceof RegistryUnavailableError)) throw e;
      this.registryFailed(e);
      if (cached) return this.stale(cached, `department "${code}"`);
      throw this.unavailable(`department "${code}"`, e);
    }
    const published = business ? departmentCodeOf(business, this.keys) : undefined;
    if (!business || !published || !sameDepartment(published, code)) {
      throw new BindingError('UNKNOWN_DEPARTMENT', `the registry entry ${key} does not carry the department code "${code}" (interflow:department is ${published ?? 'missing'}); it is not an Interflow department's entry`);
    }
    const view = viewOf(business, published, this.keys);
    this.departments.set(departmentId(code), { value: view, fetchedAt: this.clock().getTime() });
    return view;
  }

  // ------------------------------------------------------------------ the invocation pattern

  private async attempt<T>(endpoint: Endpoint, fn: (endpoint: Endpoint) => Promise<T>, attempts: BindingAttempt[], tried: Set<string>): Promise<{ ok: true; value: T } | { ok: false }> {
    try {
      const value = await fn(endpoint);
      this.down.delete(endpoint.url);
      return { ok: true, value };
    } catch (e) {
      if (!isEndpointFailure(e)) throw e;
      attempts.push({ url: endpoint.url, bindingKey: endpoint.bindingKey, error: failureReason(e) });
      tried.add(attemptKey(endpoint));
    }
    // The call failed at the endpoint: has the binding moved since it was cached?
    let fresh: BindingTemplate | undefined;
    try {
      this.stats.registryCalls++;
      [fresh] = await this.registry.getBindingDetail([endpoint.bindingKey]);
    } catch (e) {
      if (e instanceof UddiError && e.errorCode === 'E_invalidKeyPassed') {
        this.log.info({ bindingKey: endpoint.bindingKey, url: endpoint.url }, 'binding withdrawn from the registry; trying the next one');
        this.replaceCached(endpoint, undefined);
        return { ok: false };
      }
      // Registry unreachable: the address cannot be checked; treat it as down and fail over.
      this.log.warn({ err: (e as Error).message, bindingKey: endpoint.bindingKey }, 'could not re-read a failed binding from the registry');
      this.markDown(endpoint.url);
      return { ok: false };
    }
    if (!fresh) return { ok: false };
    this.replaceCached(endpoint, fresh);
    const now = this.clock();
    if (!fresh.accessPoint || fresh.accessPoint.value === endpoint.url || leaseExpired(fresh, this.keys, now)) {
      this.markDown(endpoint.url);
      return { ok: false };
    }
    const moved: Endpoint = rebind(endpoint, fresh, this.keys);
    this.stats.moved++;
    this.log.info({ bindingKey: endpoint.bindingKey, from: endpoint.url, to: moved.url }, 'binding moved; calling its new address');
    try {
      const value = await fn(moved);
      this.down.delete(moved.url);
      return { ok: true, value };
    } catch (e) {
      if (!isEndpointFailure(e)) throw e;
      attempts.push({ url: moved.url, bindingKey: moved.bindingKey, error: failureReason(e) });
      tried.add(attemptKey(moved));
      this.markDown(moved.url);
      return { ok: false };
    }
  }

  /** Writes a re-read binding (or its removal) into the cached department entry. */
  private replaceCached(endpoint: Endpoint, fresh: BindingTemplate | undefined): void {
    const id = departmentId(endpoint.department);
    const cached = this.departments.get(id);
    if (cached) this.departments.set(id, { value: replaceBinding(cached.value, endpoint.bindingKey, fresh), fetchedAt: cached.fetchedAt });
  }

  // ------------------------------------------------------------------ cache plumbing

  private isFresh(entry: Cached<unknown>): boolean {
    return this.clock().getTime() - entry.fetchedAt < this.ttlMs;
  }

  private registryResting(): boolean {
    return this.registryDownUntil > this.clock().getTime();
  }

  private registryFailed(e: RegistryUnavailableError): void {
    if (!this.registryResting()) this.log.warn({ err: e.message }, `registry unreachable; using cached entries for ${this.registryRetryMs / 1000} s before trying it again`);
    this.registryDownUntil = this.clock().getTime() + this.registryRetryMs;
  }

  private stale<T>(entry: Cached<T>, what: string): T {
    this.log.debug({ what, ageMs: this.clock().getTime() - entry.fetchedAt }, 'registry unreachable; using a stale cached entry');
    return entry.value;
  }

  private unavailable(what: string, cause?: unknown): BindingError {
    const why = cause instanceof Error ? cause.message : 'it failed moments ago';
    return new BindingError('REGISTRY_UNAVAILABLE', `cannot look up ${what}: the registry is unreachable and nothing is cached (${why})`, [], cause);
  }

  /** Concurrent lookups of one thing share one registry call. */
  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.pending.get(key) as Promise<T> | undefined;
    if (running) return running;
    const started = load().finally(() => this.pending.delete(key));
    this.pending.set(key, started);
    return started;
  }
}

function matches(service: ServiceView, target: BindingTarget): boolean {
  if (service.type !== target.service) return false;
  if (target.processId !== undefined && service.processId !== target.processId) return false;
  // A factory is bound for a capability only when it is the factory that lists it.
  if (target.capability && service.type === SERVICE_TYPES.factory && !service.capabilities.includes(target.capability)) return false;
  return true;
}

function rebind(endpoint: Endpoint, fresh: BindingTemplate, keys: FederationKeys): Endpoint {
  const withWsdl = fresh.tModelInstanceDetails.find((t) => t.instanceDetails?.overviewDocs.some((d) => d.overviewURL));
  const lease = leaseOf(fresh, keys);
  const { wsdlUrl: _w, leaseUntil: _l, bindingTModelKey: _t, ...rest } = endpoint;
  return {
    ...rest,
    url: fresh.accessPoint!.value,
    ...(withWsdl ? { wsdlUrl: withWsdl.instanceDetails!.overviewDocs.find((d) => d.overviewURL)!.overviewURL!.value, bindingTModelKey: withWsdl.tModelKey } : {}),
    ...(lease ? { leaseUntil: lease } : {}),
  };
}

function attemptKey(endpoint: Endpoint): string {
  return `${endpoint.bindingKey} ${endpoint.url}`;
}

function departmentId(code: string): string {
  return code.trim().toLowerCase();
}

function describeTarget(t: BindingTarget): string {
  const parts = [t.service];
  if (t.department) parts.push(`of department ${t.department}`);
  if (t.capability) parts.push(`performing ${t.capability}`);
  if (t.processId) parts.push(`for process ${t.processId}`);
  return parts.join(' ');
}

import pino, { type Logger } from 'pino';
import { UddiError, type BindingTemplate, type BusinessEntity } from '../registry';
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
 * - Bindings whose lease (interflow:lease-until) has passed are not chosen while the registry
 *   answers: leases judge liveness. While it does not, its engines cannot renew their leases, so a
 *   lapsed lease says nothing: such bindings are tried after the live ones instead of never.
 * - Live bindings of one target are taken in turn (round-robin per target), so the work sent to a
 *   department spreads over its replicas; one that failed recently goes behind the others.
 * - With `snapshots` (the department's database), every registry answer is kept as the last known
 *   good one; a binder that has nothing in memory while the registry is unreachable (a department
 *   restarted during an outage) starts from those, with a warning.
 */

/**
 * Where the binder keeps its last known good registry answers (src/persistence SharedState
 * loadSnapshot/saveSnapshot fit): a JSON document per cache key.
 */
export interface BindingSnapshots {
  loadSnapshot(key: string): Promise<{ doc: string; fetchedAt: number } | undefined>;
  saveSnapshot(key: string, doc: string, fetchedAt: number): Promise<void>;
}

/** The binder's view of the registry, for /ready and the logs. */
export interface BinderHealth {
  /** When the registry was first found unreachable, while it still is. */
  registryUnreachableSince?: Date;
  lastRegistryError?: string;
  /** Entries in use that were read back from the database (persisted before a restart). */
  fromSnapshots: number;
}

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
  /** The last known good answers, persisted (see the class comment); default none. */
  snapshots?: BindingSnapshots;
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
  // Certificates read from a cached department view: reassembling, hashing and parsing them once
  // per view instead of once per verified message. A refreshed view is a new object, read anew.
  private readonly certificatesOfView = new WeakMap<object, PublishedCertificate[]>();
  private registryDownUntil = 0;
  private outageSince?: number;
  private lastRegistryError?: string;
  private readonly snapshots?: BindingSnapshots;
  /** What was last persisted per key, so an unchanged answer is not written again. */
  private readonly persisted = new Map<string, string>();
  private readonly fromSnapshots = new Set<string>();
  private readonly turns = new Map<string, number>();

  constructor(options: BinderOptions) {
    this.registry = options.registry;
    this.keys = options.keys ?? new FederationKeys();
    this.ttlMs = (options.cacheTtlSeconds ?? DEFAULT_CACHE_TTL_SECONDS) * 1000;
    this.downMs = (options.downSeconds ?? 30) * 1000;
    this.registryRetryMs = (options.registryRetrySeconds ?? 5) * 1000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 2000;
    this.log = (options.log ?? pino({ level: 'silent' })).child({ component: 'binder' });
    this.clock = options.clock ?? (() => new Date());
    this.snapshots = options.snapshots;
  }

  /** Whether the registry answers, as far as the last calls tell, and what the binder runs on. */
  health(): BinderHealth {
    return {
      ...(this.outageSince !== undefined ? { registryUnreachableSince: new Date(this.outageSince) } : {}),
      ...(this.outageSince !== undefined && this.lastRegistryError ? { lastRegistryError: this.lastRegistryError } : {}),
      fromSnapshots: this.fromSnapshots.size,
    };
  }

  // ------------------------------------------------------------------ public API

  /** Live endpoints for the target (registry order; failed ones left out). invoke() takes them in turn. */
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
      const restored = await this.restoreDepartment(code);
      if (restored) return restored;
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
      const found = await this.candidates(target, round === 0);
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
    let certificates = this.certificatesOfView.get(view.business);
    if (certificates) return certificates;
    try {
      certificates = readCertificates(view.business, this.keys);
    } catch (e) {
      throw new BindingError('NO_CERTIFICATE', `department "${code}" publishes a signing certificate that does not check: ${(e as Error).message}`, [], e);
    }
    if (certificates.length === 0) throw new BindingError('NO_CERTIFICATE', `department "${code}" publishes no signing certificate in the registry (is INTERFLOW_SIGNING_CERT set on its engine?)`);
    this.certificatesOfView.set(view.business, certificates);
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

  /** `rotate`: take the live ones in turn (invoke), rather than in registry order (resolve). */
  private async candidates(target: BindingTarget, rotate = false): Promise<Candidates> {
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
    // While the registry is unreachable nobody can renew a lease: lapsed ones are tried last.
    const lapsed: Endpoint[] = [];
    const outage = this.outageSince !== undefined;
    for (const view of views) {
      result.fetchedAt = Math.min(result.fetchedAt, this.departments.get(departmentId(view.code))?.fetchedAt ?? 0);
      for (const service of view.services) {
        if (!matches(service, target)) continue;
        for (const binding of service.bindings) {
          const endpoint = endpointOf(binding, service, view, this.keys);
          if (!endpoint) continue;
          if (leaseExpired(binding, this.keys, now)) {
            if (outage) (this.isDown(endpoint.url) ? result.down : lapsed).push(endpoint);
            else result.expired++;
            continue;
          }
          (this.isDown(endpoint.url) ? result.down : result.live).push(endpoint);
        }
      }
    }
    if (result.fetchedAt === Number.POSITIVE_INFINITY) result.fetchedAt = 0;
    if (rotate) result.live = this.inTurn(targetKey(target), result.live);
    if (lapsed.length) {
      this.log.debug({ target: describeTarget(target), lapsed: lapsed.length }, 'registry unreachable: trying bindings whose lease lapsed meanwhile');
      result.live.push(...(rotate ? this.inTurn(`${targetKey(target)} lapsed`, lapsed) : lapsed));
    }
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
      const restored = await this.restoreCapability(capability);
      if (restored) return restored;
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
            this.persist(`department:${departmentId(code)}`, business, fetchedAt);
            codes.push(code);
          }
        }
        this.registryAnswered();
        this.capabilities.set(capability, { value: codes, fetchedAt: this.clock().getTime() });
        this.persist(`capability:${capability}`, codes, this.clock().getTime());
        return codes;
      } catch (e) {
        if (!(e instanceof RegistryUnavailableError)) throw e;
        this.registryFailed(e);
        if (cached) return this.stale(cached, `capability "${capability}"`);
        const restored = await this.restoreCapability(capability);
        if (restored) return restored;
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
      const restored = await this.restoreDepartment(code);
      if (restored) return restored;
      throw this.unavailable(`department "${code}"`, e);
    }
    this.registryAnswered();
    const published = business ? departmentCodeOf(business, this.keys) : undefined;
    if (!business || !published || !sameDepartment(published, code)) {
      throw new BindingError('UNKNOWN_DEPARTMENT', `the registry entry ${key} does not carry the department code "${code}" (interflow:department is ${published ?? 'missing'}); it is not an Interflow department's entry`);
    }
    const view = viewOf(business, published, this.keys);
    const fetchedAt = this.clock().getTime();
    this.departments.set(departmentId(code), { value: view, fetchedAt });
    this.persist(`department:${departmentId(code)}`, business, fetchedAt);
    return view;
  }

  // ------------------------------------------------------------------ last known good answers

  private persist(key: string, value: unknown, fetchedAt: number): void {
    this.fromSnapshots.delete(key);
    if (!this.snapshots) return;
    const doc = JSON.stringify(value);
    if (this.persisted.get(key) === doc) return;
    this.persisted.set(key, doc);
    // In the background: a slow database must not hold up a send, and a lost write only means an
    // older snapshot.
    this.snapshots.saveSnapshot(key, doc, fetchedAt).catch((e: unknown) => {
      this.persisted.delete(key);
      this.log.warn({ err: (e as Error).message, key }, 'could not persist a registry answer for outages');
    });
  }

  private async restore<T>(key: string): Promise<{ value: T; fetchedAt: number } | undefined> {
    if (!this.snapshots) return undefined;
    let saved;
    try {
      saved = await this.snapshots.loadSnapshot(key);
    } catch (e) {
      this.log.warn({ err: (e as Error).message, key }, 'could not read the persisted registry answers');
      return undefined;
    }
    if (!saved) return undefined;
    this.persisted.set(key, saved.doc);
    this.fromSnapshots.add(key);
    this.log.warn({ key, savedAt: new Date(saved.fetchedAt).toISOString() }, 'registry unreachable and nothing in memory: binding from the last known good answer in the database');
    return { value: JSON.parse(saved.doc) as T, fetchedAt: saved.fetchedAt };
  }

  private async restoreDepartment(code: string): Promise<DepartmentView | undefined> {
    const saved = await this.restore<BusinessEntity>(`department:${departmentId(code)}`);
    if (!saved) return undefined;
    const view = viewOf(saved.value, departmentCodeOf(saved.value, this.keys) ?? code, this.keys);
    this.departments.set(departmentId(code), { value: view, fetchedAt: saved.fetchedAt });
    return view;
  }

  private async restoreCapability(capability: string): Promise<string[] | undefined> {
    const saved = await this.restore<string[]>(`capability:${capability}`);
    if (!saved) return undefined;
    this.capabilities.set(capability, { value: saved.value, fetchedAt: saved.fetchedAt });
    return saved.value;
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
    this.registryAnswered();
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
    this.outageSince ??= this.clock().getTime();
    this.lastRegistryError = e.message;
  }

  private registryAnswered(): void {
    if (this.outageSince === undefined) return;
    this.log.info({ unreachableForMs: this.clock().getTime() - this.outageSince }, 'registry reachable again; leases judge liveness again');
    this.outageSince = undefined;
    this.lastRegistryError = undefined;
    this.registryDownUntil = 0;
  }

  /** The endpoints rotated by one each time the same target is bound: replicas take turns. */
  private inTurn(key: string, endpoints: Endpoint[]): Endpoint[] {
    if (endpoints.length < 2) return endpoints;
    const turn = this.turns.get(key) ?? 0;
    if (this.turns.size > 10_000) this.turns.clear();
    this.turns.set(key, turn + 1);
    const k = turn % endpoints.length;
    return [...endpoints.slice(k), ...endpoints.slice(0, k)];
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

function targetKey(t: BindingTarget): string {
  return [t.service, t.department ?? '', t.capability ?? '', t.processId ?? ''].join('\u0000');
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

import type { Logger } from 'pino';
import type { DefinitionRecord } from '../engine';
import { UddiError, type BindingTemplate, type BusinessEntity, type BusinessService } from '../registry';
import type { PublishedCertificate } from './certificate';
import { categorisationTModels, departmentEntries, offeredServices, type DepartmentEntries, type OfferedService } from './department-entries';
import { FederationKeys, keySegment } from './federation-keys';
import { withLease } from './lease';
import { RegistryUnavailableError } from './registry-client';
import type { UddiNode } from './uddi-api';

/**
 * Self-registration (issue 4): when an engine starts it saves its department's businessEntity,
 * services, bindings and tModels under stable keys, so a restart replaces its entries instead of
 * adding copies; then, every refresh interval, it re-saves its bindingTemplates with a lease three
 * intervals ahead. An engine that stops refreshing is detectable by its lapsed lease. Newly deployed
 * processes are noticed on the next refresh and registered in full.
 *
 * The registry being down or refusing never reaches the engine: every failure is logged with what
 * to do and retried with exponential backoff (up to 5 s while the registry cannot be reached, so
 * recovery after a hub outage is prompt; up to one refresh interval when it refuses).
 */

export interface SelfRegistrationOptions {
  registry: UddiNode;
  user: string;
  password: string;
  department: string;
  /** The businessEntity's name; default the department code. */
  departmentName?: string;
  /** This replica's name (INTERFLOW_ENGINE_ID); replicas of one department need distinct ones. Default "main". */
  engineId?: string;
  keys?: FederationKeys;
  /** Seconds between lease refreshes (INTERFLOW_REGISTRY_REFRESH); default 30. */
  refreshSeconds?: number;
  certificate?: PublishedCertificate;
  /** Where the offered processes come from. */
  engine: { listDefinitions(): Promise<DefinitionRecord[]> };
  /** More services beside ProcessService, Observer and the factories (the transfer service, say). */
  extraServices?: OfferedService[];
  /** False: bindings without a lease (`interflow registry publish`). Default true. */
  lease?: boolean;
  log: Logger;
  clock?: () => Date;
  /**
   * How long after a save_business this replica saves its own bindings again (save_binding), ms;
   * default 1,000 plus up to 500 of jitter. Replicas of one department that register at the same
   * moment both read the businessEntity before either saved it, and the later save_business drops
   * the earlier one's bindings: this repairs that once the other's save has landed (issue 17).
   */
  settleMs?: number;
  /**
   * Longest wait between attempts while the registry cannot be reached, ms; default 5,000 (or the
   * refresh interval when shorter). Refusals back off up to the refresh interval as before.
   */
  unreachableRetryMaxMs?: number;
  /**
   * Called once the registry answers again after failed attempts, right after this engine's
   * entries are saved: the department nudges its waiting outbox rows (docs/operations.md).
   */
  onRegistryBack?: () => void;
}

export interface RegistrationReport {
  businessKey: string;
  services: Array<{ serviceKey: string; type: string; bindingKey: string; accessPoint: string }>;
  tModels: number;
  capabilities: string[];
  certificateFingerprint?: string;
  leaseUntil?: Date;
  warnings: string[];
}

export type RegistrationState = 'idle' | 'registering' | 'registered' | 'retrying' | 'stopped';

export interface RegistrationStatus {
  state: RegistrationState;
  lastSuccess?: Date;
  lastError?: string;
  consecutiveFailures: number;
  nextAttemptInMs?: number;
}

const DEFAULT_REFRESH_SECONDS = 30;
const LEASE_FACTOR = 3;
const STOP_TIMEOUT_MS = 2000;

export class SelfRegistration {
  readonly keys: FederationKeys;
  readonly engineId: string;
  readonly refreshMs: number;
  private readonly clock: () => Date;
  private readonly log: Logger;
  private publicUrl?: string;
  private authInfo?: string;
  private registered?: { entries: DepartmentEntries; signature: string; report: RegistrationReport };
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private failures = 0;
  private current: RegistrationStatus = { state: 'idle', consecutiveFailures: 0 };
  private categorisationsChecked = false;
  private readonly waiters: Array<{ resolve: (r: RegistrationReport) => void; reject: (e: Error) => void }> = [];
  private repairTimer?: NodeJS.Timeout;
  private repairing: Promise<void> = Promise.resolve();
  private repairDone?: () => void;

  constructor(private readonly options: SelfRegistrationOptions) {
    this.keys = options.keys ?? new FederationKeys();
    this.engineId = options.engineId?.trim() || 'main';
    const refresh = options.refreshSeconds ?? DEFAULT_REFRESH_SECONDS;
    if (!(refresh > 0)) throw new Error(`the registry refresh interval must be above 0 seconds, got ${refresh}`);
    this.refreshMs = refresh * 1000;
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log.child({ component: 'self-registration', department: options.department, engineId: this.engineId });
  }

  /** Begins registering in the background; never throws, never blocks the engine. */
  start(publicUrl: string): void {
    this.publicUrl = publicUrl.replace(/\/+$/, '');
    this.stopped = false;
    this.log.info({ registry: registryName(this.options.registry), publicUrl: this.publicUrl, refreshSeconds: this.refreshMs / 1000 }, 'self-registration starting');
    this.schedule(0);
  }

  /**
   * Stops refreshing. By default the bindings' leases are ended now (bounded by 2 s), so binders
   * stop choosing this engine at once; the entries stay, with their keys, for the next start.
   */
  async stop(options: { expireLease?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.cancelRepair();
    await Promise.all([this.running, this.repairing]);
    this.setState({ state: 'stopped' });
    for (const w of this.waiters.splice(0)) w.reject(new Error('self-registration stopped before the first registration succeeded'));
    if (!this.registered) return;
    const work = (async () => {
      if (options.expireLease !== false && this.options.lease !== false) {
        const now = this.clock();
        await this.withToken((auth) => this.options.registry.saveBinding(auth, this.registered!.entries.bindings.map((b) => withLease(b, this.keys, now))));
        this.log.info('self-registration stopped; bindings marked expired');
      }
      if (this.authInfo) await this.options.registry.discardAuthToken(this.authInfo).catch(() => undefined);
      this.authInfo = undefined;
    })();
    await withTimeout(work, STOP_TIMEOUT_MS).catch((e: unknown) => this.log.warn({ err: describe(e) }, 'could not mark this engine\'s bindings expired on the way out; their leases lapse on their own'));
  }

  /** Resolves after the first successful registration (immediately when there was one). */
  whenRegistered(): Promise<RegistrationReport> {
    if (this.registered) return Promise.resolve(this.registered.report);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  status(): RegistrationStatus {
    return { ...this.current };
  }

  /** One full registration now (the `registry publish` command; also what start() does first). */
  async registerOnce(publicUrl?: string): Promise<RegistrationReport> {
    if (publicUrl) this.publicUrl = publicUrl.replace(/\/+$/, '');
    if (!this.publicUrl) throw new Error('self-registration needs the engine\'s public URL (INTERFLOW_PUBLIC_URL)');
    const definitions = await this.options.engine.listDefinitions();
    const leaseUntil = this.options.lease === false ? undefined : new Date(this.clock().getTime() + LEASE_FACTOR * this.refreshMs);
    const entries = departmentEntries(this.keys, {
      code: this.options.department,
      name: this.options.departmentName,
      publicUrl: this.publicUrl,
      engineId: this.engineId,
      services: [...offeredServices(definitions, this.options.department), ...(this.options.extraServices ?? [])],
      certificate: this.options.certificate,
      leaseUntil,
    });
    for (const warning of entries.warnings) this.log.warn(warning);
    await this.checkCategorisations();
    await this.withToken((auth) => this.options.registry.saveTModel(auth, entries.tModels));
    const business = await this.withOtherReplicas(entries.business);
    await this.withToken((auth) => this.options.registry.saveBusiness(auth, [business]));
    const report = reportOf(entries, leaseUntil, this.options.certificate);
    this.registered = { entries, signature: signatureOf(definitions), report };
    this.scheduleRepair();
    return report;
  }

  /**
   * Resolves once the bindings saved again after the last registration are in (see settleMs);
   * immediately when no repair is pending.
   */
  async settled(): Promise<void> {
    if (this.repairTimer) await new Promise<void>((resolve) => (this.repairDone = resolve));
    await this.repairing;
  }

  private scheduleRepair(): void {
    this.cancelRepair();
    // A one-off publication (`registry publish`) has no loop to repair for, and exits at once.
    if (this.current.state === 'stopped' || this.options.lease === false) return;
    const delay = this.options.settleMs ?? 1000 + Math.floor(Math.random() * 500);
    this.repairTimer = setTimeout(() => {
      this.repairTimer = undefined;
      this.repairing = this.saveOwnBindings()
        .catch((e: unknown) => this.log.warn({ err: describe(e) }, 'could not save this replica\'s bindings again after registering; the next lease refresh does'))
        .finally(() => {
          const done = this.repairDone;
          this.repairDone = undefined;
          done?.();
        });
    }, delay);
    this.repairTimer.unref();
  }

  private cancelRepair(): void {
    if (this.repairTimer) clearTimeout(this.repairTimer);
    this.repairTimer = undefined;
    const done = this.repairDone;
    this.repairDone = undefined;
    done?.();
  }

  /** This replica's bindings alone (save_binding touches no other replica's), with the lease they have. */
  private async saveOwnBindings(): Promise<void> {
    if (!this.registered) return;
    const leaseUntil = this.registered.report.leaseUntil;
    const bindings = leaseUntil ? this.registered.entries.bindings.map((b) => withLease(b, this.keys, leaseUntil)) : this.registered.entries.bindings;
    await this.withToken((auth) => this.options.registry.saveBinding(auth, bindings));
  }

  /**
   * Registers again now, after a deploy (WorkflowEngine.onDeployed), so the registry lists the new
   * capabilities before the deploy reports success. Waits for a registration pass already running
   * rather than overlapping it; never throws (a failure is logged and the loop retries), and gives
   * up waiting after `timeoutMs` so a hub that is down does not hold deploys up.
   */
  async registerNow(timeoutMs = 5_000): Promise<void> {
    if (this.stopped || !this.publicUrl) return;
    const work = (async () => {
      await this.running;
      this.running = (async () => {
        try {
          const report = await this.registerOnce();
          this.log.info({ capabilities: report.capabilities.length }, 'deployed processes changed; registered again before the deploy returns');
          for (const w of this.waiters.splice(0)) w.resolve(report);
        } catch (e) {
          this.log.warn({ err: describe(e) }, `could not register the deployed processes now: ${explain(e, this.options)}; the registration loop retries`);
        }
      })();
      await this.running;
    })();
    await withTimeout(work, timeoutMs).catch(() => this.log.warn({ timeoutMs }, 'registering the deployed processes is taking long; the deploy returns, the registration goes on'));
  }

  /** Pushes the leases forward: one save_binding with this engine's bindings. */
  async refreshOnce(): Promise<void> {
    if (!this.registered) throw new Error('nothing registered yet');
    const leaseUntil = new Date(this.clock().getTime() + LEASE_FACTOR * this.refreshMs);
    const bindings = this.registered.entries.bindings.map((b) => withLease(b, this.keys, leaseUntil));
    await this.withToken((auth) => this.options.registry.saveBinding(auth, bindings));
    this.registered.report.leaseUntil = leaseUntil;
  }

  // ------------------------------------------------------------------ the loop

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick();
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let next = this.refreshMs;
    try {
      if (!this.registered || (await this.definitionsChanged())) {
        this.setState({ state: 'registering' });
        const first = !this.registered;
        const report = await this.registerOnce();
        this.log.info({ businessKey: report.businessKey, services: report.services.length, capabilities: report.capabilities.length, certificate: report.certificateFingerprint ?? null, leaseUntil: report.leaseUntil }, first ? 'registered in the registry' : 'deployed processes changed; registered again');
        for (const w of this.waiters.splice(0)) w.resolve(report);
      } else {
        await this.refreshWithRecovery();
      }
      const recovered = this.failures > 0;
      if (recovered) this.log.info({ after: this.failures }, 'registry reachable again');
      this.failures = 0;
      this.setState({ state: 'registered', lastSuccess: this.clock(), lastError: undefined });
      if (recovered) this.options.onRegistryBack?.();
    } catch (e) {
      this.failures++;
      // An unreachable hub is retried often (capped short), so registrations recover promptly
      // when it returns; a refusal needs a person and backs off to the refresh interval.
      const cap = e instanceof RegistryUnavailableError ? Math.min(this.refreshMs, this.options.unreachableRetryMaxMs ?? 5_000) : this.refreshMs;
      next = Math.min(cap, 1000 * 2 ** Math.min(this.failures - 1, 10));
      const message = explain(e, this.options);
      this.log.warn({ err: describe(e), attempt: this.failures, retryInMs: next }, `self-registration failed: ${message}; retrying in ${Math.round(next / 100) / 10} s`);
      this.setState({ state: 'retrying', lastError: message });
    }
    this.current.nextAttemptInMs = this.stopped ? undefined : next;
    this.schedule(next);
  }

  /** A refresh whose service vanished (an administrator deleted the business) registers again. */
  private async refreshWithRecovery(): Promise<void> {
    try {
      await this.refreshOnce();
    } catch (e) {
      if (e instanceof UddiError && (e.errorCode === 'E_invalidKeyPassed' || e.errorCode === 'E_userMismatch')) {
        this.log.warn({ err: describe(e) }, 'this engine\'s entries changed in the registry; registering again');
        this.registered = undefined;
        await this.registerOnce();
        return;
      }
      throw e;
    }
  }

  private async definitionsChanged(): Promise<boolean> {
    return signatureOf(await this.options.engine.listDefinitions()) !== this.registered?.signature;
  }

  private setState(patch: Partial<RegistrationStatus>): void {
    this.current = { ...this.current, ...patch, consecutiveFailures: this.failures };
  }

  // ------------------------------------------------------------------ registry calls

  /** Calls fn with a token; a token the node no longer honours is replaced once. */
  private async withToken<T>(fn: (authInfo: string) => Promise<T>): Promise<T> {
    if (!this.authInfo) this.authInfo = await this.options.registry.getAuthToken(this.options.user, this.options.password);
    try {
      return await fn(this.authInfo);
    } catch (e) {
      if (!(e instanceof UddiError) || (e.errorCode !== 'E_authTokenExpired' && e.errorCode !== 'E_authTokenRequired')) throw e;
      this.authInfo = await this.options.registry.getAuthToken(this.options.user, this.options.password);
      return fn(this.authInfo);
    }
  }

  /**
   * The interflow:* categorisation tModels belong to the hub, which creates them when it starts
   * (a department may not save them). Registration does not depend on them — keyedReferences name
   * them by key — so a hub that lacks them is only worth a warning: it predates the rule.
   */
  private async checkCategorisations(): Promise<void> {
    if (this.categorisationsChecked) return;
    const wanted = categorisationTModels(this.keys).map((t) => t.tModelKey!);
    let missing: string[] = [];
    try {
      missing = (await this.options.registry.getTModelDetail(wanted)).filter((t) => t.deleted).map((t) => t.tModelKey!);
    } catch (e) {
      if (!(e instanceof UddiError) || e.errorCode !== 'E_invalidKeyPassed') throw e;
      missing = wanted;
    }
    if (missing.length) this.log.warn({ missing }, 'the registry lacks the federation\'s interflow:* tModels, which its hub creates when it starts; registering anyway (is the hub older than this engine, or serving another INTERFLOW_FEDERATION_DOMAIN?)');
    this.categorisationsChecked = true;
  }

  /**
   * save_business replaces the whole tree, so bindings other replicas of this department saved
   * (other engine ids) are carried over, and so are services only they offer.
   */
  private async withOtherReplicas(business: BusinessEntity): Promise<BusinessEntity> {
    let existing: BusinessEntity | undefined;
    try {
      [existing] = await this.options.registry.getBusinessDetail([business.businessKey!]);
    } catch (e) {
      if (e instanceof UddiError && e.errorCode === 'E_invalidKeyPassed') return business;
      throw e;
    }
    if (!existing) return business;
    // This replica's bindings end with its engine id, including those of services it no longer offers.
    const ownSuffix = `:${keySegment(this.engineId)}`;
    const foreign = (s: BusinessService): BindingTemplate[] => s.bindingTemplates.filter((b) => b.bindingKey && !b.bindingKey.endsWith(ownSuffix));
    const previous = new Map(existing.businessServices.map((s) => [s.serviceKey!, s]));
    const services = business.businessServices.map((s) => {
      const old = previous.get(s.serviceKey!);
      return old ? { ...s, bindingTemplates: [...s.bindingTemplates, ...foreign(old)] } : s;
    });
    const offered = new Set(services.map((s) => s.serviceKey));
    for (const old of existing.businessServices) {
      if (offered.has(old.serviceKey)) continue;
      const kept = foreign(old);
      if (kept.length) services.push({ ...old, bindingTemplates: kept });
    }
    return { ...business, businessServices: services };
  }
}

function reportOf(entries: DepartmentEntries, leaseUntil: Date | undefined, certificate: PublishedCertificate | undefined): RegistrationReport {
  const typeOf = (s: BusinessService) => s.categoryBag?.keyedReferences.find((r) => r.tModelKey.endsWith(':interflow:service-type'))?.keyValue ?? '';
  return {
    businessKey: entries.business.businessKey!,
    services: entries.business.businessServices.map((s) => ({ serviceKey: s.serviceKey!, type: typeOf(s), bindingKey: s.bindingTemplates[0].bindingKey!, accessPoint: s.bindingTemplates[0].accessPoint!.value })),
    tModels: entries.tModels.length,
    capabilities: entries.business.businessServices.flatMap((s) => s.categoryBag?.keyedReferences.filter((r) => r.tModelKey.endsWith(':interflow:capability')).map((r) => r.keyValue) ?? []),
    ...(certificate ? { certificateFingerprint: certificate.fingerprint } : {}),
    ...(leaseUntil ? { leaseUntil } : {}),
    warnings: entries.warnings,
  };
}

/** Which process versions are deployed: a change means new factories or capabilities to publish. */
function signatureOf(definitions: readonly DefinitionRecord[]): string {
  return definitions.map((d) => `${d.processId}@${d.version}`).sort().join('\n');
}

function registryName(node: UddiNode): string {
  return (node as { baseUrl?: string }).baseUrl ?? 'in-process registry';
}

function describe(e: unknown): string {
  if (e instanceof UddiError) return `${e.errorCode}: ${e.message}`;
  return (e as Error)?.message ?? String(e);
}

/** What the operator should do about a failed registration. */
export function explain(e: unknown, o: Pick<SelfRegistrationOptions, 'user' | 'department' | 'keys'>): string {
  if (e instanceof RegistryUnavailableError) return e.message;
  if (!(e instanceof UddiError)) return `${(e as Error)?.message ?? String(e)} (the engine keeps serving)`;
  const domain = (o.keys ?? new FederationKeys()).domain;
  switch (e.errorCode) {
    case 'E_unknownUser':
      return `the registry does not accept publisher "${o.user}" with this password: on the registry host run \`interflow registry publisher add ${o.user}\`, and check INTERFLOW_REGISTRY_USER / INTERFLOW_REGISTRY_PASSWORD`;
    case 'E_userMismatch':
      return `entries of department "${o.department}" belong to another publisher in the registry (${e.message}): either publisher "${o.user}" acts for another department than INTERFLOW_DEPARTMENT, or the department's entries were saved by another of its publishers; ask the registry administrator (\`interflow registry publisher set ${o.user} --department ${o.department}\`), or check INTERFLOW_DEPARTMENT`;
    case 'E_keyUnavailable':
      return `the registry refuses keys under uddi:${domain}: (${e.message}); the hub administrator assigns each publisher the department it publishes for (\`interflow registry publisher add ${o.user} --department ${o.department}\`, or \`publisher set\` for an existing one), and INTERFLOW_FEDERATION_DOMAIN must be the hub's and differ from its INTERFLOW_UDDI_DOMAIN`;
    case 'E_busy':
      return `the registry is busy (${e.message})`;
    default:
      return `the registry refused the entries: ${e.errorCode}: ${e.message}`;
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

import type { Logger } from 'pino';
import { BindingError, isEndpointFailure, RegistryClient, SERVICE_TYPES, type Binder, type UddiInquiry } from '../binding';
import { RemoteFactoryFinder } from '../binding';
import { NotFoundError, type OutboxKind, type OutboxRecord, type RemoteSubprocessPayload, type WorkflowEngine } from '../engine';
import { OutboxWorker, outboxSettingsFromEnv, type DeliveryContext, type DeliveryOutcome, type DeliveryStrategy } from '../outbox';
import { caseLogger } from '../monitoring';
import { TEXT_KEY, type SoapNode } from '../services/soap';
import { ASAP_NS, createInstanceRequest, instanceKey, OBSERVER_PATH, postAsap, requestIdFor, subprocessObserverKey, type AsapSigning, type WfxmlTrust } from '../services/wfxml';
import { decodeLocalName } from '../services/wfxml';
import { describeTarget, remoteFactoriesFromEnv, remoteFactoryTarget, type RemoteFactoryTable, type RemoteFactoryTarget } from './remote-factories';
import { remoteProcessId } from '../xpdl';

export const REMOTE_SUBPROCESS_KIND = 'remote-subprocess' as const satisfies OutboxKind;
type CallRow = OutboxRecord<typeof REMOTE_SUBPROCESS_KIND>;

export interface RemoteSubprocessDispatcherOptions {
  engine: WorkflowEngine;
  /** Dynamic binding: the factories are found, and called, through it. */
  binder: Binder;
  /** The registry searched for departments offering a process (see RemoteFactoryFinder). */
  registry?: UddiInquiry;
  /** INTERFLOW_REMOTE_FACTORIES, parsed. */
  table?: RemoteFactoryTable;
  log: Logger;
  /**
   * This engine's address as remote engines reach it (INTERFLOW_PUBLIC_URL): the ObserverKey sent
   * is built on it. Absent, it is read from this engine's own Observer binding in the registry,
   * which self-registration publishes with the same address `serve` gives the observer dispatcher.
   */
  publicUrl?: string;
  /** This replica's name (INTERFLOW_ENGINE_ID, default main): which Observer binding is its own. */
  engineId?: string;
  /** Rows claimed per pass, sent concurrently (default 10). */
  claimSize?: number;
  /**
   * Pause between passes when idle (default 1 s). The loop polls rather than waking on every
   * outbox write (as the transfer dispatcher does): a claim is a write transaction, and one per
   * transfer would compete with the transfers themselves for SQLite's single writer, while a
   * remote subprocess can well start a second later.
   */
  intervalMs?: number;
  /** How long a claim holds a row against other replicas, renewed while it is sent (default 5 s). */
  leaseMs?: number;
  /** Calls in flight per SubFlow target (default 2). */
  laneConcurrency?: number;
  /**
   * Refusals in a row (faults, unreadable replies) after which the row is dead-lettered (default
   * 30). Attempts that found nothing to call (no factory registered or reachable) never count: the
   * case waits for one.
   */
  maxAttempts?: number;
  /** Retry delay after the first failure, doubled after each further one (default 1 s) … */
  retryBaseMs?: number;
  /** … up to this (default 10 min). */
  retryMaxMs?: number;
  /** Per request to a factory (default 10 s); a whole call (GetProperties, CreateInstance, a failover) may take 4 times that. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /**
   * This department's Wf-XML trust (departmentFederation): every call is signed for the department
   * whose factory it goes to, and only registered factories are called. Without it (unit tests of
   * the binding rules) calls go unsigned.
   */
  trust?: WfxmlTrust;
}

export interface RemoteDispatchReport {
  sent: number;
  retried: number;
  dead: number;
  /** Rows whose activity no longer waited for them (the case ended, the activity was withdrawn). */
  dropped: number;
}


interface Started {
  factory: string;
  department?: string;
  remoteInstance?: string;
  omitted: string[];
}

/**
 * Starts remote subprocesses (docs/remote-subprocess.md): claims the outbox's 'remote-subprocess'
 * rows, binds each SubFlow through the registry (the factory address in the definition is never
 * called), sends Wf-XML CreateInstance with the mapped IN data and an ObserverKey correlated with
 * the waiting activity, and marks the row sent once the factory answered. The remote engine's
 * Completed then comes back to this engine's Observer, which completes the activity. Failures are
 * retried with exponential backoff; a factory that keeps refusing dead-letters the row after
 * maxAttempts and the activity becomes an incident an administrator can retry (which calls again,
 * with a new row), while a factory nobody offers yet is waited for.
 */
export class RemoteSubprocessDispatcher implements DeliveryStrategy<typeof REMOTE_SUBPROCESS_KIND> {
  readonly name = 'remote-subprocess';
  readonly kinds = [REMOTE_SUBPROCESS_KIND] as const;
  readonly batchSize = 1;
  /** A whole call: GetProperties and CreateInstance, and a failover or two. */
  readonly timeoutMs: number;
  readonly policy;
  readonly worker: OutboxWorker;
  private readonly o: Required<Omit<RemoteSubprocessDispatcherOptions, 'registry' | 'table' | 'publicUrl' | 'fetch' | 'trust'>> &
    Pick<RemoteSubprocessDispatcherOptions, 'table' | 'publicUrl' | 'fetch' | 'trust'>;
  private readonly finder: RemoteFactoryFinder;
  private readonly log: Logger;
  private base?: string;
  private waitingForAddressSince?: number;

  constructor(options: RemoteSubprocessDispatcherOptions) {
    this.o = {
      engineId: 'main',
      claimSize: 10,
      intervalMs: 1000,
      leaseMs: 5_000,
      laneConcurrency: 2,
      maxAttempts: 30,
      retryBaseMs: 1000,
      retryMaxMs: 600_000,
      timeoutMs: 10_000,
      ...options,
    };
    this.log = options.log.child({ component: 'remote-subprocess' });
    this.finder = new RemoteFactoryFinder({ binder: options.binder, ...(options.registry ? { registry: options.registry } : {}), log: options.log });
    this.timeoutMs = 4 * this.o.timeoutMs;
    // Only refusals in a row count (see fail()): a case that waited a day for a factory must not
    // become an incident at the factory's first hiccup.
    this.policy = { maxRefusals: this.o.maxAttempts, retryBaseMs: this.o.retryBaseMs, retryMaxMs: this.o.retryMaxMs };
    this.worker = new OutboxWorker({
      engine: this.o.engine,
      log: this.log,
      strategies: [this],
      leaseMs: this.o.leaseMs,
      intervalMs: this.o.intervalMs,
      claimSize: this.o.claimSize,
      laneConcurrency: this.o.laneConcurrency,
      // A claim is a write transaction, and one per transfer would compete with the transfers
      // themselves for SQLite's single writer, while a remote subprocess can well start a second later.
      wakeOnCommit: false,
    });
  }

  /** Starts the loop; `publicUrl`, when the caller knows it only now (the listening address), is used for ObserverKeys. */
  start(publicUrl?: string): void {
    if (publicUrl) this.base = publicUrl.replace(/\/+$/, '');
    this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
  }

  kick(): void {
    this.worker.kick();
  }

  /** One pass: claim the due rows of this kind, start their remote subprocesses, record the outcome. */
  async runOnce(): Promise<RemoteDispatchReport> {
    return this.worker.runOnce();
  }

  /** Without our own address there is no ObserverKey to give; rows are left unclaimed (their attempt counts untouched) until it is known. */
  async ready(): Promise<boolean> {
    return (await this.publicBase()) !== undefined;
  }

  /** One lane per SubFlow target as the definition names it. */
  receiverOf(row: CallRow): { receiver: string } {
    return { receiver: row.destination };
  }

  async deliver(_receiver: string, rows: readonly CallRow[], ctx: DeliveryContext): Promise<Map<string, DeliveryOutcome>> {
    const row = rows[0]!;
    const base = await this.publicBase();
    if (!base) return new Map([[row.id, { retry: 'this engine does not know its public address yet' }]]);
    return new Map([[row.id, await this.dispatch(row, base, ctx)]]);
  }

  async onDead(row: CallRow, error: string): Promise<void> {
    const log = caseLogger(this.log, row.instanceId).child({ messageId: row.id, attempt: row.attempts });
    log.error({ error }, `remote subprocess not started (attempt ${row.attempts}); given up (dead letter), the activity becomes an incident`);
    const activityInstanceId = row.payload.activityInstanceId;
    if (typeof activityInstanceId === 'string') {
      // An incident is what an administrator sees and can retry; a dead row alone would leave the
      // case waiting for a Completed that can never come.
      await this.o.engine
        .failTransferredActivity(row.instanceId, activityInstanceId, `the remote subprocess could not be started: ${error}`, { messageId: `remote-subprocess:undeliverable:${row.id}`, source: 'remote-subprocess-dispatcher' })
        .catch((err: unknown) => log.error({ err }, 'could not turn the activity into an incident'));
    }
  }

  onRetry(row: CallRow, error: string, retryAt: Date): void {
    caseLogger(this.log, row.instanceId).child({ messageId: row.id, attempt: row.attempts }).warn({ error, retryAt: retryAt.toISOString() }, 'remote subprocess not started; will retry');
  }

  /** The base of the ObserverKeys: configured, given at start, or this engine's Observer binding in the registry. */
  async publicBase(): Promise<string | undefined> {
    if (this.o.publicUrl) return this.o.publicUrl.replace(/\/+$/, '');
    if (this.base) return this.base;
    const department = this.o.engine.department;
    if (!department) return undefined;
    const own = this.o.binder.keys.binding(department, 'observer', this.o.engineId);
    try {
      const endpoints = await this.o.binder.resolve({ department, service: SERVICE_TYPES.observer });
      const mine = endpoints.find((e) => e.bindingKey === own);
      if (mine) {
        this.base = mine.url.replace(/\/+$/, '').replace(new RegExp(`${OBSERVER_PATH}$`), '');
        this.waitingForAddressSince = undefined;
        this.log.info({ publicUrl: this.base }, 'remote subprocesses will be told to report to this engine at its registered address');
        return this.base;
      }
    } catch (err) {
      this.noteWaiting(`this engine's Observer is not in the registry yet (${(err as Error).message})`);
      return undefined;
    }
    this.noteWaiting(`no Observer binding ${own} in the registry yet`);
    return undefined;
  }

  private noteWaiting(why: string): void {
    const now = Date.now();
    // Said once at start and then once a minute: the usual cause is a registration in progress.
    if (this.waitingForAddressSince === undefined || now - this.waitingForAddressSince > 60_000) {
      this.waitingForAddressSince = now;
      this.log.info({ why }, 'remote subprocesses wait until this engine knows its public address (set INTERFLOW_PUBLIC_URL, or let it register)');
    }
  }

  private async dispatch(row: CallRow, base: string, ctx: DeliveryContext): Promise<DeliveryOutcome> {
    const p: Partial<RemoteSubprocessPayload> = row.payload;
    const activityId = typeof p.activityId === 'string' ? p.activityId : undefined;
    const activityInstanceId = typeof p.activityInstanceId === 'string' ? p.activityInstanceId : undefined;
    const log = caseLogger(this.log, row.instanceId).child({ messageId: row.id, activityId, attempt: row.attempts });
    if (!activityInstanceId || !activityId) return { dead: 'the outbox row names no activity instance; it cannot be correlated' };

    let target: RemoteFactoryTarget | undefined;
    try {
      const stale = await this.notWaiting(row, activityInstanceId);
      if (stale) {
        // Dead rather than sent: nothing went out, and the row says why.
        log.info({ reason: stale }, 'remote subprocess not started: its activity no longer waits for it');
        return { dropped: stale };
      }
      const processId = typeof p.remoteProcessId === 'string' && p.remoteProcessId ? p.remoteProcessId : remoteProcessId(row.destination);
      target = remoteFactoryTarget({ remoteRef: row.destination, processId, attributes: await this.attributesOf(p, activityId), ...(this.o.table ? { table: this.o.table } : {}) });
      const observerKey = subprocessObserverKey(base, { instanceId: row.instanceId, messageId: row.id });
      const call = (factory: string, department?: string) => this.createInstance(row, factory, observerKey, base, department, ctx.signal);
      const t = target;
      const started = t.kind === 'url' ? await call(t.url, await this.ownerOfFactory(t.url)) : await this.finder.invoke(t, (endpoint) => call(endpoint.url, endpoint.department));
      // Whom the call went to is what the Observer later takes the result from: recorded with the
      // sent mark, in one write, so no Completed is ever weighed against a half-recorded call.
      const boundTo = { factory: started.factory, ...(started.department ? { department: started.department } : {}), ...(started.remoteInstance ? { remoteInstance: started.remoteInstance } : {}) };
      log.info(
        { factory: started.factory, department: started.department, remoteInstance: started.remoteInstance, boundBy: t.because, definedAs: row.destination, ...(started.omitted.length ? { omitted: started.omitted } : {}) },
        'remote subprocess started',
      );
      return { sent: true, payload: { ...row.payload, boundTo } };
    } catch (err) {
      const why = ctx.failure(err);
      const reason = target ? `${describeTarget(target)} (bound by ${target.because}): ${why}` : why;
      // Nothing could be called (no factory registered, none reachable, the registry down): that
      // ends by itself when the other side comes (as transfers wait for an offline department),
      // so it is retried at the backoff's pace without end and does not count as a refusal.
      return nobodyThere(err, target) || ctx.signal.aborted ? { retry: reason } : { retry: reason, refusal: true };
    }
  }

  /**
   * In a federation, the department publishing a factory address the mapping table names. Its
   * results must be signed by a department, so an address no department publishes is refused
   * (counted as a refusal: it is the operator's configuration, not something that comes by itself).
   */
  private async ownerOfFactory(url: string): Promise<string | undefined> {
    if (!this.o.trust) return undefined;
    const owner = await this.o.trust.endpoints.ownerOf(url, SERVICE_TYPES.factory);
    if (!owner) {
      throw new Error(`no department in the registry publishes the factory ${url}; between departments Interflow calls only registered factories, whose results it can authenticate (map the SubFlow to a department instead)`);
    }
    return owner;
  }

  /** The signing of a call to a department's factory; in a federation every call is signed. */
  private signingFor(department: string | undefined, factory: string): { signing: AsapSigning } | Record<string, never> {
    const { trust } = this.o;
    if (!trust) return {};
    if (!department) throw new Error(`the factory ${factory} belongs to no registered department; a call between departments must be signed for one`);
    return { signing: { identity: trust.identity, receiver: department } };
  }

  /**
   * GetProperties first, to send only the fields the factory's ContextDataSchema declares: a
   * SubFlow whose callee is not in the package passes every actual parameter both ways (the
   * importer cannot know the directions), and a factory refuses undeclared fields. A factory that
   * publishes no schema gets everything.
   */
  private async createInstance(row: CallRow, factory: string, observerKey: string, base: string, department: string | undefined, signal: AbortSignal): Promise<Started> {
    const p: Partial<RemoteSubprocessPayload> = row.payload;
    const data = p.data && typeof p.data === 'object' ? p.data : {};
    const signing = this.signingFor(department, factory);
    const declared = await this.declaredFields(factory, signing, signal);
    const sent: Record<string, unknown> = {};
    const omitted: string[] = [];
    for (const [k, v] of Object.entries(data)) {
      if (declared && !declared.has(k)) {
        if (v !== null && v !== undefined) omitted.push(k);
      } else sent[k] = v;
    }
    const reply = await postAsap(
      createInstanceRequest({
        factoryKey: factory,
        observerKey,
        senderKey: instanceKey(base, row.instanceId),
        // The same on every attempt: a factory that drops repeated requests can tell a retry.
        requestId: requestIdFor(row.id),
        subject: `${String(p.processId ?? 'case')} ${row.instanceId}, activity ${String(p.activityId)}`,
        data: sent,
      }),
      { timeoutMs: this.o.timeoutMs, signal, ...(this.o.fetch ? { fetch: this.o.fetch } : {}), ...signing },
    );
    const key = textOf(reply.body?.InstanceKey);
    return { factory, ...(department ? { department } : {}), ...(key ? { remoteInstance: key } : {}), omitted };
  }

  /** The factory's declared ContextData fields, or undefined when it does not say. */
  private async declaredFields(factory: string, signing: { signing?: AsapSigning }, signal: AbortSignal): Promise<Set<string> | undefined> {
    let reply;
    try {
      reply = await postAsap(
        { receiverKey: factory, resource: 'factory', operation: 'GetProperties', body: `<as:GetPropertiesRq xmlns:as="${ASAP_NS}"/>` },
        { timeoutMs: this.o.timeoutMs, signal, ...(this.o.fetch ? { fetch: this.o.fetch } : {}), ...signing },
      );
    } catch (err) {
      // Not there: the binder must fail over. Anything else (a fault, a vendor without
      // GetProperties) is no reason not to try CreateInstance.
      if (isEndpointFailure(err)) throw err;
      return undefined;
    }
    const schema = first(asNode(reply.body?.ContextDataSchema)?.schema);
    const elements = asNode(schema)?.element;
    if (!elements) return undefined;
    const names = (Array.isArray(elements) ? elements : [elements]).map((e) => asNode(asNode(e)?.['@'])?.name).filter((n): n is string => typeof n === 'string');
    return names.length ? new Set(names.map(decodeLocalName)) : undefined;
  }

  /** Why the row need not be sent any more, or undefined when its activity still waits for it. */
  private async notWaiting(row: CallRow, activityInstanceId: string): Promise<string | undefined> {
    let inst;
    try {
      inst = await this.o.engine.getInstance(row.instanceId);
    } catch (err) {
      if (err instanceof NotFoundError) return `case ${row.instanceId} is not in this engine`;
      throw err;
    }
    if (inst.state.startsWith('closed.')) return `the case is ${inst.state}`;
    const ai = inst.runtime.activities.find((a) => a.id === activityInstanceId);
    if (!ai || ai.state !== 'transferred' || (ai.outboxId !== undefined && ai.outboxId !== row.id)) return `activity instance ${activityInstanceId} no longer waits for this call`;
    return undefined;
  }

  private async attributesOf(p: Partial<RemoteSubprocessPayload>, activityId: string): Promise<Record<string, string> | undefined> {
    if (typeof p.processId !== 'string') return undefined;
    try {
      const record = await this.o.engine.getDefinition(p.processId, typeof p.version === 'number' ? p.version : undefined);
      return record.definition.activities.find((a) => a.id === activityId)?.extendedAttributes;
    } catch {
      return undefined;
    }
  }

}

const NOBODY_THERE: ReadonlySet<string> = new Set(['NO_ENDPOINT', 'UNKNOWN_DEPARTMENT', 'ALL_ENDPOINTS_FAILED', 'REGISTRY_UNAVAILABLE']);

function nobodyThere(err: unknown, target: RemoteFactoryTarget | undefined): boolean {
  if (err instanceof BindingError) return NOBODY_THERE.has(err.code);
  return target?.kind === 'url' && isEndpointFailure(err);
}

function asNode(value: unknown): SoapNode | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as SoapNode) : undefined;
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function textOf(value: unknown): string | undefined {
  const v = first(value);
  if (typeof v === 'string') return v.trim() || undefined;
  const t = asNode(v)?.[TEXT_KEY];
  return typeof t === 'string' ? t.trim() || undefined : undefined;
}

/** What a department's federation may set beside what it reads from the environment (tests: faster retries). */
export type RemoteSubprocessOverrides = Partial<Omit<RemoteSubprocessDispatcherOptions, 'engine' | 'binder' | 'log' | 'trust'>>;

/**
 * The dispatcher as a department engine's environment configures it: INTERFLOW_REMOTE_FACTORIES
 * (the mapping table), INTERFLOW_PUBLIC_URL (the ObserverKeys' base), INTERFLOW_ENGINE_ID, and
 * INTERFLOW_REGISTRY_URL for searching departments by process when no registry is handed in.
 */
export function remoteSubprocessDispatcherFromEnv(o: {
  engine: WorkflowEngine;
  binder: Binder;
  log: Logger;
  env: NodeJS.ProcessEnv;
  registry?: UddiInquiry;
  overrides?: RemoteSubprocessOverrides;
  trust?: WfxmlTrust;
}): RemoteSubprocessDispatcher {
  const registryUrl = o.env.INTERFLOW_REGISTRY_URL?.trim();
  const registry = o.registry ?? (registryUrl ? new RegistryClient({ baseUrl: registryUrl }) : undefined);
  const publicUrl = o.env.INTERFLOW_PUBLIC_URL?.trim() || undefined;
  const engineId = o.env.INTERFLOW_ENGINE_ID?.trim() || undefined;
  return new RemoteSubprocessDispatcher({
    engine: o.engine,
    binder: o.binder,
    log: o.log,
    table: remoteFactoriesFromEnv(o.env),
    ...(registry ? { registry } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    ...(engineId ? { engineId } : {}),
    ...(o.trust ? { trust: o.trust } : {}),
    ...outboxSettingsFromEnv(o.env),
    ...o.overrides,
  });
}

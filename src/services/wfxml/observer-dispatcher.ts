import type { Logger } from 'pino';
import type { InstanceState, OutboxKind, OutboxRecord, ProcessDefinition, WorkflowEngine } from '../../engine';
import { OutboxWorker, type DeliveryContext, type DeliveryOutcome, type DeliveryStrategy } from '../../outbox';
import { escapeXml } from '../soap';
import { postAsap, requestIdFor, type AsapRequest } from './asap-client';
import { dataChildren, resultFields } from './context-data';
import { previousState } from './instance-service';
import { instanceKey } from './keys';
import { ASAP_NS } from './namespaces';
import type { AsapSigning, WfxmlTrust } from './trust';
import { caseLogger } from '../../monitoring';

export const OBSERVER_NOTIFY_KIND = 'observer-notify' as const satisfies OutboxKind;

export interface ObserverDispatcherOptions {
  engine: WorkflowEngine;
  /** This engine's public address (scheme://host:port): the instance keys sent are built on it. */
  baseUrl: string;
  log: Logger;
  /** Messages claimed per round (default 20). */
  batchSize?: number;
  /** How long a claim holds a message against other replicas, renewed while it is sent (default 5 s). */
  leaseMs?: number;
  /** Notifications in flight per observer host (default 2). */
  laneConcurrency?: number;
  /** Pause between runs while started (default 1 s). */
  intervalMs?: number;
  /** The attempt that fails at this count marks the message dead (default 10). */
  maxAttempts?: number;
  /** Retry delay after the first failure, doubled after each further one (default 1 s) … */
  retryBaseMs?: number;
  /** … up to this (default 1 h). */
  retryMaxMs?: number;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /**
   * A department engine in a federation: notifications go only to observers registered
   * departments publish, signed by this department for the one whose observer it is.
   */
  trust?: WfxmlTrust;
}

export interface DispatchReport {
  sent: number;
  retried: number;
  dead: number;
}

type NotifyRow = OutboxRecord<typeof OBSERVER_NOTIFY_KIND>;

/**
 * Tells Wf-XML observers that their instance closed: CompletedRq with the result for
 * closed.completed, StateChangedRq for the abnormal ends. The engine writes an 'observer-notify'
 * outbox message in the same transaction that closes an instance with an observer; an
 * OutboxWorker with this strategy delivers it at least once, with exponential backoff, one lane
 * per observer host, and dead-letters it after maxAttempts. Receivers see the same RequestID on
 * every attempt, so they can drop repeats (Interflow's own observer drops them by correlation anyway).
 */
export class ObserverDispatcher implements DeliveryStrategy<typeof OBSERVER_NOTIFY_KIND> {
  readonly name = 'observer-notify';
  readonly kinds = [OBSERVER_NOTIFY_KIND] as const;
  readonly batchSize = 1;
  readonly timeoutMs: number;
  readonly policy;
  readonly worker: OutboxWorker;
  private readonly o: Required<Omit<ObserverDispatcherOptions, 'fetch' | 'trust'>> & Pick<ObserverDispatcherOptions, 'fetch' | 'trust'>;

  constructor(options: ObserverDispatcherOptions) {
    this.o = {
      batchSize: 20,
      leaseMs: 5_000,
      intervalMs: 1_000,
      maxAttempts: 10,
      retryBaseMs: 1_000,
      retryMaxMs: 3_600_000,
      timeoutMs: 10_000,
      laneConcurrency: 2,
      ...options,
      log: options.log.child({ component: 'wfxml-observer-dispatcher' }),
    };
    this.timeoutMs = this.o.timeoutMs;
    this.policy = { maxAttempts: this.o.maxAttempts, retryBaseMs: this.o.retryBaseMs, retryMaxMs: this.o.retryMaxMs };
    this.worker = new OutboxWorker({
      engine: this.o.engine,
      log: this.o.log,
      strategies: [this],
      leaseMs: this.o.leaseMs,
      intervalMs: this.o.intervalMs,
      claimSize: this.o.batchSize,
      laneConcurrency: this.o.laneConcurrency,
      // Closing a case is rarely urgent for its observer, and polling spares SQLite's one writer a claim per close.
      wakeOnCommit: false,
    });
  }

  start(): void {
    this.worker.start();
  }

  /** Stops the loop and waits for the deliveries in flight to finish. */
  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** One pass: claim the due notifications (this dispatcher's kind only), send them, record the outcome. */
  async runOnce(): Promise<DispatchReport> {
    const { sent, retried, dead, dropped } = await this.worker.runOnce();
    return { sent, retried, dead: dead + dropped };
  }

  /** One lane per observer host: a slow observer delays only the notifications to it. */
  receiverOf(row: NotifyRow): { receiver: string } | { malformed: string } {
    try {
      return { receiver: new URL(row.destination).origin };
    } catch {
      return { receiver: row.destination };
    }
  }

  async deliver(_receiver: string, rows: readonly NotifyRow[], ctx: DeliveryContext): Promise<Map<string, DeliveryOutcome>> {
    const message = rows[0]!;
    const entry = { messageId: message.id, observer: message.destination, attempt: message.attempts };
    const log = caseLogger(this.o.log, message.instanceId);
    try {
      const request = await this.notification(message);
      const signing = await this.signingFor(message.destination);
      const reply = await postAsap(request, { timeoutMs: this.o.timeoutMs, signal: ctx.signal, ...(this.o.fetch ? { fetch: this.o.fetch } : {}), ...(signing ? { signing } : {}) });
      log.info({ ...entry, operation: request.operation, status: reply.status }, 'observer notified');
      return new Map([[message.id, { sent: true }]]);
    } catch (err) {
      const error = ctx.failure(err);
      const dead = message.attempts >= this.o.maxAttempts;
      if (dead) log.error({ ...entry, error }, `observer notification failed ${message.attempts} times; given up (dead letter)`);
      else log.warn({ ...entry, error }, 'observer notification failed; will retry');
      return new Map([[message.id, { retry: error }]]);
    }
  }

  /**
   * In a federation, whose observer the key is. The factory checked it when it took the
   * ObserverKey; it is asked again here because the registry may have changed since, and an
   * address nobody registered is never posted to.
   */
  private async signingFor(observer: string): Promise<AsapSigning | undefined> {
    const { trust } = this.o;
    if (!trust) return undefined;
    const receiver = await trust.endpoints.ownerOf(observer, 'wfxml-observer');
    if (!receiver) throw new Error(`${observer} is not the Observer of any department registered in the registry; in a federation results go only to registered observers, so nothing was sent`);
    return { identity: trust.identity, receiver };
  }

  /** CompletedRq (with ResultData) for closed.completed, StateChangedRq for the other closed states. */
  private async notification(message: NotifyRow): Promise<AsapRequest> {
    const { engine, baseUrl } = this.o;
    const payload: Partial<NotifyRow['payload']> = message.payload;
    const instanceId = payload.instanceId ?? message.instanceId;
    const key = instanceKey(baseUrl, instanceId);
    const common = { receiverKey: message.destination, senderKey: key, requestId: requestIdFor(message.id), resource: 'observer' as const };
    if (payload.state === 'closed.completed') {
      const def = await this.definitionOf(instanceId);
      const result = dataChildren(def ? resultFields(def) : [], payload.data ?? {}, !def);
      return {
        ...common,
        operation: 'Completed',
        body: `<as:CompletedRq xmlns:as="${ASAP_NS}"><as:InstanceKey>${escapeXml(key)}</as:InstanceKey><as:ResultData>${result}</as:ResultData></as:CompletedRq>`,
      };
    }
    const state = payload.state ?? (await engine.getInstance(instanceId)).state;
    const previous = previousState(await engine.history(instanceId), state as InstanceState);
    return {
      ...common,
      operation: 'StateChanged',
      body: `<as:StateChangedRq xmlns:as="${ASAP_NS}"><as:State>${escapeXml(state)}</as:State><as:PreviousState>${escapeXml(previous)}</as:PreviousState></as:StateChangedRq>`,
    };
  }

  private async definitionOf(instanceId: string): Promise<ProcessDefinition | undefined> {
    try {
      const view = await this.o.engine.getInstance(instanceId);
      return (await this.o.engine.getDefinition(view.processId, view.version)).definition;
    } catch {
      return undefined; // every value is then a result: better too much than nothing
    }
  }
}

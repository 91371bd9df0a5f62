import type { Logger } from 'pino';
import type { InstanceState, OutboxRecord, ProcessDefinition, WorkflowEngine } from '../../engine';
import { outboxRetryDelayMs } from '../../engine';
import { escapeXml } from '../soap';
import { postAsap, requestIdFor, type AsapRequest } from './asap-client';
import { dataChildren, resultFields } from './context-data';
import { previousState } from './instance-service';
import { instanceKey } from './keys';
import { ASAP_NS } from './namespaces';
import type { AsapSigning, WfxmlTrust } from './trust';
import { caseLogger } from '../../monitoring';

export const OBSERVER_NOTIFY_KIND = 'observer-notify';

export interface ObserverDispatcherOptions {
  engine: WorkflowEngine;
  /** This engine's public address (scheme://host:port): the instance keys sent are built on it. */
  baseUrl: string;
  log: Logger;
  /** Messages claimed per round (default 20). */
  batchSize?: number;
  /** How long a claim holds a message against other replicas; longer than a send can take (default 60 s). */
  leaseMs?: number;
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

/**
 * Tells Wf-XML observers that their instance closed: CompletedRq with the result for
 * closed.completed, StateChangedRq for the abnormal ends. The engine writes an 'observer-notify'
 * outbox message in the same transaction that closes an instance with an observer; this loop
 * delivers it at least once, with exponential backoff, and dead-letters it after maxAttempts.
 * Receivers see the same RequestID on every attempt, so they can drop repeats (Interflow's own
 * observer drops them by correlation anyway).
 */
export class ObserverDispatcher {
  private readonly o: Required<Omit<ObserverDispatcherOptions, 'fetch' | 'trust'>> & Pick<ObserverDispatcherOptions, 'fetch' | 'trust'>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(options: ObserverDispatcherOptions) {
    this.o = {
      batchSize: 20,
      leaseMs: 60_000,
      intervalMs: 1_000,
      maxAttempts: 10,
      retryBaseMs: 1_000,
      retryMaxMs: 3_600_000,
      timeoutMs: 10_000,
      ...options,
      log: options.log.child({ component: 'wfxml-observer-dispatcher' }),
    };
    if (this.o.leaseMs <= this.o.timeoutMs) throw new Error('ObserverDispatcher: leaseMs must be longer than timeoutMs, or a slow send could be claimed and sent twice');
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops the loop and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((err) => this.o.log.error({ err }, 'observer notification run failed; retrying next round'))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.o.intervalMs);
        });
    }, delay);
    this.timer.unref();
  }

  /** One pass: claim the due notifications (this dispatcher's kind only), send them, record the outcome. */
  async runOnce(): Promise<DispatchReport> {
    const { engine } = this.o;
    const report: DispatchReport = { sent: 0, retried: 0, dead: 0 };
    const now = engine.clock.now();
    const claimed = await engine.store.transaction((tx) => tx.claimOutbox(this.o.batchSize, now, this.o.leaseMs, [OBSERVER_NOTIFY_KIND]));
    for (const message of claimed) {
      const outcome = await this.deliver(message);
      report[outcome]++;
    }
    return report;
  }

  private async deliver(message: OutboxRecord): Promise<'sent' | 'retried' | 'dead'> {
    const { engine } = this.o;
    const entry = { messageId: message.id, observer: message.destination, attempt: message.attempts };
    const log = caseLogger(this.o.log, message.instanceId);
    try {
      const request = await this.notification(message);
      const signing = await this.signingFor(message.destination);
      const reply = await postAsap(request, { timeoutMs: this.o.timeoutMs, ...(this.o.fetch ? { fetch: this.o.fetch } : {}), ...(signing ? { signing } : {}) });
      await engine.store.transaction((tx) => tx.markOutboxSent(message.id, engine.clock.now()));
      log.info({ ...entry, operation: request.operation, status: reply.status }, 'observer notified');
      return 'sent';
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const dead = message.attempts >= this.o.maxAttempts;
      const delay = outboxRetryDelayMs(message.attempts, this.o.retryBaseMs, this.o.retryMaxMs);
      const next = new Date(engine.clock.now().getTime() + delay);
      await engine.store.transaction((tx) => tx.markOutboxRetry(message.id, error, next, dead));
      if (dead) log.error({ ...entry, error }, `observer notification failed ${message.attempts} times; given up (dead letter)`);
      else log.warn({ ...entry, error, retryAt: next.toISOString() }, 'observer notification failed; will retry');
      return dead ? 'dead' : 'retried';
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
  private async notification(message: OutboxRecord): Promise<AsapRequest> {
    const { engine, baseUrl } = this.o;
    const payload = message.payload as { instanceId?: string; state?: string; data?: Record<string, unknown> };
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

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { outboxRetryDelayMs, type OutboxKind, type OutboxPayloads, type OutboxRecord, type WorkflowEngine } from '../engine';

/** What became of one message after a delivery. */
export type DeliveryOutcome =
  /** The receiver took it; `payload`, when given, replaces the row's (what the send established). */
  | { sent: true; payload?: OutboxPayloads[OutboxKind] }
  /**
   * Not delivered, tried again after the backoff. `refusal`: the receiver answered no (counted in
   * the row's refusals in a row); otherwise nobody answered (the count starts again).
   */
  | { retry: string; refusal?: boolean }
  /** Given up at once: it would fail the same way every time. */
  | { dead: string }
  /** Nothing to send any more (the activity stopped waiting): dead, and not an error. */
  | { dropped: string };

export interface DeliveryContext {
  /** Aborted when the send's time is up or the worker stops: pass it to every request. */
  readonly signal: AbortSignal;
  /** Words a failure for the row's lastError and the log: a timeout says it is one. */
  failure(error: unknown): string;
}

/** When to give up on a message. */
export interface RetryPolicy {
  /** Dead when the attempt that failed was this one (claims count attempts). */
  maxAttempts?: number;
  /** Dead after so many refusals in a row (attempts that found nobody to ask do not count). */
  maxRefusals?: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/**
 * How one kind (or a few kinds that travel together) is delivered. The worker claims, holds,
 * renews, times out, retries and dead-letters; a strategy only says who receives a row and sends
 * a batch of rows to that receiver.
 */
export interface DeliveryStrategy<K extends OutboxKind = OutboxKind> {
  /** For logs and lane names. */
  readonly name: string;
  readonly kinds: readonly K[];
  /** Rows per delivery to one receiver (1: one request per row). */
  readonly batchSize: number;
  /** The longest one delivery may take; it is aborted (a timeout) after that. */
  readonly timeoutMs: number;
  readonly policy: RetryPolicy;
  /** The lane: who answers this row. A string that is not a receiver is the reason the row is malformed (dead at once). */
  receiverOf(row: OutboxRecord<K>): { receiver: string } | { malformed: string };
  /** False while the strategy cannot send anything yet (nothing is claimed). */
  ready?(): Promise<boolean>;
  /** Sends the rows (all for one receiver) and says what became of each, by row id. */
  deliver(receiver: string, rows: ReadonlyArray<OutboxRecord<K>>, ctx: DeliveryContext): Promise<Map<string, DeliveryOutcome>>;
  /** After a row was given up (dead or dropped is not called for dropped). */
  onDead?(row: OutboxRecord<K>, reason: string): Promise<void>;
  /** After a row was scheduled for another attempt. */
  onRetry?(row: OutboxRecord<K>, reason: string, retryAt: Date): void;
}

export interface OutboxWorkerOptions {
  engine: WorkflowEngine;
  log: Logger;
  strategies: ReadonlyArray<DeliveryStrategy<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- each strategy its own kinds
  /**
   * How long a claim holds a message against other replicas (default 5 s). Renewed every third of
   * it while the message is held, so it can be short: a replica that dies leaves its messages to
   * the others this soon.
   */
  leaseMs?: number;
  /** Deliveries in flight per receiver (default 2). */
  laneConcurrency?: number;
  /** Pause between claims when idle (default 1 s); a commit that writes to the outbox wakes the worker at once. */
  intervalMs?: number;
  /** Rows claimed per claim (default 200). */
  claimSize?: number;
  /** Rows held in memory at most, queued or in flight (default 2,000). */
  maxHeld?: number;
  /** Wake on every outbox write (default true); false polls only. */
  wakeOnCommit?: boolean;
}

export interface OutboxReport {
  sent: number;
  retried: number;
  dead: number;
  dropped: number;
}

/** A delivery's time ran out: logged and recorded as a timeout, not as an error code. */
export class SendTimeoutError extends Error {
  constructor(
    readonly receiver: string,
    readonly ms: number,
  ) {
    super(`timed out: ${receiver} did not answer within ${ms} ms`);
    // The name fetch and the binder know: a timeout is an endpoint failure (try the next replica).
    this.name = 'TimeoutError';
  }
}

/** The worker no longer holds the claim (it could not be renewed): stop before another replica sends it too. */
class ClaimLostError extends Error {
  constructor() {
    super('the claim could not be renewed before it ran out; another replica may take the message over');
    this.name = 'AbortError';
  }
}

interface Held {
  row: OutboxRecord;
  strategy: DeliveryStrategy<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  lane: Lane;
  done: (outcome: keyof OutboxReport | 'released') => void;
  settled: Promise<keyof OutboxReport | 'released'>;
}

interface Lane {
  key: string;
  receiver: string;
  strategy: DeliveryStrategy<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  queue: Held[];
  inFlight: number;
  aborts: Set<AbortController>;
  /** Destinations of its queued rows: skipped by claims while the lane is full. */
  destinations: Set<string>;
}

/**
 * The one outbox loop (docs/transfer-design.md, "The outbox worker"). Claims due messages with a
 * short lease and renews it while it holds them; sorts them into one lane per receiver; each lane
 * sends up to `laneConcurrency` deliveries at a time, each bounded by its strategy's timeout, so a
 * receiver that does not answer holds up only its own lane while the worker goes on claiming and
 * sending for everyone else. Failures are retried with the shared backoff (outboxRetryDelayMs) and
 * dead-lettered by the strategy's policy; refusals in a row are counted in their own column.
 */
export class OutboxWorker {
  readonly id = `w-${randomUUID()}`;
  private readonly o: Required<Omit<OutboxWorkerOptions, 'strategies'>>;
  private readonly strategies: ReadonlyArray<DeliveryStrategy<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  private readonly kinds: string[];
  private readonly lanes = new Map<string, Lane>();
  private readonly held = new Map<string, Held>();
  private readonly log: Logger;
  private stopped = true;
  private claiming?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private renewTimer?: NodeJS.Timeout;
  private renewing?: Promise<void>;
  /** Until when the last renewal (or claim) holds everything held. */
  private heldUntil = 0;
  private unsubscribe?: () => void;
  private readonly deliveries = new Set<Promise<void>>();

  constructor(options: OutboxWorkerOptions) {
    this.o = { leaseMs: 5_000, laneConcurrency: 2, intervalMs: 1_000, claimSize: 200, maxHeld: 2_000, wakeOnCommit: true, ...options };
    if (!(this.o.leaseMs >= 300)) throw new Error('OutboxWorker: leaseMs must be at least 300 ms (it is renewed every third of it)');
    if (!(this.o.laneConcurrency >= 1)) throw new Error('OutboxWorker: laneConcurrency must be at least 1');
    this.strategies = options.strategies;
    this.kinds = options.strategies.flatMap((s) => [...s.kinds]);
    this.log = options.log.child({ component: 'outbox-worker', worker: this.id });
  }

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.o.wakeOnCommit) {
      const { engine } = this.o;
      const unsubscribe = engine.onOutbox((claimed, written) => {
        this.adopt(claimed);
        // Only what was written unclaimed needs a claim; the rest is queued already.
        if (written > claimed.length) this.kick();
      });
      engine.setOutboxClaimer((row, now) => this.claimAtEnqueue(row, now));
      this.unsubscribe = () => {
        unsubscribe();
        engine.setOutboxClaimer(undefined);
      };
    }
    this.renewTimer = setInterval(() => void this.renewNow(), Math.max(100, Math.floor(this.o.leaseMs / 3)));
    this.renewTimer.unref();
    this.kick();
  }

  /** Stops claiming, lets deliveries in flight finish (bounded by their timeouts), then stops renewing. */
  async stop(): Promise<void> {
    if (this.stopped && !this.held.size) return;
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.claiming;
    // Queued rows are let go at once (another replica, or the next start, claims them); those in
    // flight finish.
    await this.releaseQueued();
    while (this.deliveries.size) await Promise.all([...this.deliveries]);
    if (this.renewTimer) clearInterval(this.renewTimer);
    await this.renewing;
  }

  /** Claims now, or right after the claim in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.claiming = this.claim()
      .catch((err: unknown) => {
        this.log.error({ err }, 'outbox claim failed; trying again next round');
        return 0;
      })
      .then((n) => {
        this.claiming = undefined;
        if (this.stopped) return;
        if (this.again || n >= this.o.claimSize) {
          this.again = false;
          setImmediate(() => this.kick());
        } else {
          this.timer = setTimeout(() => this.kick(), this.o.intervalMs);
          this.timer.unref();
        }
      });
  }

  /**
   * One pass for callers that drive the worker themselves (tests, the CLI): claims what is due and
   * waits until every claimed message was delivered, retried or given up.
   */
  async runOnce(): Promise<OutboxReport> {
    const report: OutboxReport = { sent: 0, retried: 0, dead: 0, dropped: 0 };
    const claimed: Held[] = [];
    await this.claim(claimed);
    if (!this.renewTimer && claimed.length) {
      // Not started: renew while this pass runs.
      this.renewTimer = setInterval(() => void this.renewNow(), Math.max(100, Math.floor(this.o.leaseMs / 3)));
      this.renewTimer.unref();
      try {
        await this.tally(claimed, report);
      } finally {
        clearInterval(this.renewTimer);
        this.renewTimer = undefined;
      }
    } else await this.tally(claimed, report);
    return report;
  }

  private async tally(claimed: Held[], report: OutboxReport): Promise<void> {
    for (const outcome of await Promise.all(claimed.map((h) => h.settled))) if (outcome !== 'released') report[outcome]++;
  }

  /** Claims what is due for lanes with room and queues it; resolves to how many rows it claimed. */
  private async claim(into?: Held[]): Promise<number> {
    const { engine } = this.o;
    const room = Math.min(this.o.claimSize, this.o.maxHeld - this.held.size);
    if (room <= 0) return 0;
    const ready = await Promise.all(this.strategies.map(async (s) => ((await (s.ready?.() ?? true)) ? s.kinds : [])));
    const kinds = ready.flat();
    if (!kinds.length) return 0;
    const skip = new Set<string>();
    for (const lane of this.lanes.values()) if (this.full(lane)) for (const d of lane.destinations) if (skip.size < 500) skip.add(d);
    const now = engine.clock.now();
    const rows = await engine.store.transaction((tx) => tx.claimOutbox(room, now, this.o.leaseMs, kinds, { owner: this.id, skipDestinations: [...skip] }));
    if (!rows.length) return 0;
    this.heldUntil = Math.max(this.heldUntil, now.getTime() + this.o.leaseMs);
    const touched = new Set<Lane>();
    for (const row of rows) {
      const strategy = this.strategyOf(row)!;
      const who = strategy.receiverOf(row);
      if ('malformed' in who) {
        // Not held: settled here and now.
        const h = { row, strategy, lane: undefined as unknown as Lane, ...settlement() };
        into?.push(h);
        await this.record(h, { dead: who.malformed });
        continue;
      }
      const h = this.hold(row, strategy, who.receiver);
      touched.add(h.lane);
      into?.push(h);
    }
    for (const lane of touched) this.drain(lane);
    return rows.length;
  }

  /**
   * Whether to take a message as it is written (WorkflowEngine.setOutboxClaimer): when its kind is
   * ours and sendable now, and there is room. Otherwise it is written unclaimed and claimed later.
   */
  private claimAtEnqueue(row: OutboxRecord, now: Date): { owner: string; until: Date } | undefined {
    if (this.stopped || this.held.size >= this.o.maxHeld) return undefined;
    const strategy = this.strategyOf(row);
    // A strategy that may not be ready (it says so asynchronously) is left to the claim.
    if (!strategy || strategy.ready) return undefined;
    try {
      if ('malformed' in strategy.receiverOf(row)) return undefined;
    } catch {
      return undefined; // the claim will meet it again and settle it; the command must not fail for it
    }
    return { owner: this.id, until: new Date(now.getTime() + this.o.leaseMs) };
  }

  /** Queues messages written already claimed by this worker, as a claim would have. */
  private adopt(rows: readonly OutboxRecord[]): void {
    // Stopped meanwhile: not sent from here; their claims run out and a claim takes them.
    if (!rows.length || this.stopped) return;
    const touched = new Set<Lane>();
    for (const row of rows) {
      if (row.claimedBy !== this.id || this.held.has(row.id)) continue;
      const strategy = this.strategyOf(row)!;
      const who = strategy.receiverOf(row);
      if ('malformed' in who) continue; // checked when it was taken; its claim runs out and a claim settles it
      // Its lease began when it was written, before any renewal that ran meanwhile: the earliest
      // lease held is what the worker can count on.
      const until = row.claimedUntil?.getTime() ?? 0;
      this.heldUntil = this.held.size ? Math.min(this.heldUntil, until) : until;
      touched.add(this.hold(row, strategy, who.receiver).lane);
    }
    for (const lane of touched) this.drain(lane);
  }

  /** The strategy that delivers a row's kind; a claimed or adopted row is always of one. */
  private strategyOf(row: OutboxRecord): DeliveryStrategy<any> | undefined { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.strategies.find((s) => s.kinds.includes(row.kind));
  }

  /** Holds a claimed row: queued in its receiver's lane until delivered, retried or let go. */
  private hold(row: OutboxRecord, strategy: DeliveryStrategy<any>, receiver: string): Held { // eslint-disable-line @typescript-eslint/no-explicit-any
    const lane = this.laneOf(strategy, receiver);
    const h: Held = { row, strategy, lane, ...settlement() };
    this.held.set(row.id, h);
    lane.queue.push(h);
    lane.destinations.add(row.destination);
    return h;
  }

  private full(lane: Lane): boolean {
    return lane.queue.length >= lane.strategy.batchSize * this.o.laneConcurrency;
  }

  private laneOf(strategy: DeliveryStrategy<any>, receiver: string): Lane { // eslint-disable-line @typescript-eslint/no-explicit-any
    const key = `${strategy.name}\u0000${receiver}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { key, receiver, strategy, queue: [], inFlight: 0, aborts: new Set(), destinations: new Set() };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** Starts deliveries on the lane while it has room and rows. */
  private drain(lane: Lane): void {
    while (lane.inFlight < this.o.laneConcurrency && lane.queue.length) {
      const batch = lane.queue.splice(0, lane.strategy.batchSize);
      const wasFull = lane.queue.length + batch.length >= lane.strategy.batchSize * this.o.laneConcurrency;
      lane.destinations = new Set(lane.queue.map((h) => h.row.destination));
      lane.inFlight++;
      const p = this.send(lane, batch).finally(() => {
        lane.inFlight--;
        this.deliveries.delete(p);
        if (!lane.queue.length && !lane.inFlight) this.lanes.delete(lane.key);
        else this.drain(lane);
        // A full lane made claims skip its receiver: claim again now that it has room.
        if (wasFull) this.kick();
      });
      this.deliveries.add(p);
    }
  }

  private async send(lane: Lane, batch: Held[]): Promise<void> {
    const { strategy, receiver } = lane;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(new SendTimeoutError(receiver, strategy.timeoutMs)), strategy.timeoutMs);
    lane.aborts.add(controller);
    const ctx: DeliveryContext = {
      signal: controller.signal,
      failure: (error) => describeFailure(error, controller.signal),
    };
    let outcomes: Map<string, DeliveryOutcome>;
    try {
      outcomes = await strategy.deliver(
        receiver,
        batch.map((h) => h.row),
        ctx,
      );
    } catch (error) {
      const why = ctx.failure(error);
      outcomes = new Map(batch.map((h) => [h.row.id, { retry: why }]));
    } finally {
      clearTimeout(timeout);
      lane.aborts.delete(controller);
    }
    if (controller.signal.reason instanceof SendTimeoutError) {
      this.log.warn({ to: receiver, kind: strategy.name, items: batch.length, timeoutMs: strategy.timeoutMs }, `${strategy.name} to ${receiver} timed out after ${strategy.timeoutMs} ms; will retry`);
    }
    if (controller.signal.reason instanceof ClaimLostError) {
      // Someone else may hold these now: record nothing, let them go.
      for (const h of batch) this.settle(h, 'released');
      return;
    }
    // Recorded together: each row is its own transaction, and started at once they share one
    // group commit (SQLite) or run side by side (MariaDB) instead of one commit after another.
    await Promise.all(
      batch.map((h) =>
        this.record(h, outcomes.get(h.row.id) ?? { retry: `no outcome from ${receiver}` }).catch((err: unknown) => {
          this.log.error({ err, messageId: h.row.id }, 'could not record an outbox delivery; the claim runs out and it is sent again');
          this.settle(h, 'released');
        }),
      ),
    );
  }

  private settle(h: Held, outcome: keyof OutboxReport | 'released'): void {
    this.held.delete(h.row.id);
    h.done(outcome);
  }

  private async record(h: Held, outcome: DeliveryOutcome): Promise<void> {
    const { engine } = this.o;
    const { row, strategy } = h;
    const now = engine.clock.now();
    if ('sent' in outcome) {
      await engine.store.transaction((tx) => tx.markOutboxSent(row.id, now, outcome.payload));
      this.settle(h, 'sent');
      return;
    }
    if ('dropped' in outcome) {
      await engine.store.transaction((tx) => tx.markOutboxRetry(row.id, `not sent: ${outcome.dropped}`, now, true));
      this.settle(h, 'dropped');
      return;
    }
    const { policy } = strategy;
    let reason: string;
    let dead: boolean;
    let refusals = 0;
    if ('dead' in outcome) {
      reason = outcome.dead;
      dead = true;
      refusals = row.refusals ?? 0;
    } else {
      refusals = outcome.refusal ? (row.refusals ?? 0) + 1 : 0;
      // The count is the column's; the text says it too, where an operator reads the row anyway.
      reason = outcome.refusal && policy.maxRefusals !== undefined ? `refusal ${refusals} of ${policy.maxRefusals}: ${outcome.retry}` : outcome.retry;
      dead = (policy.maxAttempts !== undefined && row.attempts >= policy.maxAttempts) || (policy.maxRefusals !== undefined && refusals >= policy.maxRefusals);
    }
    const next = new Date(now.getTime() + outboxRetryDelayMs(row.attempts, policy.retryBaseMs, policy.retryMaxMs));
    await engine.store.transaction((tx) => tx.markOutboxRetry(row.id, reason, next, dead, refusals));
    if (dead) await strategy.onDead?.(row, reason)?.catch((err: unknown) => this.log.error({ err, messageId: row.id }, 'after giving up a message'));
    else strategy.onRetry?.(row, reason, next);
    this.settle(h, dead ? 'dead' : 'retried');
  }

  /** Extends the claims on everything held; when that fails for too long, stops the sends before the claims run out. */
  private renewNow(): Promise<void> {
    if (this.renewing) return this.renewing;
    this.renewing = (async () => {
      const ids = [...this.held.keys()];
      if (!ids.length) return;
      const { engine } = this.o;
      const now = engine.clock.now().getTime();
      try {
        const until = new Date(now + this.o.leaseMs);
        for (let i = 0; i < ids.length; i += 500) {
          const chunk = ids.slice(i, i + 500);
          await engine.store.transaction((tx) => tx.renewOutboxClaims(chunk, until, this.id));
        }
        this.heldUntil = until.getTime();
      } catch (err) {
        this.log.warn({ err, held: ids.length }, 'could not renew the outbox claims');
        // A send must never outlive its claim: with less than a renewal period left, stop them.
        if (this.heldUntil - engine.clock.now().getTime() <= this.o.leaseMs / 3) this.loseClaims();
      }
    })().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private loseClaims(): void {
    for (const lane of this.lanes.values()) {
      for (const c of lane.aborts) c.abort(new ClaimLostError());
      for (const h of lane.queue.splice(0)) this.settle(h, 'released');
      lane.destinations.clear();
    }
  }

  private async releaseQueued(): Promise<void> {
    const queued: Held[] = [];
    for (const lane of this.lanes.values()) {
      queued.push(...lane.queue.splice(0));
      lane.destinations.clear();
    }
    if (!queued.length) return;
    const { engine } = this.o;
    // Handed back untried: due again at once, for whoever claims next.
    await engine.store
      .transaction(async (tx) => {
        for (const h of queued) await tx.renewOutboxClaims([h.row.id], new Date(0), this.id);
      })
      .catch((err: unknown) => this.log.warn({ err }, 'could not hand back the queued outbox rows; their claims run out'));
    for (const h of queued) this.settle(h, 'released');
  }
}

/** A failure as a person reads it: a timeout as a timeout (not `(23)`), anything else by its message. */
export function describeFailure(error: unknown, signal?: AbortSignal): string {
  if (signal?.aborted && signal.reason instanceof Error) return signal.reason.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A held row's outcome, made once per row: `done` settles it, and whoever claimed it awaits `settled`. */
function settlement(): Pick<Held, 'done' | 'settled'> {
  let done!: Held['done'];
  const settled = new Promise<keyof OutboxReport | 'released'>((resolve) => (done = resolve));
  return { done, settled };
}

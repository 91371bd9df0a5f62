import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { outboxRetryDelayMs, parseHandOverObserver, type OutboxRecord, type WorkflowEngine } from '../engine';
import { signEnvelope, type SigningIdentity } from './signing';
import { deliverEnvelope, readAcks, toText, type TransferItem } from './transfer-items';
import type { MessageLog } from './message-log';
import { TRANSFER_RELAY_PATH, type TransferDirectory } from './transfer-directory';
import { endpointFailureFor } from './registry-directory';
import { transferKindLabel, transfersRefused, transfersRetried, transfersSent } from '../monitoring';

export type RoutingMode = 'direct' | 'relay';

export interface TransferDispatcherOptions {
  engine: WorkflowEngine;
  identity: SigningIdentity;
  directory: TransferDirectory;
  messageLog: MessageLog;
  log: Logger;
  routing?: RoutingMode;
  /** The hub's base URL, for relayed routing. */
  hubUrl?: string;
  /** Items per signed message: batching spreads one RSA signature over many transfers under load. */
  batchSize?: number;
  /** Outbox rows claimed per pass. */
  claimSize?: number;
  intervalMs?: number;
  leaseMs?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  timeoutMs?: number;
}

const KINDS = ['transfer', 'transfer-result', 'publish'] as const;

/** The receiver (or the hub) answered 413: the message is over its request size limit. */
class TooLargeError extends Error {
  constructor(
    readonly url: string,
    readonly bytes: number,
  ) {
    super(`${url} answered HTTP 413: the message of ${bytes} bytes is over its request size limit`);
    this.name = 'TooLargeError';
  }
}

/** What a person reads on a dead outbox row: what happened, and what to do about it. */
function deadReason(receiver: string, item: TransferItem, problem: string, todo: string): string {
  return `dead, not retried: ${problem}. ${todo} (case ${item.caseId}, item ${item.itemId}, to ${receiver})`;
}

export interface DispatchReport {
  sent: number;
  retried: number;
  dead: number;
}

/**
 * Sends the outbox's transfers and results, exactly once as far as the receiver can tell: a row
 * is marked sent only after the receiver acknowledged its item (accepted, or a duplicate of one it
 * took before); anything else is retried with exponential backoff, and replicas sharing a database
 * split the work through the outbox's claim lease. Wakes up at once when the engine writes to the
 * outbox, so a transfer does not wait for the next poll.
 */
export class TransferDispatcher {
  private readonly o: Required<Omit<TransferDispatcherOptions, 'hubUrl'>> & { hubUrl?: string };
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  private unsubscribe?: () => void;

  constructor(options: TransferDispatcherOptions) {
    this.o = {
      routing: 'direct',
      batchSize: 50,
      claimSize: 500,
      intervalMs: 1000,
      // Just longer than one send may take: a department killed mid-send resends its claimed
      // rows this soon after it restarts (receivers take duplicates idempotently).
      leaseMs: 12_000,
      maxAttempts: 25,
      retryBaseMs: 250,
      retryMaxMs: 60_000,
      timeoutMs: 10_000,
      ...options,
    };
    if (this.o.routing === 'relay' && !this.o.hubUrl) throw new Error('relayed routing needs the hub URL (INTERFLOW_HUB_URL)');
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.o.engine.onOutbox(() => this.kick());
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Runs a pass now, or right after the one in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.running = this.runOnce()
      .then((r) => r.sent + r.retried + r.dead > 0)
      .catch((err: unknown) => {
        this.o.log.error({ err }, 'transfer dispatch pass failed');
        return false;
      })
      .then((busy) => {
        this.running = undefined;
        if (this.stopped) return;
        if (busy || this.again) {
          this.again = false;
          setImmediate(() => this.kick());
        } else {
          this.timer = setTimeout(() => this.kick(), this.o.intervalMs);
          this.timer.unref();
        }
      });
  }

  async runOnce(): Promise<DispatchReport> {
    const { engine } = this.o;
    const now = engine.clock.now();
    const claimed = await engine.store.transaction((tx) => tx.claimOutbox(this.o.claimSize, now, this.o.leaseMs, KINDS));
    const report: DispatchReport = { sent: 0, retried: 0, dead: 0 };
    if (!claimed.length) return report;
    const byReceiver = new Map<string, Array<{ row: OutboxRecord; item: TransferItem }>>();
    for (const row of claimed) {
      const entry = this.toItem(row);
      if (!entry) {
        await this.retry([row], 'the outbox row cannot be turned into a transfer (missing fields)', report, true);
        continue;
      }
      const list = byReceiver.get(entry.receiver) ?? [];
      list.push({ row, item: entry.item });
      byReceiver.set(entry.receiver, list);
    }
    await Promise.all(
      [...byReceiver].map(async ([receiver, entries]) => {
        for (let i = 0; i < entries.length; i += this.o.batchSize) await this.send(receiver, entries.slice(i, i + this.o.batchSize), report);
      }),
    );
    return report;
  }

  private toItem(row: OutboxRecord): { receiver: string; item: TransferItem } | undefined {
    const p = row.payload as Record<string, unknown>;
    if (row.kind === 'transfer') {
      if (!p.caseId || !p.activityId || !p.home) return undefined;
      return {
        receiver: row.destination,
        item: {
          kind: 'hand-over',
          itemId: row.id,
          caseId: String(p.caseId),
          home: String(p.home),
          processId: String(p.processId),
          version: Number(p.version),
          ...(p.contentHash ? { contentHash: String(p.contentHash) } : {}),
          activityId: String(p.activityId),
          activityInstanceId: String(p.activityInstanceId),
          data: toText((p.data as Record<string, unknown>) ?? {}),
        },
      };
    }
    if (row.kind === 'publish') {
      if (!p.source || !p.packageId) return undefined;
      return { receiver: row.destination, item: { kind: 'publish', itemId: row.id, caseId: row.instanceId, packageId: String(p.packageId), source: String(p.source) } };
    }
    const target = parseHandOverObserver(row.destination);
    if (!target) return undefined;
    const completed = p.state === 'closed.completed';
    return {
      receiver: target.home,
      item: {
        kind: 'result',
        itemId: row.id,
        caseId: target.caseId,
        activityInstanceId: target.activityInstanceId,
        outcome: completed ? 'completed' : 'failed',
        ...(completed ? {} : { reason: `the performing instance ${String(p.instanceId)} at ${this.o.engine.department} ended ${String(p.state)}` }),
        data: completed ? toText((p.data as Record<string, unknown>) ?? {}) : {},
      },
    };
  }

  private async send(receiver: string, entries: Array<{ row: OutboxRecord; item: TransferItem }>, report: DispatchReport): Promise<void> {
    const { engine, log } = this.o;
    const sender = engine.department!;
    const header = { messageId: randomUUID(), sender, receiver, sentAt: engine.clock.now() };
    const items = entries.map((e) => e.item);
    const envelope = signEnvelope(deliverEnvelope(header, items), this.o.identity);
    let endpoint = '';
    try {
      const post = async (url: string): Promise<string> => {
        endpoint = url;
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' },
          body: envelope,
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
        const failure = endpointFailureFor(res.status, url);
        if (failure) {
          await res.body?.cancel();
          throw failure;
        }
        if (res.status === 413) {
          await res.body?.cancel();
          throw new TooLargeError(url, Buffer.byteLength(envelope));
        }
        return res.text();
      };
      const text = this.o.routing === 'relay'
        ? await post(`${this.o.hubUrl!.replace(/\/+$/, '')}${TRANSFER_RELAY_PATH}`)
        : await this.o.directory.deliver(receiver, post);
      const acks = new Map(readAcks(text).map((a) => [a.itemId, a]));
      const done: OutboxRecord[] = [];
      const outcomes: Array<{ item: TransferItem; outcome: string; reason?: string }> = [];
      for (const { row, item } of entries) {
        const ack = acks.get(item.itemId);
        outcomes.push({ item, outcome: ack?.status ?? 'unacknowledged', ...(ack?.reason ? { reason: ack.reason } : {}) });
        if (ack && (ack.status === 'accepted' || ack.status === 'duplicate')) {
          done.push(row);
          transfersSent.inc({ peer: receiver, kind: transferKindLabel(item.kind) });
          continue;
        }
        if (ack?.status === 'refused') transfersRefused.inc({ peer: receiver, direction: 'out', reason: 'refused' });
        if (ack?.status === 'refused' && ack.reason?.startsWith('not authorised:')) {
          // The process does not grant this: it would be refused the same way every time, so it
          // is dead at once, alone; the rest of the batch went on. Other refusals (a definition
          // not installed there yet, a case suspended) may pass later and are retried.
          await this.retry(
            [row],
            deadReason(receiver, item, `${receiver} refused it: ${ack.reason}`, `Fix what the refusal names at ${receiver} or in the case, then start the work again from the case`),
            report,
            true,
          );
          continue;
        }
        this.countRetries(receiver, [{ row, item }]);
        await this.retry([row], ack?.reason ?? `no acknowledgement from ${receiver}`, report);
      }
      if (done.length) {
        const at = engine.clock.now();
        await engine.store.transaction(async (tx) => {
          for (const row of done) await tx.markOutboxSent(row.id, at);
        });
        report.sent += done.length;
      }
      await this.o.messageLog.record({ messageId: header.messageId, direction: 'out', sender, receiver, at: header.sentAt, outcome: 'delivered', envelope, items: outcomes });
      log.info({ messageId: header.messageId, to: receiver, via: this.o.routing, items: items.length, acknowledged: done.length, cases: [...new Set(items.map((i) => i.caseId))].slice(0, 5) }, 'transfer message delivered');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof TooLargeError) {
        await this.o.messageLog
          .record({ messageId: header.messageId, direction: 'out', sender, receiver, at: header.sentAt, outcome: 'failed', reason, envelope, items: items.map((item) => ({ item, outcome: 'pending', reason })) })
          .catch(() => undefined);
        if (entries.length > 1) {
          // Poison isolation: one oversized item must not hold back the others of its batch.
          log.warn({ messageId: header.messageId, to: receiver, items: items.length, bytes: error.bytes }, `transfer to ${receiver} is too large for it; sending its ${items.length} items one by one`);
          for (const entry of entries) await this.send(receiver, [entry], report);
          return;
        }
        const [{ row, item }] = entries;
        log.error({ messageId: header.messageId, to: receiver, caseId: item.caseId, itemId: item.itemId, bytes: error.bytes }, 'transfer item is too large for the receiver on its own: dead');
        await this.retry(
          [row],
          deadReason(
            receiver,
            item,
            `alone it makes a message of ${error.bytes} bytes, over what ${receiver} accepts (HTTP 413)`,
            `Make the case's data smaller (large documents belong in a document store, referenced by id) or raise INTERFLOW_MAX_BODY at ${receiver}, then start the work again from the case`,
          ),
          report,
          true,
        );
        return;
      }
      await this.o.messageLog
        .record({ messageId: header.messageId, direction: 'out', sender, receiver, at: header.sentAt, outcome: 'failed', reason, envelope, items: items.map((item) => ({ item, outcome: 'pending', reason })) })
        .catch(() => undefined);
      log.warn({ messageId: header.messageId, to: receiver, endpoint, items: items.length, reason }, `transfer to ${receiver} failed; will retry`);
      this.countRetries(receiver, entries);
      await this.retry(entries.map((e) => e.row), `delivery to ${receiver} failed: ${reason}`, report);
    }
  }

  /** interflow_transfers_retried_total: the deliveries retry() will schedule again (not those it gives up). */
  private countRetries(receiver: string, entries: Array<{ row: OutboxRecord; item: TransferItem }>): void {
    for (const { row, item } of entries) if (row.attempts < this.o.maxAttempts) transfersRetried.inc({ peer: receiver, kind: transferKindLabel(item.kind) });
  }

  private async retry(rows: OutboxRecord[], error: string, report: DispatchReport, dead = false): Promise<void> {
    const { engine } = this.o;
    await engine.store.transaction(async (tx) => {
      for (const row of rows) {
        const giveUp = dead || row.attempts >= this.o.maxAttempts;
        const delay = outboxRetryDelayMs(row.attempts, this.o.retryBaseMs, this.o.retryMaxMs);
        await tx.markOutboxRetry(row.id, error, new Date(engine.clock.now().getTime() + delay), giveUp);
        if (giveUp) report.dead++;
        else report.retried++;
      }
    });
  }
}

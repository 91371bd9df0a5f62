import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { parseHandOverObserver, type OutboxKind, type OutboxRecord, type WorkflowEngine } from '../engine';
import { OutboxWorker, type DeliveryContext, type DeliveryOutcome, type DeliveryStrategy, type OutboxReport } from '../outbox';
import { soapCall } from '../services/soap';
import { inThisThread, type EnvelopeCrypto, type SigningIdentity } from './signing';
import { deliverContent, readAcks, type Ack, type TransferItem } from './transfer-items';
import type { MessageLog } from './message-log';
import { TRANSFER_RELAY_PATH, type TransferDirectory } from './transfer-directory';
import { endpointFailureFor } from './registry-directory';
import { transferKindLabel, transfersRefused, transfersRetried, transfersSent } from '../monitoring';

export type RoutingMode = 'direct' | 'relay';

export interface TransferDispatcherOptions {
  engine: WorkflowEngine;
  identity: SigningIdentity;
  /** Where messages are signed (default: in the event loop). */
  crypto?: EnvelopeCrypto;
  directory: TransferDirectory;
  messageLog: MessageLog;
  log: Logger;
  routing?: RoutingMode;
  /** The hub's base URL, for relayed routing. */
  hubUrl?: string;
  /** Items per signed message: batching spreads one RSA signature over many transfers under load. */
  batchSize?: number;
  /** Outbox rows claimed per claim. */
  claimSize?: number;
  intervalMs?: number;
  /** The claim lease, renewed while a row is held (OutboxWorker). */
  leaseMs?: number;
  /** Signed messages in flight per receiving department. */
  laneConcurrency?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * One request's round trip; a receiver that takes longer is timed out (the binder tries another
   * replica of it) and retried. A whole delivery, failover included, may take twice that.
   */
  timeoutMs?: number;
}

const KINDS = ['transfer', 'transfer-result', 'publish'] as const satisfies readonly OutboxKind[];
type TransferKind = (typeof KINDS)[number];
type TransferRow = OutboxRecord<TransferKind>;

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

export type DispatchReport = Omit<OutboxReport, 'dropped'>;

type Options = Required<Omit<TransferDispatcherOptions, 'hubUrl'>> & { hubUrl?: string };

/**
 * The transfer kinds' delivery strategy: hand-overs, results and published packages to one
 * department go in signed Deliver messages of up to batchSize items; a row is sent only once the
 * receiver acknowledged its item (accepted, or a duplicate of one it took before), so delivery is
 * exactly once as far as the receiver can tell.
 */
class TransferDelivery implements DeliveryStrategy<TransferKind> {
  readonly name = 'transfer';
  readonly kinds = KINDS;
  readonly batchSize: number;
  readonly timeoutMs: number;
  readonly policy;

  constructor(private readonly o: Options) {
    this.batchSize = o.batchSize;
    this.timeoutMs = 2 * o.timeoutMs;
    this.policy = { maxAttempts: o.maxAttempts, retryBaseMs: o.retryBaseMs, retryMaxMs: o.retryMaxMs };
  }

  receiverOf(row: TransferRow): { receiver: string } | { malformed: string } {
    if (row.kind === 'transfer-result') {
      const target = parseHandOverObserver(row.destination);
      return target ? { receiver: target.home } : { malformed: 'the outbox row cannot be turned into a transfer (missing fields)' };
    }
    return this.toItem(row) ? { receiver: row.destination } : { malformed: 'the outbox row cannot be turned into a transfer (missing fields)' };
  }

  onRetry(row: TransferRow): void {
    const receiver = this.receiverOf(row);
    if ('receiver' in receiver) transfersRetried.inc({ peer: receiver.receiver, kind: transferKindLabel(itemKind(row)) });
  }

  private toItem(row: TransferRow): TransferItem | undefined {
    if (row.kind === 'transfer') {
      const p = row.payload;
      if (!p.caseId || !p.activityId || !p.home) return undefined;
      return {
        kind: 'hand-over',
        itemId: row.id,
        caseId: String(p.caseId),
        home: String(p.home),
        processId: String(p.processId),
        version: Number(p.version),
        ...(p.contentHash ? { contentHash: String(p.contentHash) } : {}),
        activityId: String(p.activityId),
        activityInstanceId: String(p.activityInstanceId),
        data: p.data ?? {},
      };
    }
    if (row.kind === 'publish') {
      const p = row.payload;
      if (!p.source || !p.packageId) return undefined;
      return { kind: 'publish', itemId: row.id, caseId: row.instanceId, packageId: String(p.packageId), source: String(p.source) };
    }
    const target = parseHandOverObserver(row.destination);
    if (!target) return undefined;
    const p = row.payload;
    const completed = p.state === 'closed.completed';
    return {
      kind: 'result',
      itemId: row.id,
      caseId: target.caseId,
      activityInstanceId: target.activityInstanceId,
      outcome: completed ? 'completed' : 'failed',
      ...(completed ? {} : { reason: `the performing instance ${String(p.instanceId)} at ${this.o.engine.department} ended ${String(p.state)}` }),
      data: completed ? (p.data ?? {}) : {},
    };
  }

  async deliver(receiver: string, rows: readonly TransferRow[], ctx: DeliveryContext): Promise<Map<string, DeliveryOutcome>> {
    const outcomes = new Map<string, DeliveryOutcome>();
    const entries: Array<{ row: TransferRow; item: TransferItem }> = [];
    for (const row of rows) {
      const item = this.toItem(row);
      if (item) entries.push({ row, item });
      else outcomes.set(row.id, { dead: 'the outbox row cannot be turned into a transfer (missing fields)' });
    }
    if (entries.length) await this.send(receiver, entries, ctx, outcomes);
    return outcomes;
  }

  private async send(receiver: string, entries: Array<{ row: TransferRow; item: TransferItem }>, ctx: DeliveryContext, outcomes: Map<string, DeliveryOutcome>): Promise<void> {
    const { engine, log } = this.o;
    const sender = engine.department!;
    const header = { messageId: randomUUID(), sender, receiver, sentAt: engine.clock.now() };
    const items = entries.map((e) => e.item);
    // Written in canonical form and signed as written: nothing the sender generated is parsed back.
    const envelope = await this.o.crypto.sign(deliverContent(header, items), this.o.identity);
    let endpoint = '';
    try {
      const post = async (url: string): Promise<Ack[]> => {
        endpoint = url;
        // The one SOAP client: the reply size-limited, a DTD refused, well-formedness checked.
        const reply = await soapCall({ url, envelope, timeoutMs: this.o.timeoutMs, signal: ctx.signal });
        const failure = endpointFailureFor(reply.status, url);
        if (failure) throw failure;
        if (reply.status === 413) throw new TooLargeError(url, Buffer.byteLength(envelope));
        if (reply.fault) throw new Error(`SOAP fault: ${reply.fault.reason}`);
        if (reply.notSoap) throw new Error(`${url} answered HTTP ${reply.status}: ${reply.notSoap}`);
        return readAcks(reply);
      };
      const acked = this.o.routing === 'relay'
        ? await post(`${this.o.hubUrl!.replace(/\/+$/, '')}${TRANSFER_RELAY_PATH}`)
        : await this.o.directory.deliver(receiver, post);
      const acks = new Map(acked.map((a) => [a.itemId, a]));
      const logged: Array<{ item: TransferItem; outcome: string; reason?: string }> = [];
      let acknowledged = 0;
      for (const { row, item } of entries) {
        const ack = acks.get(item.itemId);
        logged.push({ item, outcome: ack?.status ?? 'unacknowledged', ...(ack?.reason ? { reason: ack.reason } : {}) });
        if (ack && (ack.status === 'accepted' || ack.status === 'duplicate')) {
          outcomes.set(row.id, { sent: true });
          acknowledged++;
          transfersSent.inc({ peer: receiver, kind: transferKindLabel(item.kind) });
          continue;
        }
        if (ack?.status === 'refused') transfersRefused.inc({ peer: receiver, direction: 'out', reason: 'refused' });
        if (ack?.status === 'refused' && ack.reason?.startsWith('not authorised:')) {
          // The process does not grant this: it would be refused the same way every time, so it
          // is dead at once, alone; the rest of the batch went on. Other refusals (a definition
          // not installed there yet, a case suspended) may pass later and are retried.
          outcomes.set(row.id, { dead: deadReason(receiver, item, `${receiver} refused it: ${ack.reason}`, `Fix what the refusal names at ${receiver} or in the case, then start the work again from the case`) });
          continue;
        }
        outcomes.set(row.id, { retry: ack?.reason ?? `no acknowledgement from ${receiver}`, refusal: ack?.status === 'refused' });
      }
      await this.o.messageLog.record({ messageId: header.messageId, direction: 'out', sender, receiver, at: header.sentAt, outcome: 'delivered', envelope, items: logged });
      log.info({ messageId: header.messageId, to: receiver, via: this.o.routing, items: items.length, acknowledged, cases: [...new Set(items.map((i) => i.caseId))].slice(0, 5) }, 'transfer message delivered');
    } catch (error) {
      const reason = ctx.failure(error);
      await this.o.messageLog
        .record({ messageId: header.messageId, direction: 'out', sender, receiver, at: header.sentAt, outcome: 'failed', reason, envelope, items: items.map((item) => ({ item, outcome: 'pending', reason })) })
        .catch(() => undefined);
      if (error instanceof TooLargeError && !ctx.signal.aborted) {
        if (entries.length > 1) {
          // Poison isolation: one oversized item must not hold back the others of its batch.
          log.warn({ messageId: header.messageId, to: receiver, items: items.length, bytes: error.bytes }, `transfer to ${receiver} is too large for it; sending its ${items.length} items one by one`);
          for (const entry of entries) await this.send(receiver, [entry], ctx, outcomes);
          return;
        }
        const [{ row, item }] = entries;
        log.error({ messageId: header.messageId, to: receiver, caseId: item.caseId, itemId: item.itemId, bytes: error.bytes }, 'transfer item is too large for the receiver on its own: dead');
        outcomes.set(row.id, {
          dead: deadReason(
            receiver,
            item,
            `alone it makes a message of ${error.bytes} bytes, over what ${receiver} accepts (HTTP 413)`,
            `Make the case's data smaller (large documents belong in a document store, referenced by id) or raise INTERFLOW_MAX_BODY at ${receiver}, then start the work again from the case`,
          ),
        });
        return;
      }
      if (!ctx.signal.aborted) log.warn({ messageId: header.messageId, to: receiver, endpoint, items: items.length, reason }, `transfer to ${receiver} failed; will retry`);
      for (const { row } of entries) outcomes.set(row.id, { retry: `delivery to ${receiver} failed: ${reason}` });
    }
  }
}

function itemKind(row: TransferRow): TransferItem['kind'] {
  return row.kind === 'transfer' ? 'hand-over' : row.kind === 'publish' ? 'publish' : 'result';
}

/**
 * Sends the outbox's transfers, results and published packages through an OutboxWorker with the
 * transfer strategy: one lane per receiving department, so a department that does not answer
 * delays nobody else; wakes up at once when the engine writes to the outbox.
 */
export class TransferDispatcher {
  readonly worker: OutboxWorker;

  constructor(options: TransferDispatcherOptions) {
    const o: Options = {
      routing: 'direct',
      batchSize: 50,
      claimSize: 500,
      intervalMs: 1000,
      leaseMs: 5_000,
      laneConcurrency: 2,
      maxAttempts: 25,
      retryBaseMs: 250,
      retryMaxMs: 60_000,
      timeoutMs: 10_000,
      crypto: inThisThread,
      ...options,
    };
    if (o.routing === 'relay' && !o.hubUrl) throw new Error('relayed routing needs the hub URL (INTERFLOW_HUB_URL)');
    this.worker = new OutboxWorker({
      engine: o.engine,
      log: o.log,
      strategies: [new TransferDelivery(o)],
      leaseMs: o.leaseMs,
      laneConcurrency: o.laneConcurrency,
      intervalMs: o.intervalMs,
      claimSize: o.claimSize,
    });
  }

  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Claims now rather than at the next poll. */
  kick(): void {
    this.worker.kick();
  }

  async runOnce(): Promise<DispatchReport> {
    const { sent, retried, dead, dropped } = await this.worker.runOnce();
    return { sent, retried, dead: dead + dropped };
  }
}

import { createHash } from 'node:crypto';
import { In } from 'typeorm';
import type { TypeormStore } from '../persistence';
import { MessageEntity, MessageItemEntity } from '../persistence';
import { Len } from '../persistence';
import type { TransferItem } from './transfer-items';

export type MessageDirection = 'out' | 'in' | 'relay' | 'refused';

export interface LoggedMessage {
  messageId: string;
  direction: MessageDirection;
  sender: string;
  receiver: string;
  at: Date;
  outcome: 'delivered' | 'refused' | 'failed';
  reason?: string;
  envelope: string;
  items: Array<{ item: TransferItem; outcome: string; reason?: string }>;
}

/** One line of a case's trace: a hand-over or a result, between two departments. */
export interface TraceEntry {
  at: Date;
  direction: MessageDirection;
  from: string;
  to: string;
  kind: string;
  activityId?: string;
  itemId: string;
  messageId: string;
  outcome: string;
  /** The outcome in words (outcomeInWords): what an operator reads. */
  outcomeText: string;
  reason?: string;
}

/**
 * Item outcomes as the log stores them, and what they mean:
 * - receiver side (direction `in`): accepted, duplicate, held (a published package waiting for an
 *   administrator), not-authorised (the engine refused the sender the act), refused (the item was
 *   invalid: unknown definition, bad data), error (this engine failed; the sender retries);
 * - refused-signature: an item as claimed by a message whose signature did not verify (direction
 *   `refused`): nothing of it was taken, and its fields are only what the envelope claimed;
 * - sender side (direction `out`): the receiver's acknowledgement (accepted, duplicate, refused,
 *   error), unacknowledged, or pending (not delivered, retried); relay: forwarded, pending, refused.
 */
export function outcomeInWords(direction: string, outcome: string): string {
  switch (outcome) {
    case 'accepted':
    case 'duplicate':
    case 'held':
    case 'forwarded':
      return outcome;
    case 'not-authorised':
      return 'refused (not authorised)';
    case 'refused-signature':
      return 'refused (signature)';
    case 'refused':
      // The sender and the hub see only the receiver's refusal, not which check refused it.
      return direction === 'in' ? 'refused (invalid)' : 'refused by the receiver';
    case 'error':
      return direction === 'in' ? 'error here (the sender retries)' : 'error at the receiver (retried)';
    case 'pending':
      return 'not delivered (retried)';
    case 'unacknowledged':
      return 'not acknowledged (retried)';
    default:
      return outcome;
  }
}

/** Why a message or an item was refused, as a security officer sorts them. */
export type RefusalCause = 'signature' | 'not-authorised' | 'invalid';

/** One refused message or item: who tried what, and why it was refused. */
export interface Refusal {
  at: Date;
  cause: RefusalCause;
  messageId: string;
  direction: MessageDirection;
  /** The sender as verified, or (signature refusals) as the envelope claimed it. */
  sender: string;
  receiver: string;
  reason?: string;
  /** The item refused; for a refused message, each item it claimed to carry. */
  items: Array<{ itemId: string; caseId: string; kind: string; activityId?: string }>;
}

export interface PurgeReport {
  /** Messages (if_message rows) removed, or that would be with dryRun. */
  messages: number;
  /** Their items (if_message_item rows). */
  items: number;
  /** Everything logged before this was purged. */
  before: Date;
  dryRun: boolean;
}

/** Rows per delete: small enough that a purge of a big log never holds the write lock for long. */
const PURGE_BATCH = 500;

const SIGNATURE_CODES = ['malformed', 'unsigned', 'incomplete', 'unknown-sender', 'bad-signature', 'expired', 'not-yet-valid', 'replay', 'wrong-receiver'];

/** A refused message's cause, from the reason it was logged with (`<code>: <message>` for signatures). */
function causeOfRefusedMessage(reason: string | null | undefined): RefusalCause {
  const code = /^([a-z-]+): /.exec(reason ?? '')?.[1];
  return code && SIGNATURE_CODES.includes(code) ? 'signature' : 'invalid';
}

/** A timestamp read back from the database: a Date from MySQL, UTC text from SQLite. */
export function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const s = String(v);
  return new Date(s.replace(' ', 'T') + (s.endsWith('Z') ? '' : 'Z'));
}

/**
 * The message log (X-Road style): every inter-department message this node sends, receives or
 * relays, kept with its signed envelope as evidence. Written outside the engine's transactions:
 * it records what crossed the wire, whatever the engine then did with it.
 */
export class MessageLog {
  /** Signature refusals (anonymous: nobody verified sent them) logged one by one, per minute. */
  readonly anonymousRefusals = new RefusalBudget();

  constructor(private readonly store: TypeormStore) {}

  private get dataSource() {
    return this.store.dataSource;
  }

  async record(m: LoggedMessage): Promise<void> {
    const logId = `${m.direction}:${m.messageId}:${m.at.getTime()}`;
    await this.store.managed(async (manager) => {
      await manager.insert(MessageEntity, {
        logId,
        messageId: m.messageId,
        direction: m.direction,
        sender: m.sender,
        receiver: m.receiver,
        at: m.at,
        outcome: m.outcome,
        reason: m.reason ?? null,
        // A refused message is nobody's evidence of anything: its digest and a bounded excerpt
        // identify it, and a stranger cannot make the log store megabytes per request.
        envelope: m.outcome === 'refused' || m.direction === 'refused' ? refusedExcerpt(m.envelope) : m.envelope,
      });
      if (m.items.length) {
        await manager.insert(
          MessageItemEntity,
          m.items.map(({ item, outcome, reason }) => ({
            logId,
            itemId: item.itemId,
            caseId: item.caseId,
            kind: item.kind,
            activityId: item.kind === 'hand-over' ? item.activityId : item.kind === 'publish' ? item.packageId : null,
            outcome,
            reason: reason ?? null,
          })),
        );
      }
    });
  }

  /** The hand-overs and results of one case that passed through this node, oldest first. */
  async trace(caseId: string): Promise<TraceEntry[]> {
    const rows = (await this.dataSource
      .createQueryBuilder(MessageItemEntity, 'i')
      .innerJoin(MessageEntity, 'm', 'm.logId = i.logId')
      .select(['i.itemId AS itemId', 'i.kind AS kind', 'i.activityId AS activityId', 'i.outcome AS outcome', 'i.reason AS reason',
        'm.messageId AS messageId', 'm.direction AS direction', 'm.sender AS sender', 'm.receiver AS receiver', 'm.at AS at'])
      .where('i.caseId = :caseId', { caseId })
      .orderBy('m.at', 'ASC')
      .getRawMany()) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      at: toDate(r.at),
      direction: r.direction as MessageDirection,
      from: String(r.sender),
      to: String(r.receiver),
      kind: String(r.kind),
      ...(r.activityId ? { activityId: String(r.activityId) } : {}),
      itemId: String(r.itemId),
      messageId: String(r.messageId),
      outcome: String(r.outcome),
      outcomeText: outcomeInWords(String(r.direction), String(r.outcome)),
      ...(r.reason ? { reason: String(r.reason) } : {}),
    }));
  }

  /** The signed envelopes of a case's messages, to verify again afterwards. */
  async envelopes(caseId: string): Promise<Array<{ messageId: string; direction: string; sender: string; at: Date; envelope: string }>> {
    const rows = await this.dataSource
      .createQueryBuilder(MessageEntity, 'm')
      .where((qb) => `m.logId IN ${qb.subQuery().select('i.logId').from(MessageItemEntity, 'i').where('i.caseId = :caseId').getQuery()}`)
      .setParameter('caseId', caseId)
      .orderBy('m.at', 'ASC')
      .getMany();
    return rows.map((r) => ({ messageId: r.messageId, direction: r.direction, sender: r.sender, at: toDate(r.at), envelope: r.envelope }));
  }

  /**
   * Refused messages and items logged since `since` (all when absent), newest first: messages
   * whose signature did not verify or that were misaddressed, and items of verified messages the
   * engine refused (not authorised, or invalid).
   */
  async refusals(filter: { since?: Date; limit?: number } = {}): Promise<Refusal[]> {
    const limit = filter.limit ?? 1000;
    const messages = this.dataSource
      .createQueryBuilder(MessageEntity, 'm')
      .where('m.direction = :refused', { refused: 'refused' })
      .orderBy('m.at', 'DESC')
      .limit(limit);
    if (filter.since) messages.andWhere('m.at >= :since', { since: filter.since });
    const refusedMessages = await messages.getMany();
    const claimed = refusedMessages.length
      ? await this.dataSource.getRepository(MessageItemEntity).createQueryBuilder('i').where('i.logId IN (:...ids)', { ids: refusedMessages.map((m) => m.logId) }).getMany()
      : [];
    const items = this.dataSource
      .createQueryBuilder(MessageItemEntity, 'i')
      .innerJoin(MessageEntity, 'm', 'm.logId = i.logId')
      .select(['i.itemId AS itemId', 'i.caseId AS caseId', 'i.kind AS kind', 'i.activityId AS activityId', 'i.outcome AS outcome', 'i.reason AS reason',
        'm.messageId AS messageId', 'm.direction AS direction', 'm.sender AS sender', 'm.receiver AS receiver', 'm.at AS at'])
      .where('m.direction = :in', { in: 'in' })
      .andWhere('i.outcome IN (:...outcomes)', { outcomes: ['not-authorised', 'refused'] })
      .orderBy('m.at', 'DESC')
      .limit(limit);
    if (filter.since) items.andWhere('m.at >= :since', { since: filter.since });
    const refusedItems = (await items.getRawMany()) as Array<Record<string, unknown>>;
    const out: Refusal[] = [
      ...refusedMessages.map((m) => ({
        at: toDate(m.at),
        cause: causeOfRefusedMessage(m.reason),
        messageId: m.messageId,
        direction: m.direction as MessageDirection,
        sender: m.sender,
        receiver: m.receiver,
        ...(m.reason ? { reason: m.reason } : {}),
        items: claimed.filter((i) => i.logId === m.logId).map((i) => ({ itemId: i.itemId, caseId: i.caseId, kind: i.kind, ...(i.activityId ? { activityId: i.activityId } : {}) })),
      })),
      ...refusedItems.map((r) => ({
        at: toDate(r.at),
        cause: (r.outcome === 'not-authorised' ? 'not-authorised' : 'invalid') as RefusalCause,
        messageId: String(r.messageId),
        direction: r.direction as MessageDirection,
        sender: String(r.sender),
        receiver: String(r.receiver),
        ...(r.reason ? { reason: String(r.reason) } : {}),
        items: [{ itemId: String(r.itemId), caseId: String(r.caseId), kind: String(r.kind), ...(r.activityId ? { activityId: String(r.activityId) } : {}) }],
      })),
    ];
    return out.sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, limit);
  }

  /**
   * Removes messages logged before `before`, with their items, in batches of a few hundred, each
   * its own short transaction: other writers (the transfer service, the engine on SQLite's single
   * writer) get their turn between batches. With dryRun only counts.
   */
  async purge(before: Date, options: { dryRun?: boolean; batchSize?: number } = {}): Promise<PurgeReport> {
    if (options.dryRun) {
      const messages = await this.dataSource.createQueryBuilder(MessageEntity, 'm').where('m.at < :before', { before }).getCount();
      const items = await this.dataSource
        .createQueryBuilder(MessageItemEntity, 'i')
        .innerJoin(MessageEntity, 'm', 'm.logId = i.logId')
        .where('m.at < :before', { before })
        .getCount();
      return { messages, items, before, dryRun: true };
    }
    const batch = options.batchSize ?? PURGE_BATCH;
    const report: PurgeReport = { messages: 0, items: 0, before, dryRun: false };
    for (;;) {
      const removed = await this.store.managed(async (manager) => {
        const ids = (await manager
          .createQueryBuilder(MessageEntity, 'm')
          .select('m.logId', 'logId')
          .where('m.at < :before', { before })
          .orderBy('m.at', 'ASC')
          .limit(batch)
          .getRawMany()) as Array<{ logId: string }>;
        if (!ids.length) return undefined;
        const logIds = ids.map((r) => r.logId);
        const items = await manager.delete(MessageItemEntity, { logId: In(logIds) });
        const messages = await manager.delete(MessageEntity, { logId: In(logIds) });
        return { messages: messages.affected ?? logIds.length, items: items.affected ?? 0 };
      });
      if (!removed) return report;
      report.messages += removed.messages;
      report.items += removed.items;
      await new Promise((r) => setImmediate(r));
    }
  }
}

/** Characters of a refused message's envelope kept in the log. */
export const REFUSED_EXCERPT_CHARS = 4096;

/**
 * What the log keeps of a refused envelope: its SHA-256 and size, then its first 4 KiB. The digest
 * matches the bytes the sender sent (UTF-8), so a copy kept elsewhere can be recognised.
 */
export function refusedExcerpt(envelope: string): string {
  const bytes = Buffer.byteLength(envelope, 'utf8');
  const digest = createHash('sha256').update(envelope, 'utf8').digest('hex');
  const cut = envelope.length > REFUSED_EXCERPT_CHARS;
  return `<!-- refused message: sha256=${digest}, ${bytes} bytes${cut ? `; the first ${REFUSED_EXCERPT_CHARS} characters follow` : ''} -->\n${cut ? envelope.slice(0, REFUSED_EXCERPT_CHARS) : envelope}`;
}

/**
 * Counts refusals of messages nobody could be held to (their signature did not verify): the first
 * `perWindow` of each window are logged one by one, the rest only counted, and one summary says
 * how many were left out once the window ends. A flood of forged messages costs a few rows.
 */
export class RefusalBudget {
  private windowStart = 0;
  private used = 0;
  private suppressed = 0;
  private timer?: NodeJS.Timeout;
  private summarise?: (count: number, from: Date, to: Date) => void;

  constructor(
    readonly perWindow = 20,
    readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True: log this refusal in full. False: it was counted for the summary. */
  take(summarise: (count: number, from: Date, to: Date) => void): boolean {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
      this.used = 0;
    }
    this.summarise = summarise;
    if (this.used < this.perWindow) {
      this.used++;
      return true;
    }
    this.suppressed++;
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.windowStart + this.windowMs - now));
      this.timer.unref();
    }
    return false;
  }

  /** Emits the summary of the window so far, if anything was left out. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed > 0 && this.summarise) this.summarise(this.suppressed, new Date(this.windowStart), new Date(this.now()));
    this.suppressed = 0;
  }
}

import { createHash } from 'node:crypto';
import type { TransferItem } from './transfer-items';
import type { MessageFieldLimits, MessageItemView, MessageLogRepository } from './repository';

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

/**
 * The message log (X-Road style): every inter-department message this node sends, receives or
 * relays, kept with its signed envelope as evidence. Written outside the engine's transactions:
 * it records what crossed the wire, whatever the engine then did with it.
 */
export class MessageLog {
  /** Signature refusals (anonymous: nobody verified sent them) logged one by one, per minute. */
  readonly anonymousRefusals = new RefusalBudget();

  constructor(private readonly repository: MessageLogRepository) {}

  /** The longest ids the log keeps. */
  get limits(): MessageFieldLimits {
    return this.repository.limits;
  }

  async record(m: LoggedMessage): Promise<void> {
    const logId = `${m.direction}:${m.messageId}:${m.at.getTime()}`;
    await this.repository.insert(
      {
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
      },
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

  /** The hand-overs and results of one case that passed through this node, oldest first. */
  async trace(caseId: string): Promise<TraceEntry[]> {
    return (await this.repository.caseItems(caseId)).map((r) => ({
      at: r.at,
      direction: r.direction as MessageDirection,
      from: r.sender,
      to: r.receiver,
      kind: r.kind,
      ...(r.activityId ? { activityId: r.activityId } : {}),
      itemId: r.itemId,
      messageId: r.messageId,
      outcome: r.outcome,
      outcomeText: outcomeInWords(r.direction, r.outcome),
      ...(r.reason ? { reason: r.reason } : {}),
    }));
  }

  /** The signed envelopes of a case's messages, to verify again afterwards. */
  async envelopes(caseId: string): Promise<Array<{ messageId: string; direction: string; sender: string; at: Date; envelope: string }>> {
    return (await this.repository.caseMessages(caseId)).map((r) => ({ messageId: r.messageId, direction: r.direction, sender: r.sender, at: r.at, envelope: r.envelope }));
  }

  /**
   * Refused messages and items logged since `since` (all when absent), newest first: messages
   * whose signature did not verify or that were misaddressed, and items of verified messages the
   * engine refused (not authorised, or invalid).
   */
  async refusals(filter: { since?: Date; limit?: number } = {}): Promise<Refusal[]> {
    const limit = filter.limit ?? 1000;
    const window = { ...(filter.since ? { since: filter.since } : {}), limit };
    const refusedMessages = await this.repository.refusedMessages(window);
    const claimed = await this.repository.itemsOf(refusedMessages.map((m) => m.logId));
    const refusedItems: MessageItemView[] = await this.repository.receivedItemsWithOutcome(['not-authorised', 'refused'], window);
    const out: Refusal[] = [
      ...refusedMessages.map((m) => ({
        at: m.at,
        cause: causeOfRefusedMessage(m.reason),
        messageId: m.messageId,
        direction: m.direction as MessageDirection,
        sender: m.sender,
        receiver: m.receiver,
        ...(m.reason ? { reason: m.reason } : {}),
        items: claimed.filter((i) => i.logId === m.logId).map((i) => ({ itemId: i.itemId, caseId: i.caseId, kind: i.kind, ...(i.activityId ? { activityId: i.activityId } : {}) })),
      })),
      ...refusedItems.map((r) => ({
        at: r.at,
        cause: (r.outcome === 'not-authorised' ? 'not-authorised' : 'invalid') as RefusalCause,
        messageId: r.messageId,
        direction: r.direction as MessageDirection,
        sender: r.sender,
        receiver: r.receiver,
        ...(r.reason ? { reason: r.reason } : {}),
        items: [{ itemId: r.itemId, caseId: r.caseId, kind: r.kind, ...(r.activityId ? { activityId: r.activityId } : {}) }],
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
    if (options.dryRun) return { ...(await this.repository.countBefore(before)), before, dryRun: true };
    const batch = options.batchSize ?? PURGE_BATCH;
    const report: PurgeReport = { messages: 0, items: 0, before, dryRun: false };
    for (;;) {
      const removed = await this.repository.purgeBatch(before, batch);
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

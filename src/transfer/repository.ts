/**
 * The transfer layer's storage ports: the message log and the packages held for an administrator.
 * Transfer keeps the meaning (outcomes, refusal causes, excerpts); a repository only stores and
 * finds rows. The TypeORM implementations are src/persistence/transfer-repositories.ts, wired in by
 * the composition root (src/app); transfer imports nothing from src/persistence.
 */

/** One logged message (if_message), as stored. */
export interface MessageRow {
  logId: string;
  messageId: string;
  direction: string;
  sender: string;
  receiver: string;
  at: Date;
  outcome: string;
  reason: string | null;
  envelope: string;
}

/** One item of a logged message (if_message_item), as stored. */
export interface MessageItemRow {
  logId: string;
  itemId: string;
  caseId: string;
  kind: string;
  /** The activity of a hand-over, the package of a publish. */
  activityId: string | null;
  outcome: string;
  reason: string | null;
}

/** An item with the message that carried it. */
export type MessageItemView = MessageItemRow & Pick<MessageRow, 'messageId' | 'direction' | 'sender' | 'receiver' | 'at'>;

/** The longest ids the log can keep: an envelope claiming longer ones is logged without its items. */
export interface MessageFieldLimits {
  itemId: number;
  caseId: number;
  /** Activity and package ids. */
  name: number;
}

export interface MessageLogRepository {
  readonly limits: MessageFieldLimits;
  /** Stores a message and its items together (one transaction). */
  insert(message: MessageRow, items: MessageItemRow[]): Promise<void>;
  /** The items of one case with their messages, oldest first. */
  caseItems(caseId: string): Promise<MessageItemView[]>;
  /** The messages that carried an item of one case, oldest first. */
  caseMessages(caseId: string): Promise<MessageRow[]>;
  /** Messages of direction `refused` logged since `since` (all when absent), newest first, at most `limit`. */
  refusedMessages(filter: { since?: Date; limit: number }): Promise<MessageRow[]>;
  /** The items of these messages. */
  itemsOf(logIds: string[]): Promise<MessageItemRow[]>;
  /** Items received (direction `in`) with one of these outcomes, since `since`, newest first, at most `limit`. */
  receivedItemsWithOutcome(outcomes: string[], filter: { since?: Date; limit: number }): Promise<MessageItemView[]>;
  /** How many messages logged before `before`, and how many items they carry. */
  countBefore(before: Date): Promise<{ messages: number; items: number }>;
  /** Removes the oldest `batch` messages logged before `before` with their items, in one short transaction; undefined when none is left. */
  purgeBatch(before: Date, batch: number): Promise<{ messages: number; items: number } | undefined>;
}

export type HeldState = 'held' | 'installed' | 'rejected';

/** One held package (if_held_package), as stored. */
export interface HeldPackageRow {
  id: string;
  packageId: string;
  sender: string;
  receivedAt: Date;
  state: HeldState;
  source: string;
  decidedBy: string | null;
  decidedAt: Date | null;
  reason: string | null;
}

export interface HeldPackageRepository {
  /** Stores the row; false when one with its id exists (the sender resent it). */
  insertIfAbsent(row: HeldPackageRow): Promise<boolean>;
  /** Newest first. */
  list(filter: { state?: HeldState }): Promise<HeldPackageRow[]>;
  get(id: string): Promise<HeldPackageRow | undefined>;
  decide(id: string, decision: { state: HeldState; decidedBy: string; decidedAt: Date; reason: string | null }): Promise<void>;
}

/** What transfer stores, as the composition root hands it over. */
export interface TransferRepositories {
  messages: MessageLogRepository;
  heldPackages: HeldPackageRepository;
}

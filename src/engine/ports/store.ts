import type {
  DefinitionRecord,
  HistoryRecord,
  InstanceRecord,
  OutboxRecord,
  TimerRecord,
  WorkItemRecord,
} from './records';
import type { OutboxPayload } from './outbox-messages';
import type { InstanceState } from '../runtime/instance-state';

export interface InstanceFilter {
  processId?: string;
  state?: InstanceState | string;
  /** Matches states by prefix, e.g. `open.` or `closed.`. */
  statePrefix?: string;
  parentInstanceId?: string;
  homeDepartment?: string;
  homeInstanceId?: string;
  clientKey?: string;
  offset?: number;
  limit?: number;
}

export interface WorkItemFilter {
  /** Items offered to any of these participants. */
  participants?: string[];
  instanceId?: string;
  activityId?: string;
  /** Items of performing instances whose case's home is this department / that case. */
  homeDepartment?: string;
  homeInstanceId?: string;
  states?: WorkItemRecord['state'][];
  offset?: number;
  limit?: number;
}

/**
 * Everything the engine reads or writes inside one transaction. A store guarantees that the work
 * done through one StoreTx commits or rolls back as a whole, and that `lockInstance` serialises
 * writers of the same instance (row lock on MySQL/MariaDB, the single writer on SQLite).
 */
export interface StoreTx {
  insertDefinition(record: DefinitionRecord): Promise<void>;
  /** The given version, or the latest one when version is omitted. */
  findDefinition(processId: string, version?: number): Promise<DefinitionRecord | undefined>;
  findDefinitionByHash(processId: string, contentHash: string): Promise<DefinitionRecord | undefined>;
  /** The newest deployed version of a process, without loading it (starting a case asks this every time). */
  latestDefinitionVersion(processId: string): Promise<number | undefined>;
  /** Every version of every process, newest version first within a process. */
  listDefinitions(): Promise<DefinitionRecord[]>;

  /** A record with a client key another case of its process holds throws ConcurrencyError (the caller retries and finds that case). */
  insertInstance(record: InstanceRecord): Promise<void>;
  /** Reads the instance and holds its lock until the transaction ends. */
  lockInstance(id: string): Promise<InstanceRecord | undefined>;
  findInstance(id: string): Promise<InstanceRecord | undefined>;
  /** The case started with this client key for this process, if any. */
  findInstanceByClientKey(processId: string, clientKey: string): Promise<InstanceRecord | undefined>;
  /**
   * Writes the instance if its stored revision is still `record.revision - 1`; otherwise throws
   * ConcurrencyError (someone else changed it in between).
   */
  updateInstance(record: InstanceRecord): Promise<void>;
  listInstances(filter: InstanceFilter): Promise<{ items: InstanceRecord[]; total: number }>;
  countInstancesByState(): Promise<Record<string, number>>;

  /** Inserts new work items and updates existing ones (by id). */
  saveWorkItems(items: WorkItemRecord[]): Promise<void>;
  /** Inserts work items known to be new (cheaper than saveWorkItems). */
  insertWorkItems(items: WorkItemRecord[]): Promise<void>;
  findWorkItem(id: string): Promise<WorkItemRecord | undefined>;
  listWorkItems(filter: WorkItemFilter): Promise<WorkItemRecord[]>;

  appendHistory(events: HistoryRecord[]): Promise<void>;
  listHistory(instanceId: string): Promise<HistoryRecord[]>;

  enqueueOutbox(messages: OutboxRecord[]): Promise<void>;
  /**
   * Claims up to `limit` pending messages due at `now` for `leaseMs`, so that several replicas can
   * share the work without sending one message twice (FOR UPDATE SKIP LOCKED on MySQL/MariaDB).
   * `kinds` restricts the claim to those kinds, so each worker claims only what it sends.
   */
  claimOutbox(limit: number, now: Date, leaseMs: number, kinds?: readonly string[], options?: OutboxClaimOptions): Promise<OutboxRecord[]>;
  /**
   * Extends `owner`'s claims on these messages to `until` (those still pending and claimed by it);
   * resolves to how many it extended. A worker renews what it holds while it works on it, so a
   * lease can be short and a dead replica's messages are taken over soon.
   */
  renewOutboxClaims(ids: readonly string[], until: Date, owner: string): Promise<number>;
  /**
   * `payload`, when given, replaces the row's payload in the same write: a dispatcher records what
   * the send established (whom a remote subprocess was bound to) atomically with marking it sent.
   */
  markOutboxSent(id: string, at: Date, payload?: OutboxPayload): Promise<void>;
  /** `refusals`, when given, is the row's new count of refusals in a row (see OutboxRecord.refusals). */
  markOutboxRetry(id: string, error: string, nextAttemptAt: Date, dead: boolean, refusals?: number): Promise<void>;
  listOutbox(filter: { instanceId?: string; state?: OutboxRecord['state'] }): Promise<OutboxRecord[]>;
  /** Undelivered messages (pending and dead) counted by kind and state, with the oldest's creation: one aggregate query. */
  outboxDepth(): Promise<OutboxDepth[]>;

  /** Records an incoming message id; false when it was seen before (idempotent intake). */
  recordInbox(messageId: string, source: string, at: Date): Promise<boolean>;

  saveTimers(timers: TimerRecord[]): Promise<void>;
  deleteTimers(ids: string[]): Promise<void>;
  deleteTimersOfActivity(activityInstanceId: string): Promise<void>;
  dueTimers(now: Date, limit: number): Promise<TimerRecord[]>;
  /**
   * Claims up to `limit` timers due at `now` for `leaseMs`, as claimOutbox claims messages: only
   * timers of running instances (a suspended case's timers never crowd out others), not claimed
   * by another engine (FOR UPDATE SKIP LOCKED on MySQL/MariaDB), earliest first.
   */
  claimDueTimers(now: Date, limit: number, leaseMs: number): Promise<TimerRecord[]>;
  /**
   * Deletes the timer row and says whether it was still there: the one firer of a timer is the
   * transaction that took it (a second replica, or a stale claim, finds it gone).
   */
  takeTimer(id: string): Promise<boolean>;
  listTimers(instanceId: string): Promise<TimerRecord[]>;
}

export interface Store {
  /** Runs `fn` in one transaction; retries are the caller's business. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** A read-only view outside any explicit transaction (reads may see committed data only). */
  read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** 'sqlite' or 'mysql' — for diagnostics only; the engine must not branch on it. */
  readonly kind: string;
}

export class ConcurrencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrencyError';
  }
}

export interface OutboxClaimOptions {
  /** Who holds the claim (a worker's id): only it renews the claim. */
  owner?: string;
  /**
   * Messages to these destinations are left alone: their receiver's lane is full, and claiming
   * more for it would only hold them in memory while other receivers' messages wait.
   */
  skipDestinations?: readonly string[];
}

export interface OutboxDepth {
  kind: string;
  state: 'pending' | 'dead';
  count: number;
  oldestCreatedAt: Date;
}

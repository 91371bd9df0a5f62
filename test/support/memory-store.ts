import {
  ConcurrencyError,
  type InstanceFilter,
  type OutboxClaimOptions,
  type OutboxDepth,
  type Store,
  type StoreTx,
  type WorkItemFilter,
} from '../../src/engine/ports/store';
import type { OutboxPayload } from '../../src/engine/ports/outbox-messages';
import type {
  DefinitionRecord,
  HistoryRecord,
  InstanceRecord,
  OutboxRecord,
  TimerRecord,
  WorkItemRecord,
} from '../../src/engine/ports/records';

/**
 * The engine's Store port in memory, for engine unit tests that need no database (issue 15.5).
 * It keeps the port's contract as the TypeORM store does — transactions that commit or roll back
 * whole and run one at a time, the revision check, the orderings, claims with leases — so a test
 * on it means the same as one on SQLite (test/engine/memory-store.test.ts runs the same scenario
 * on both). Records are copied in and out: nothing a caller holds aliases what is stored.
 */
interface Tables {
  definitions: DefinitionRecord[];
  instances: Map<string, InstanceRecord>;
  workItems: Map<string, WorkItemRecord>;
  history: HistoryRecord[];
  outbox: Map<string, OutboxRecord & Claim>;
  inbox: Set<string>;
  timers: Map<string, TimerRecord & Claim>;
  historySeq: number;
}

const copy = <T>(value: T): T => structuredClone(value);

/** The lease a worker holds on an outbox row or a timer (not part of the records the port returns). */
interface Claim {
  claimedUntil?: Date;
  claimedBy?: string;
}

export class MemoryStore implements Store {
  readonly kind = 'memory';
  private tables: Tables = {
    definitions: [],
    instances: new Map(),
    workItems: new Map(),
    history: [],
    outbox: new Map(),
    inbox: new Set(),
    timers: new Map(),
    historySeq: 0,
  };
  /** Transactions run one after another, as SQLite's single writer does. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new Error('the store is closed');
      // The transaction works on a copy that replaces the tables when it commits: reads outside
      // it see committed data only, and a failure leaves nothing behind.
      const working = copy(this.tables);
      const tx = new MemoryStoreTx(working, true);
      try {
        const result = await fn(tx);
        this.tables = working;
        return result;
      } finally {
        tx.end();
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the store is closed');
    const tx = new MemoryStoreTx(this.tables, false);
    try {
      return await fn(tx);
    } finally {
      tx.end();
    }
  }

  async close(): Promise<void> {
    await this.queue;
    this.closed = true;
  }
}

class MemoryStoreTx implements StoreTx {
  private open = true;

  constructor(
    private readonly t: Tables,
    private readonly write: boolean,
  ) {}

  end(): void {
    this.open = false;
  }

  private writable(operation: string): void {
    if (!this.open) throw new Error('This StoreTx belongs to a transaction that has already ended');
    if (!this.write) throw new Error(`${operation} needs a transaction; read() is read-only`);
  }

  async insertDefinition(record: DefinitionRecord): Promise<void> {
    this.writable('insertDefinition');
    if (this.t.definitions.some((d) => d.processId === record.processId && d.version === record.version)) {
      throw new ConcurrencyError(`definition ${record.processId} version ${record.version} exists`);
    }
    this.t.definitions.push(copy(record));
  }

  async findDefinition(processId: string, version?: number): Promise<DefinitionRecord | undefined> {
    const found = this.t.definitions
      .filter((d) => d.processId === processId && (version === undefined || d.version === version))
      .sort((a, b) => b.version - a.version)[0];
    return found && copy(found);
  }

  async findDefinitionByHash(processId: string, contentHash: string): Promise<DefinitionRecord | undefined> {
    const found = this.t.definitions.filter((d) => d.processId === processId && d.contentHash === contentHash).sort((a, b) => b.version - a.version)[0];
    return found && copy(found);
  }

  async latestDefinitionVersion(processId: string): Promise<number | undefined> {
    return (await this.findDefinition(processId))?.version;
  }

  async listDefinitions(): Promise<DefinitionRecord[]> {
    return copy([...this.t.definitions].sort((a, b) => (a.processId < b.processId ? -1 : a.processId > b.processId ? 1 : b.version - a.version)));
  }

  async insertInstance(record: InstanceRecord): Promise<void> {
    this.writable('insertInstance');
    if (this.t.instances.has(record.id)) throw new Error(`instance ${record.id} exists`);
    if (record.clientKey !== undefined && [...this.t.instances.values()].some((i) => i.processId === record.processId && i.clientKey === record.clientKey)) {
      throw new ConcurrencyError(`a case of ${record.processId} with client key ${JSON.stringify(record.clientKey)} was started concurrently`);
    }
    this.t.instances.set(record.id, copy(record));
  }

  async lockInstance(id: string): Promise<InstanceRecord | undefined> {
    return this.findInstance(id);
  }

  async findInstance(id: string): Promise<InstanceRecord | undefined> {
    const found = this.t.instances.get(id);
    return found && copy(found);
  }

  async findInstanceByClientKey(processId: string, clientKey: string): Promise<InstanceRecord | undefined> {
    const found = [...this.t.instances.values()].find((i) => i.processId === processId && i.clientKey === clientKey);
    return found && copy(found);
  }

  async updateInstance(record: InstanceRecord): Promise<void> {
    this.writable('updateInstance');
    const current = this.t.instances.get(record.id);
    if (!current) throw new ConcurrencyError(`Instance ${record.id} cannot be updated: it does not exist`);
    if (current.revision !== record.revision - 1) {
      throw new ConcurrencyError(`Instance ${record.id} was changed concurrently: expected stored revision ${record.revision - 1}, found ${current.revision}`);
    }
    this.t.instances.set(record.id, { ...copy(record), createdAt: current.createdAt });
  }

  async listInstances(filter: InstanceFilter): Promise<{ items: InstanceRecord[]; total: number }> {
    const matching = [...this.t.instances.values()]
      .filter((i) => filter.processId === undefined || i.processId === filter.processId)
      .filter((i) => filter.state === undefined || i.state === filter.state)
      .filter((i) => filter.statePrefix === undefined || i.state.startsWith(filter.statePrefix))
      .filter((i) => filter.parentInstanceId === undefined || i.parentInstanceId === filter.parentInstanceId)
      .filter((i) => filter.homeDepartment === undefined || i.homeDepartment === filter.homeDepartment)
      .filter((i) => filter.homeInstanceId === undefined || i.homeInstanceId === filter.homeInstanceId)
      .filter((i) => filter.clientKey === undefined || i.clientKey === filter.clientKey)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return { items: copy(page(matching, filter)), total: matching.length };
  }

  async countInstancesByState(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const i of this.t.instances.values()) counts[i.state] = (counts[i.state] ?? 0) + 1;
    return counts;
  }

  async saveWorkItems(items: WorkItemRecord[]): Promise<void> {
    this.writable('saveWorkItems');
    for (const item of items) this.t.workItems.set(item.id, copy(item));
  }

  async insertWorkItems(items: WorkItemRecord[]): Promise<void> {
    this.writable('insertWorkItems');
    for (const item of items) {
      if (this.t.workItems.has(item.id)) throw new Error(`work item ${item.id} exists`);
      this.t.workItems.set(item.id, copy(item));
    }
  }

  async findWorkItem(id: string): Promise<WorkItemRecord | undefined> {
    const found = this.t.workItems.get(id);
    return found && copy(found);
  }

  async listWorkItems(filter: WorkItemFilter): Promise<WorkItemRecord[]> {
    if (filter.participants?.length === 0 || filter.states?.length === 0 || filter.limit === 0) return [];
    const matching = [...this.t.workItems.values()]
      .filter((w) => !filter.participants || filter.participants.includes(w.participant))
      .filter((w) => filter.instanceId === undefined || w.instanceId === filter.instanceId)
      .filter((w) => filter.activityId === undefined || w.activityId === filter.activityId)
      .filter((w) => {
        if (filter.homeDepartment === undefined && filter.homeInstanceId === undefined) return true;
        const home = this.t.instances.get(w.instanceId);
        return (filter.homeDepartment === undefined || home?.homeDepartment === filter.homeDepartment) && (filter.homeInstanceId === undefined || home?.homeInstanceId === filter.homeInstanceId);
      })
      .filter((w) => !filter.states || filter.states.includes(w.state))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return copy(page(matching, filter));
  }

  async appendHistory(events: HistoryRecord[]): Promise<void> {
    this.writable('appendHistory');
    for (const e of events) this.t.history.push({ ...copy(e), id: ++this.t.historySeq });
  }

  async listHistory(instanceId: string): Promise<HistoryRecord[]> {
    return copy(this.t.history.filter((h) => h.instanceId === instanceId));
  }

  async enqueueOutbox(messages: OutboxRecord[]): Promise<void> {
    this.writable('enqueueOutbox');
    for (const m of messages) this.t.outbox.set(m.id, copy(m));
  }

  async claimOutbox(limit: number, now: Date, leaseMs: number, kinds?: readonly string[], options: OutboxClaimOptions = {}): Promise<OutboxRecord[]> {
    this.writable('claimOutbox');
    if (limit <= 0 || (kinds && kinds.length === 0)) return [];
    const skip = new Set(options.skipDestinations ?? []);
    const claimed = [...this.t.outbox.values()]
      .filter((o) => o.state === 'pending' && o.nextAttemptAt <= now && (!o.claimedUntil || o.claimedUntil < now))
      .filter((o) => (!kinds || kinds.includes(o.kind)) && !skip.has(o.destination))
      .sort(byCreated)
      .slice(0, limit);
    for (const o of claimed) {
      o.claimedUntil = new Date(now.getTime() + leaseMs);
      o.claimedBy = options.owner;
      o.attempts += 1;
    }
    return claimed.map(withoutClaim);
  }

  async renewOutboxClaims(ids: readonly string[], until: Date, owner: string): Promise<number> {
    this.writable('renewOutboxClaims');
    let renewed = 0;
    for (const id of ids) {
      const o = this.t.outbox.get(id);
      if (o && o.state === 'pending' && o.claimedBy === owner) {
        o.claimedUntil = until;
        renewed += 1;
      }
    }
    return renewed;
  }

  async markOutboxSent(id: string, at: Date, payload?: OutboxPayload): Promise<void> {
    this.writable('markOutboxSent');
    const o = this.t.outbox.get(id);
    if (!o) return;
    Object.assign(o, { state: 'sent', sentAt: at, claimedUntil: undefined, claimedBy: undefined, ...(payload ? { payload: copy(payload) } : {}) });
  }

  async markOutboxRetry(id: string, error: string, nextAttemptAt: Date, dead: boolean, refusals?: number): Promise<void> {
    this.writable('markOutboxRetry');
    const o = this.t.outbox.get(id);
    if (!o) return;
    Object.assign(o, dead ? { state: 'dead' } : { state: 'pending', nextAttemptAt }, {
      lastError: error,
      claimedUntil: undefined,
      claimedBy: undefined,
      ...(refusals !== undefined ? { refusals } : {}),
    });
  }

  async outboxDepth(): Promise<OutboxDepth[]> {
    const depth = new Map<string, OutboxDepth>();
    for (const o of this.t.outbox.values()) {
      if (o.state !== 'pending' && o.state !== 'dead') continue;
      const key = `${o.kind}\u0000${o.state}`;
      const entry = depth.get(key);
      if (!entry) depth.set(key, { kind: o.kind, state: o.state, count: 1, oldestCreatedAt: o.createdAt });
      else {
        entry.count += 1;
        if (o.createdAt < entry.oldestCreatedAt) entry.oldestCreatedAt = o.createdAt;
      }
    }
    return [...depth.values()];
  }

  async listOutbox(filter: { instanceId?: string; state?: OutboxRecord['state'] }): Promise<OutboxRecord[]> {
    return [...this.t.outbox.values()]
      .filter((o) => (filter.instanceId === undefined || o.instanceId === filter.instanceId) && (filter.state === undefined || o.state === filter.state))
      .sort(byCreated)
      .map(withoutClaim);
  }

  async recordInbox(messageId: string, _source: string, _at: Date): Promise<boolean> {
    this.writable('recordInbox');
    if (this.t.inbox.has(messageId)) return false;
    this.t.inbox.add(messageId);
    return true;
  }

  async saveTimers(timers: TimerRecord[]): Promise<void> {
    this.writable('saveTimers');
    for (const timer of timers) this.t.timers.set(timer.id, copy(timer));
  }

  async deleteTimers(ids: string[]): Promise<void> {
    this.writable('deleteTimers');
    for (const id of ids) this.t.timers.delete(id);
  }

  async deleteTimersOfActivity(activityInstanceId: string): Promise<void> {
    this.writable('deleteTimersOfActivity');
    for (const [id, timer] of this.t.timers) if (timer.activityInstanceId === activityInstanceId) this.t.timers.delete(id);
  }

  async dueTimers(now: Date, limit: number): Promise<TimerRecord[]> {
    if (limit <= 0) return [];
    return [...this.t.timers.values()].filter((t) => t.dueAt <= now).sort(byDue).slice(0, limit).map(withoutClaim);
  }

  async claimDueTimers(now: Date, limit: number, leaseMs: number): Promise<TimerRecord[]> {
    this.writable('claimDueTimers');
    if (limit <= 0) return [];
    const claimed = [...this.t.timers.values()]
      .filter((t) => t.dueAt <= now && this.t.instances.get(t.instanceId)?.state === 'open.running' && (!t.claimedUntil || t.claimedUntil < now))
      .sort(byDue)
      .slice(0, limit);
    for (const t of claimed) t.claimedUntil = new Date(now.getTime() + leaseMs);
    return claimed.map(withoutClaim);
  }

  async takeTimer(id: string): Promise<boolean> {
    this.writable('takeTimer');
    return this.t.timers.delete(id);
  }

  async listTimers(instanceId: string): Promise<TimerRecord[]> {
    return [...this.t.timers.values()].filter((t) => t.instanceId === instanceId).sort(byDue).map(withoutClaim);
  }
}

function page<T>(rows: T[], filter: { offset?: number; limit?: number }): T[] {
  const from = filter.offset ?? 0;
  return filter.limit === undefined ? rows.slice(from) : rows.slice(from, from + filter.limit);
}

function byCreated(a: OutboxRecord, b: OutboxRecord): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function byDue(a: TimerRecord, b: TimerRecord): number {
  return a.dueAt.getTime() - b.dueAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function withoutClaim<T>(row: T & Claim): T {
  const { claimedUntil: _until, claimedBy: _by, ...rest } = copy(row);
  return rest as T;
}

import type { StoreTx } from '../ports/store';
import type { InstanceRecord, OutboxRecord, WorkItemRecord } from '../ports/records';
import { NotFoundError } from '../errors';
import { InstanceStates, isClosed, nextState } from './instance-state';
import { coerceData, coerceValue } from './data-coercion';
import { InstanceSession } from './instance-session';
import type { EngineEnv, CreateOptions } from './engine-env';

export type { EngineEnv, CreateOptions } from './engine-env';

/**
 * All instances touched by one command, saved together at the end of the transaction. A command
 * may touch several: completing a subprocess moves its parent on in the same transaction.
 */
export class UnitOfWork {
  private readonly sessions = new Map<string, InstanceSession>();
  readonly now: Date;
  /** `now` as activity instances record it: formatted once per command, not once per step. */
  readonly nowIso: string;
  /** Steps taken by every session of this command (InstanceSession.settle counts them). */
  steps = 0;

  constructor(
    readonly tx: StoreTx,
    readonly env: EngineEnv,
  ) {
    this.now = env.clock.now();
    this.nowIso = this.now.toISOString();
  }

  /** Locks and loads an instance (once per unit of work). */
  async open(instanceId: string): Promise<InstanceSession> {
    const existing = this.sessions.get(instanceId);
    if (existing) return existing;
    const record = await this.tx.lockInstance(instanceId);
    if (!record) throw new NotFoundError('Process instance', instanceId);
    const def = await this.env.definition(this.tx, record.processId, record.version);
    const items = await this.tx.listWorkItems({ instanceId, states: ['open', 'suspended'] });
    const session = new InstanceSession(this, record, def, new Map(items.map((i) => [i.id, i])), false);
    this.sessions.set(instanceId, session);
    return session;
  }

  async create(processId: string, options: CreateOptions, version?: number): Promise<InstanceSession> {
    const def = await this.env.definition(this.tx, processId, version);
    const data: Record<string, unknown> = {};
    const only = options.onlyFields ? new Set(options.onlyFields) : undefined;
    for (const f of def.def.dataFields) {
      if (only && !only.has(f.id)) continue;
      data[f.id] = f.initialValue !== undefined ? coerceValue(f, def.expression(f.initialValue).evaluate({})) : null;
    }
    Object.assign(data, coerceData(def.def, options.data));
    const record: InstanceRecord = {
      id: options.instanceId ?? this.env.ids.instanceId(),
      processId: def.id,
      version: def.version,
      state: InstanceStates.notRunning,
      subject: options.subject,
      parentInstanceId: options.parent?.instanceId,
      parentActivityInstanceId: options.parent?.activityInstanceId,
      observer: options.observer,
      data,
      runtime: { tokens: [], activities: [], seq: 0 },
      createdAt: this.now,
      updatedAt: this.now,
      startedBy: options.actor,
      ...(options.home ? { homeDepartment: options.home.department, homeInstanceId: options.home.instanceId } : {}),
      ...(options.clientKey !== undefined ? { clientKey: options.clientKey } : {}),
      revision: 1,
    };
    const session = new InstanceSession(this, record, def, new Map(), true);
    session.event('instance.created', {
      actor: options.actor,
      detail: { processId: def.id, version: def.version, ...(options.parent ? { parent: options.parent.instanceId } : {}) },
    });
    this.sessions.set(record.id, session);
    return session;
  }

  /**
   * Terminates the child cases of withdrawn activities (and, through them, their own children)
   * until none is left: a parent never completes, or ends, with a child case still open.
   */
  private async terminateWithdrawnChildren(): Promise<void> {
    for (let again = true; again; ) {
      again = false;
      for (const s of [...this.sessions.values()]) {
        while (s.changes.childrenToTerminate.length) {
          const { childId, reason } = s.changes.childrenToTerminate.shift()!;
          const child = await this.open(childId).catch(() => undefined);
          if (!child || isClosed(child.state) || !nextState(child.state, 'terminate')) continue;
          await child.changeState('terminate', undefined, reason);
          again = true;
        }
      }
    }
  }

  /**
   * Saves everything; resolves to the outbox messages written. `claim` sees them before they are
   * written and may mark some claimed (the local worker taking them without a claim of its own).
   */
  async flush(claim?: (outbox: OutboxRecord[]) => void): Promise<OutboxRecord[]> {
    await this.terminateWithdrawnChildren();
    const history = [];
    const outbox = [];
    const items: WorkItemRecord[] = [];
    const newItems: WorkItemRecord[] = [];
    for (const s of this.sessions.values()) {
      s.record.updatedAt = this.now;
      if (s.isNew) {
        await this.tx.insertInstance(s.record);
      } else {
        s.record.revision += 1;
        await this.tx.updateInstance(s.record);
      }
      history.push(...s.changes.history);
      outbox.push(...s.changes.outbox);
      for (const item of s.changes.dirtyItems.values()) (s.changes.createdItems.has(item.id) ? newItems : items).push(item);
      if (s.changes.timersToDelete.length) await this.tx.deleteTimers(s.changes.timersToDelete);
      for (const ai of s.changes.timerActivitiesToClear) await this.tx.deleteTimersOfActivity(ai);
      const timers = s.changes.timersToSave.filter((t) => !s.changes.timerActivitiesToClear.has(t.activityInstanceId));
      if (timers.length) await this.tx.saveTimers(timers);
    }
    if (newItems.length) await this.tx.insertWorkItems(newItems);
    if (items.length) await this.tx.saveWorkItems(items);
    if (history.length) await this.tx.appendHistory(history);
    if (outbox.length) {
      claim?.(outbox);
      await this.tx.enqueueOutbox(outbox);
    }
    return outbox;
  }
}

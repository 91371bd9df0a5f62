import { IllegalStateError, InvalidDataError } from '../errors';
import type { CompiledDefinition } from '../definition/compiled-definition';
import type { ActivityDef } from '../definition/process-definition';
import type { ActivityInstance, HistoryRecord, WorkItemRecord } from '../ports/records';
import type { ChangeSet } from './change-set';
import type { EngineEnv } from './engine-env';

type EventSink = (type: string, fields?: Omit<HistoryRecord, 'instanceId' | 'at' | 'type'>) => void;

/**
 * The work items of one case: created for manual activities, completed, withdrawn with their
 * activity, and the free-flow changes of seed 002 (delegate, assist, notify), which change only
 * this case's items; the definition and every other case stay as they were.
 */
export class WorkItems {
  constructor(
    private readonly instanceId: string,
    private readonly def: CompiledDefinition,
    /** Open and suspended work items of this instance, by id. */
    readonly open: Map<string, WorkItemRecord>,
    private readonly changes: ChangeSet,
    private readonly env: EngineEnv,
    private readonly now: () => Date,
    private readonly event: EventSink,
  ) {}

  create(a: ActivityDef, ai: ActivityInstance, participant: string, loopCounter?: number, extra: Partial<WorkItemRecord> = {}): WorkItemRecord {
    const item: WorkItemRecord = {
      id: this.env.ids.workItemId(),
      instanceId: this.instanceId,
      activityInstanceId: ai.id,
      activityId: a.id,
      activityName: a.name,
      participant,
      department: a.department,
      kind: 'normal',
      state: 'open',
      loopCounter,
      createdAt: this.now(),
      ...extra,
    };
    this.changes.createdItems.add(item.id);
    this.save(item);
    this.event('workitem.created', {
      activityId: a.id,
      workItemId: item.id,
      detail: { participant, kind: item.kind, ...(loopCounter !== undefined ? { loopCounter } : {}) },
    });
    return item;
  }

  save(item: WorkItemRecord): void {
    this.open.set(item.id, item);
    this.changes.dirtyItems.set(item.id, item);
  }

  close(item: WorkItemRecord, state: 'completed' | 'withdrawn', actor?: string, data?: Record<string, unknown>): void {
    item.state = state;
    item.completedAt = this.now();
    if (actor) item.completedBy = actor;
    if (data && Object.keys(data).length) item.data = data;
    this.save(item);
    this.open.delete(item.id);
    this.event(state === 'completed' ? 'workitem.completed' : 'workitem.withdrawn', {
      activityId: item.activityId,
      workItemId: item.id,
      actor,
    });
  }

  /** Withdraws the items of an activity instance that ended; notifications stay to be read. */
  withdrawFor(activityInstanceId: string, actor?: string): void {
    for (const item of [...this.open.values()]) {
      if (item.activityInstanceId === activityInstanceId && item.kind !== 'notify') this.close(item, 'withdrawn', actor);
    }
  }

  /** Items of the activity instance still waiting to be done. */
  openCount(activityInstanceId: string): number {
    return [...this.open.values()].filter((i) => i.activityInstanceId === activityInstanceId && i.state === 'open').length;
  }

  /** An assistant finished: the helped item opens again. */
  assisted(item: WorkItemRecord, a: ActivityDef, actor?: string): void {
    const helped = item.parentWorkItemId ? this.open.get(item.parentWorkItemId) : undefined;
    if (helped && helped.state === 'suspended') {
      helped.state = 'open';
      this.save(helped);
      this.event('workitem.assisted', { activityId: a.id, workItemId: helped.id, actor, detail: { assistItem: item.id } });
    }
  }

  delegate(item: WorkItemRecord, to: string, actor?: string): void {
    this.assertOpen(item, 'delegated');
    this.assertParticipant(to, `delegate work item ${item.id}`);
    const from = item.participant;
    item.delegatedFrom = from;
    item.participant = to;
    this.save(item);
    this.event('workitem.delegated', { activityId: item.activityId, workItemId: item.id, actor, detail: { from, to } });
  }

  assist(item: WorkItemRecord, activityInstance: () => ActivityInstance, helper: string, actor?: string, note?: string): WorkItemRecord {
    this.assertOpen(item, 'given an assistant');
    this.assertParticipant(helper, `ask for assistance on work item ${item.id}`);
    const a = this.def.activity(item.activityId);
    const ai = activityInstance();
    item.state = 'suspended';
    this.save(item);
    const help = this.create(a, ai, helper, item.loopCounter, {
      kind: 'assist',
      parentWorkItemId: item.id,
      ...(note ? { data: { note } } : {}),
    });
    this.event('workitem.assistRequested', { activityId: a.id, workItemId: item.id, actor, detail: { helper, assistItem: help.id } });
    return help;
  }

  notify(item: WorkItemRecord, activityInstance: () => ActivityInstance, participant: string, actor?: string, message?: string): WorkItemRecord {
    this.assertParticipant(participant, `notify from work item ${item.id}`);
    const a = this.def.activity(item.activityId);
    const ai = activityInstance();
    const note = this.create(a, ai, participant, undefined, {
      kind: 'notify',
      parentWorkItemId: item.id,
      ...(message ? { data: { message } } : {}),
    });
    this.event('workitem.notified', { activityId: a.id, workItemId: item.id, actor, detail: { participant, notifyItem: note.id } });
    return note;
  }

  /**
   * Work goes only to participants the definition knows: its declared participants and the
   * performers its activities name. Anything else would put an item in nobody's worklist.
   */
  private assertParticipant(who: string, what: string): void {
    const known = new Set([...this.def.def.participants.map((p) => p.id), ...this.def.def.activities.flatMap((a) => a.performers)]);
    known.delete('');
    if (!known.has(who)) {
      throw new InvalidDataError(
        `cannot ${what} to "${who}": process "${this.def.id}" knows no such participant (it knows ${[...known].sort().map((p) => `"${p}"`).join(', ') || 'none'})`,
      );
    }
  }

  private assertOpen(item: WorkItemRecord, what: string): void {
    if (item.state !== 'open' || item.kind === 'notify') {
      throw new IllegalStateError(`Work item ${item.id} is ${item.kind === 'notify' ? 'a notification' : item.state}; it cannot be ${what}`);
    }
  }
}

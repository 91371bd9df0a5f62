import { evaluateCondition, ExpressionError } from '../expression';
import { EngineError, IllegalStateError, InvalidDataError, NotAuthorisedError } from '../errors';
import { parseDuration, isDuration, dueInMs } from '../definition/duration';
import { BRANCH_FIELD, chosenBranches, decisionOptions, decisionPerformer, decisionTitle, needsDecision } from './human-decision';
import type { CompiledDefinition } from '../definition/compiled-definition';
import type { ActivityDef, ParameterMapping, TransitionDef } from '../definition/process-definition';
import type {
  ActivityInstance,
  HistoryRecord,
  InstanceRecord,
  OutboxRecord,
  TimerRecord,
  TokenState,
  WorkItemRecord,
} from '../ports/records';
import { InstanceStates, isClosed, nextState, type StateAction } from './instance-state';
import { coerceData } from './data-coercion';
import type { UnitOfWork } from './unit-of-work';

/** A cascade that never waits (e.g. an automatic loop whose condition never turns false) is stopped here. */
const MAX_STEPS_PER_CASCADE = 10_000;
/**
 * Steps of one command over every instance it touches (a parent and its nested children run in one
 * transaction): beyond this the command fails and nothing of it is kept.
 */
export const MAX_STEPS_PER_COMMAND = 50_000;
/** How deeply local subprocesses may nest (a case, its child, the child's child, …). */
export const MAX_SUBPROCESS_DEPTH = 32;

/**
 * One instance being changed inside one transaction: the token game of seed 002 (enable, lock,
 * fire, cascade until quiescent) plus the bookkeeping that makes it durable (history, work items,
 * timers, outbox). Nothing here touches the database directly; the unit of work saves it all at once.
 */
export class InstanceSession {
  readonly history: HistoryRecord[] = [];
  readonly outbox: OutboxRecord[] = [];
  readonly timersToSave: TimerRecord[] = [];
  readonly timerActivitiesToClear = new Set<string>();
  readonly timersToDelete: string[] = [];
  readonly dirtyItems = new Map<string, WorkItemRecord>();
  /** Ids of work items created by this session: inserted, not upserted. */
  readonly createdItems = new Set<string>();
  /**
   * Child cases of activities withdrawn in this session (a terminate end, a cancelling deadline, a
   * deferred choice, an abort): the unit of work terminates them before it saves, so no child case
   * outlives the activity that waited for it.
   */
  readonly childrenToTerminate: Array<{ childId: string; reason: string }> = [];
  private steps = 0;

  constructor(
    readonly uow: UnitOfWork,
    readonly record: InstanceRecord,
    readonly def: CompiledDefinition,
    /** Open and suspended work items of this instance, by id. */
    readonly items: Map<string, WorkItemRecord>,
    readonly isNew: boolean,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get state() {
    return this.record.state;
  }

  private get now(): Date {
    return this.uow.now;
  }

  event(type: string, fields: Omit<HistoryRecord, 'instanceId' | 'at' | 'type'> = {}): void {
    this.history.push({ instanceId: this.id, at: this.now, type, ...fields });
  }

  private nextId(prefix: string): string {
    this.record.runtime.seq += 1;
    return `${this.id}/${prefix}${this.record.runtime.seq}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Starts the case. With several start events it starts at one of them (docs/execution.md,
   * "Start"): `startAt` when given, else the process's DefaultStartActivityId, else the first start
   * event without a trigger.
   */
  async start(actor?: string, startAt?: string): Promise<void> {
    const starts = this.def.startsFor(startAt);
    this.transition('start', actor);
    if (this.def.startActivities.length > 1 && starts.length === 1) {
      this.event('instance.startedAt', { actor, activityId: starts[0].id, detail: { of: this.def.startActivities.map((a) => a.id) } });
    }
    for (const a of starts) {
      this.record.runtime.tokens.push({ id: this.nextId('t'), arc: `start:${a.id}` });
    }
    await this.settle();
  }

  /** Starts a performing instance at one activity (a hand-over from the case's home department). */
  async startPerforming(activityId: string, actor?: string): Promise<void> {
    this.def.activity(activityId); // an unknown activity is refused before anything changes
    this.transition('start', actor);
    this.record.runtime.performs = activityId;
    this.record.runtime.tokens.push({ id: this.nextId('t'), arc: `start:${activityId}` });
    await this.settle();
  }

  async changeState(action: StateAction, actor?: string, reason?: string): Promise<void> {
    if (action === 'start') return this.start(actor);
    const before = this.record.state;
    const children = this.childInstanceIds();
    this.transition(action, actor, reason);
    if (action === 'terminate' || action === 'abort') {
      this.withdrawEverything(actor);
      this.record.completedAt = this.now;
      await this.notifyParentOfAbnormalEnd();
    }
    for (const childId of children) {
      const child = await this.uow.open(childId);
      if (!isClosed(child.state) && nextState(child.state, action)) {
        await child.changeState(action, actor, `parent instance ${this.id} was ${before} → ${this.record.state}`);
      }
    }
    if (action === 'resume') await this.settle();
  }

  private transition(action: StateAction, actor?: string, reason?: string): void {
    const from = this.record.state;
    const to = nextState(from, action);
    if (!to) {
      throw new IllegalStateError(
        `Instance ${this.id} is ${from}; cannot ${action} it` +
          (isClosed(from) ? ' (a closed instance cannot change state)' : ''),
      );
    }
    this.record.state = to;
    this.event('instance.stateChanged', { actor, detail: { from, to, ...(reason ? { reason } : {}) } });
  }

  assertRunning(what: string): void {
    if (this.record.state !== InstanceStates.running) {
      throw new IllegalStateError(`Instance ${this.id} is ${this.record.state}; cannot ${what} until it is open.running`);
    }
  }

  private childInstanceIds(): string[] {
    return this.record.runtime.activities.filter((a) => a.childInstanceId).map((a) => a.childInstanceId!);
  }

  private withdrawEverything(actor?: string): void {
    for (const ai of [...this.record.runtime.activities]) this.removeActivity(ai, 'withdrawn', actor);
    this.record.runtime.tokens = [];
  }

  // ---------------------------------------------------------------------------------------------
  // The token game

  /** Enables and fires activities until nothing more can happen without an outside event. */
  async settle(): Promise<void> {
    while (this.record.state === InstanceStates.running) {
      const enabled = this.findEnabled();
      if (!enabled) break;
      if (++this.uow.steps > MAX_STEPS_PER_COMMAND) {
        throw new EngineError(
          'INVALID_DEFINITION',
          `case ${this.id} (process "${this.def.id}"): one command took more than ${MAX_STEPS_PER_COMMAND} steps over this case and its subprocesses without waiting; nothing of it was kept`,
        );
      }
      if (++this.steps > MAX_STEPS_PER_CASCADE) {
        await this.abort(`more than ${MAX_STEPS_PER_CASCADE} steps without waiting; the process loops endlessly`);
        return;
      }
      const [activity, consumed] = enabled;
      const consumedIds = new Set(consumed.map((t) => t.id));
      this.record.runtime.tokens = this.record.runtime.tokens.filter((t) => !consumedIds.has(t.id));
      const choiceGroup = consumed.find((t) => t.choiceGroup)?.choiceGroup;
      await this.enterActivity(activity, choiceGroup, 1);
    }
    await this.checkCompletion();
  }

  private findEnabled(): [ActivityDef, TokenState[]] | undefined {
    const byTarget = new Map<string, TokenState[]>();
    for (const t of this.record.runtime.tokens) {
      const target = this.def.targetOfArc(t.arc);
      const list = byTarget.get(target);
      if (list) list.push(t);
      else byTarget.set(target, [t]);
    }
    for (const [target, tokens] of byTarget) {
      const a = this.def.activity(target);
      const consumed = this.joinConsumes(a, tokens);
      if (consumed) return [a, consumed];
    }
    return undefined;
  }

  /** Which tokens firing `a` would consume, or undefined when its join is not satisfied. */
  private joinConsumes(a: ActivityDef, tokens: TokenState[]): TokenState[] | undefined {
    const startToken = tokens.find((t) => t.arc.startsWith('start:'));
    if (startToken) return [startToken];
    const incoming = this.def.incoming.get(a.id) ?? [];
    const firstOnArc = (arc: string) => tokens.find((t) => t.arc === arc);
    if (a.join === 'and') {
      const picked = incoming.map((t) => firstOnArc(t.id));
      return picked.every(Boolean) ? (picked as TokenState[]) : undefined;
    }
    if (a.join === 'or') {
      const picked = incoming.map((t) => firstOnArc(t.id)).filter(Boolean) as TokenState[];
      if (picked.length === 0) return undefined;
      const empty = incoming.filter((t) => !firstOnArc(t.id));
      return empty.some((t) => this.canStillArrive(t, a.id)) ? undefined : picked;
    }
    return [tokens[0]];
  }

  /**
   * The synchronising OR-join waits for an empty input only while live work (a token elsewhere or
   * an activity in progress) can still reach it; dead branches never hold it up.
   */
  private canStillArrive(input: TransitionDef, joinId: string): boolean {
    const sources: string[] = [];
    for (const t of this.record.runtime.tokens) {
      const target = this.def.targetOfArc(t.arc);
      if (target !== joinId) sources.push(target);
    }
    for (const ai of this.record.runtime.activities) sources.push(ai.activityId);
    return sources.some((s) => this.def.reachableWithout(s, joinId).has(input.from));
  }

  private async enterActivity(a: ActivityDef, choiceGroup: string | undefined, iteration: number): Promise<void> {
    const ai: ActivityInstance = {
      id: this.nextId('a'),
      activityId: a.id,
      state: 'active',
      iteration,
      startedAt: this.now.toISOString(),
      ...(choiceGroup ? { choiceGroup } : {}),
    };
    if (a.loop?.testBefore && !this.holds(a.loop.condition, a, ai)) {
      // A while-loop whose condition is false: the activity is passed over, not performed.
      this.event('activity.skipped', { activityId: a.id, detail: { reason: 'loop condition false' } });
      this.produceTokens(a, ai);
      return;
    }
    this.record.runtime.activities.push(ai);
    this.event('activity.started', {
      activityId: a.id,
      detail: { kind: a.kind, iteration, ...(a.department ? { department: a.department } : {}) },
    });
    for (const d of a.deadlines ?? []) {
      this.timersToSave.push({
        id: this.nextId('d'),
        instanceId: this.id,
        activityInstanceId: ai.id,
        dueAt: new Date(this.now.getTime() + this.durationMs(d.duration, a)),
        kind: 'deadline',
        exceptionName: d.exceptionName,
        cancelsActivity: d.synchronous,
      });
    }
    if (this.isForeign(a)) return this.transfer(a, ai);
    switch (a.kind) {
      case 'start':
      case 'route':
        return this.finishActivity(a, ai, {});
      case 'end':
        if (a.terminate) return this.terminateEnd(a, ai);
        return this.finishActivity(a, ai, {});
      case 'manual':
        try {
          return await this.offerWorkItems(a, ai);
        } catch (e) {
          return this.fail(a, ai, e);
        }
      case 'automatic':
        return this.invokeApplication(a, ai);
      case 'timer':
        this.timersToSave.push({
          id: this.nextId('w'),
          instanceId: this.id,
          activityInstanceId: ai.id,
          dueAt: this.timerDue(a),
          kind: 'timer',
        });
        return;
      case 'subprocess':
        return this.startChild(a, ai);
      case 'remote-subprocess':
        return this.transfer(a, ai);
      case 'receive':
        return; // waits for deliverMessage
    }
  }

  /** An activity performed by another department than this engine's is handed over, not run here. */
  private isForeign(a: ActivityDef): boolean {
    const local = this.uow.env.department;
    return !!(local && a.department && a.department !== local && a.kind !== 'route' && a.kind !== 'start' && a.kind !== 'end');
  }

  private transfer(a: ActivityDef, ai: ActivityInstance): void {
    const remote = a.kind === 'remote-subprocess' && !this.isForeign(a);
    const message: OutboxRecord = {
      id: this.uow.env.ids.messageId(),
      instanceId: this.id,
      kind: remote ? 'remote-subprocess' : 'transfer',
      destination: remote ? a.subprocess!.remoteRef! : a.department!,
      payload: {
        caseId: this.id,
        processId: this.def.id,
        version: this.def.version,
        contentHash: this.def.contentHash ?? null,
        home: this.uow.env.department ?? null,
        activityId: a.id,
        activityInstanceId: ai.id,
        sender: this.uow.env.department ?? null,
        // Data minimisation: a department receives only the fields its activity reads.
        data: remote ? this.mapIn(a.subprocess!.parameters, a, ai) : this.pick(this.def.dataContract(a.id).reads),
        ...(remote ? { remoteProcessId: a.subprocess!.processId } : {}),
      },
      state: 'pending',
      attempts: 0,
      nextAttemptAt: this.now,
      createdAt: this.now,
    };
    ai.state = 'transferred';
    ai.outboxId = message.id;
    if (!remote) ai.handedTo = a.department;
    this.outbox.push(message);
    this.event('activity.transferred', {
      activityId: a.id,
      detail: { to: message.destination, kind: message.kind, messageId: message.id },
    });
  }

  private async terminateEnd(a: ActivityDef, ai: ActivityInstance): Promise<void> {
    this.event('activity.completed', { activityId: a.id, detail: { terminate: true } });
    this.removeActivity(ai, 'completed');
    this.withdrawEverything();
  }

  // ---------------------------------------------------------------------------------------------
  // Manual activities: work items, multi-assignee fire rules, multi-instance

  private async offerWorkItems(a: ActivityDef, ai: ActivityInstance): Promise<void> {
    if (a.multiInstance) {
      const n = this.multiInstanceCount(a, ai);
      ai.total = n;
      ai.completed = 0;
      if (n === 0) return this.finishActivity(a, ai, {});
      const first = a.multiInstance.ordering === 'sequential' ? 1 : n;
      for (let i = 0; i < first; i++) this.createWorkItem(a, ai, a.performers[0] ?? '', i);
      ai.nextIndex = first;
      return;
    }
    const performers = a.performers.length ? a.performers : [''];
    ai.total = a.fireRule === 'first' ? 1 : performers.length;
    ai.completed = 0;
    for (const p of performers) this.createWorkItem(a, ai, p);
  }

  private createWorkItem(
    a: ActivityDef,
    ai: ActivityInstance,
    participant: string,
    loopCounter?: number,
    extra: Partial<WorkItemRecord> = {},
  ): WorkItemRecord {
    const item: WorkItemRecord = {
      id: this.uow.env.ids.workItemId(),
      instanceId: this.id,
      activityInstanceId: ai.id,
      activityId: a.id,
      activityName: a.name,
      participant,
      department: a.department,
      kind: 'normal',
      state: 'open',
      loopCounter,
      createdAt: this.now,
      ...extra,
    };
    this.createdItems.add(item.id);
    this.saveItem(item);
    this.event('workitem.created', {
      activityId: a.id,
      workItemId: item.id,
      detail: { participant, kind: item.kind, ...(loopCounter !== undefined ? { loopCounter } : {}) },
    });
    return item;
  }

  private saveItem(item: WorkItemRecord): void {
    this.items.set(item.id, item);
    this.dirtyItems.set(item.id, item);
  }

  async completeWorkItem(item: WorkItemRecord, data: Record<string, unknown> | undefined, actor?: string): Promise<void> {
    // A notification is only read, so it may be acknowledged whatever became of the instance.
    if (item.kind !== 'notify') this.assertRunning(`complete work item ${item.id}`);
    if (item.state !== 'open') {
      throw new IllegalStateError(
        `Work item ${item.id} is ${item.state}` +
          (item.state === 'suspended' ? ' (waiting for an assistant to finish)' : '') +
          '; only open work items can be completed',
      );
    }
    const a = this.def.activity(item.activityId);
    if (item.kind === 'notify') {
      this.closeItem(item, 'completed', actor, undefined);
      return;
    }
    if (item.kind === 'decision') return this.completeDecision(item, a, data, actor);
    const values = coerceData(this.def.def, data, a.updates);
    this.closeItem(item, 'completed', actor, values);
    this.applyData(values, actor, a.id);
    if (item.kind === 'assist') {
      const helped = item.parentWorkItemId ? this.items.get(item.parentWorkItemId) : undefined;
      if (helped && helped.state === 'suspended') {
        helped.state = 'open';
        this.saveItem(helped);
        this.event('workitem.assisted', { activityId: a.id, workItemId: helped.id, actor, detail: { assistItem: item.id } });
      }
      return;
    }
    const ai = this.record.runtime.activities.find((x) => x.id === item.activityInstanceId);
    if (!ai) throw new IllegalStateError(`Work item ${item.id} belongs to an activity that is no longer active`);
    ai.completed = (ai.completed ?? 0) + 1;
    if (this.activityDone(a, ai)) {
      await this.finishActivity(a, ai, {}, actor);
      await this.settle();
    } else if (a.multiInstance?.ordering === 'sequential' && (ai.nextIndex ?? 0) < (ai.total ?? 0)) {
      this.createWorkItem(a, ai, a.performers[0] ?? '', ai.nextIndex);
      ai.nextIndex = (ai.nextIndex ?? 0) + 1;
    }
  }

  /** The split waits for a person: a decision work item listing the branches (human-decision.ts). */
  private offerDecision(a: ActivityDef, ai: ActivityInstance): void {
    const options = decisionOptions(this.def, a);
    this.createWorkItem(a, ai, decisionPerformer(this.def, a), undefined, {
      kind: 'decision',
      activityName: decisionTitle(a, options),
      data: { [BRANCH_FIELD]: options.map((o) => o.label) },
    });
  }

  private async completeDecision(item: WorkItemRecord, a: ActivityDef, data: Record<string, unknown> | undefined, actor?: string): Promise<void> {
    const { [BRANCH_FIELD]: branch, ...rest } = data ?? {};
    const chosen = chosenBranches(this.def, a, branch);
    const values = coerceData(this.def.def, rest, a.updates);
    const ai = this.record.runtime.activities.find((x) => x.id === item.activityInstanceId);
    if (!ai) throw new IllegalStateError(`Work item ${item.id} belongs to an activity that is no longer active`);
    const labels = decisionOptions(this.def, a).filter((o) => chosen.some((t) => t.id === o.transitionId)).map((o) => o.label);
    this.closeItem(item, 'completed', actor, { ...values, [BRANCH_FIELD]: labels.length === 1 ? labels[0] : labels });
    this.applyData(values, actor, a.id);
    this.event('decision.made', { activityId: a.id, workItemId: item.id, actor, detail: { took: chosen.map((t) => t.id), labels } });
    await this.finishActivity(a, ai, {}, actor, chosen);
    await this.settle();
  }

  private activityDone(a: ActivityDef, ai: ActivityInstance): boolean {
    const completed = ai.completed ?? 0;
    const total = ai.total ?? 1;
    if (a.multiInstance?.completionCondition) {
      const active = [...this.items.values()].filter((i) => i.activityInstanceId === ai.id && i.state === 'open').length;
      const scope = {
        ...this.record.data,
        nrOfInstances: total,
        nrOfCompletedInstances: completed,
        nrOfActiveInstances: active,
        loopCounter: completed - 1,
      };
      if (this.holdsIn(a.multiInstance.completionCondition, scope, a, ai)) return true;
    }
    return completed >= total;
  }

  private closeItem(item: WorkItemRecord, state: 'completed' | 'withdrawn', actor?: string, data?: Record<string, unknown>): void {
    item.state = state;
    item.completedAt = this.now;
    if (actor) item.completedBy = actor;
    if (data && Object.keys(data).length) item.data = data;
    this.saveItem(item);
    this.items.delete(item.id);
    this.event(state === 'completed' ? 'workitem.completed' : 'workitem.withdrawn', {
      activityId: item.activityId,
      workItemId: item.id,
      actor,
    });
  }

  // Free-flow extension at run time (seed 002): the instance's own work items change; the
  // definition and every other instance stay as they were.

  delegate(item: WorkItemRecord, to: string, actor?: string): void {
    this.assertRunning(`delegate work item ${item.id}`);
    this.assertOpen(item, 'delegated');
    this.assertParticipant(to, `delegate work item ${item.id}`);
    const from = item.participant;
    item.delegatedFrom = from;
    item.participant = to;
    this.saveItem(item);
    this.event('workitem.delegated', { activityId: item.activityId, workItemId: item.id, actor, detail: { from, to } });
  }

  assist(item: WorkItemRecord, helper: string, actor?: string, note?: string): WorkItemRecord {
    this.assertRunning(`ask for assistance on work item ${item.id}`);
    this.assertOpen(item, 'given an assistant');
    this.assertParticipant(helper, `ask for assistance on work item ${item.id}`);
    const a = this.def.activity(item.activityId);
    const ai = this.activityInstance(item.activityInstanceId);
    item.state = 'suspended';
    this.saveItem(item);
    const help = this.createWorkItem(a, ai, helper, item.loopCounter, {
      kind: 'assist',
      parentWorkItemId: item.id,
      ...(note ? { data: { note } } : {}),
    });
    this.event('workitem.assistRequested', { activityId: a.id, workItemId: item.id, actor, detail: { helper, assistItem: help.id } });
    return help;
  }

  notify(item: WorkItemRecord, participant: string, actor?: string, message?: string): WorkItemRecord {
    this.assertRunning(`send a notification from work item ${item.id}`);
    this.assertParticipant(participant, `notify from work item ${item.id}`);
    const a = this.def.activity(item.activityId);
    const ai = this.activityInstance(item.activityInstanceId);
    const note = this.createWorkItem(a, ai, participant, undefined, {
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

  private activityInstance(id: string): ActivityInstance {
    const ai = this.record.runtime.activities.find((x) => x.id === id);
    if (!ai) throw new IllegalStateError(`Activity instance ${id} of instance ${this.id} is no longer active`);
    return ai;
  }

  // ---------------------------------------------------------------------------------------------
  // Automatic activities

  private async invokeApplication(a: ActivityDef, ai: ActivityInstance): Promise<void> {
    const app = this.def.applications.get(a.application!.id)!;
    const runs = a.multiInstance ? this.multiInstanceCount(a, ai) : 1;
    ai.total = runs;
    ai.completed = 0;
    try {
      const handler = app.script === undefined ? this.uow.env.handlers.get(app.handler ?? app.id) : undefined;
      if (app.script === undefined && !handler) {
        throw new Error(
          `no handler is registered for application "${app.handler ?? app.id}"; register one with engine.handlers.register("${app.handler ?? app.id}", fn)`,
        );
      }
      for (let i = 0; i < runs; i++) {
        const loopCounter = a.multiInstance ? i : undefined;
        const input = this.mapIn(a.application!.parameters, a, ai, loopCounter);
        const result = app.script !== undefined
          ? this.def.script(app.script).run(input)
          : ((await handler!({
              instanceId: this.id,
              processId: this.def.id,
              activityId: a.id,
              applicationId: app.id,
              input,
              ...(loopCounter !== undefined ? { loopCounter } : {}),
            })) ?? {});
        this.applyData(this.mapOut(a.application!.parameters, result, a), undefined, a.id);
        ai.completed += 1;
        if (a.multiInstance && this.activityDone(a, ai)) break;
      }
    } catch (e) {
      return this.fail(a, ai, e);
    }
    await this.finishActivity(a, ai, {});
  }

  private fail(a: ActivityDef, ai: ActivityInstance, e: unknown, phase: 'perform' | 'route' = 'perform'): void {
    const message = e instanceof Error ? e.message : String(e);
    ai.state = 'failed';
    ai.error = message;
    ai.failedAt = phase;
    this.event('activity.failed', { activityId: a.id, detail: { error: message, phase } });
  }

  /** Runs a failed activity again (after its handler or data has been fixed). */
  async retry(activityInstanceId: string, actor?: string): Promise<void> {
    this.assertRunning('retry an activity');
    const ai = this.activityInstance(activityInstanceId);
    if (ai.state !== 'failed') throw new IllegalStateError(`Activity instance ${ai.id} has not failed; nothing to retry`);
    const a = this.def.activity(ai.activityId);
    this.event('activity.retried', { activityId: a.id, actor });
    if (ai.failedAt === 'route') {
      // The work was done; only the routing decision failed (e.g. no condition held). Decide again.
      ai.state = 'active';
      ai.error = ai.failedAt = undefined;
      await this.finishActivity(a, ai, {});
    } else {
      this.removeActivity(ai, 'withdrawn');
      await this.enterActivity(a, ai.choiceGroup, ai.iteration);
    }
    await this.settle();
  }

  private mapIn(params: ParameterMapping[], a: ActivityDef, ai: ActivityInstance, loopCounter?: number): Record<string, unknown> {
    const scope = loopCounter === undefined ? this.record.data : { ...this.record.data, loopCounter };
    if (params.length === 0) return { ...scope };
    const input: Record<string, unknown> = {};
    for (const p of params) {
      if (p.direction === 'OUT') continue;
      input[p.formal] = this.evaluate(p.actual, scope, a, ai);
    }
    return input;
  }

  private mapOut(params: ParameterMapping[], result: Record<string, unknown> | void, a: ActivityDef): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (!result) return out;
    if (params.length === 0) {
      for (const [k, v] of Object.entries(result)) if (this.isField(k)) out[k] = v;
      return out;
    }
    for (const p of params) {
      if (p.direction === 'IN' || !(p.formal in result)) continue;
      if (!this.isField(p.actual)) {
        throw new InvalidDataError(`Activity "${a.id}" maps output "${p.formal}" to "${p.actual}", which is not a data field`);
      }
      out[p.actual] = result[p.formal];
    }
    return out;
  }

  /** The named fields of the case that have a value. */
  private pick(names: readonly string[]): Record<string, unknown> {
    return Object.fromEntries(names.filter((n) => n in this.record.data).map((n) => [n, this.record.data[n]]));
  }

  private isField(name: string): boolean {
    return this.def.def.dataFields.some((f) => f.id === name);
  }

  // ---------------------------------------------------------------------------------------------
  // Local subprocesses

  private async startChild(a: ActivityDef, ai: ActivityInstance): Promise<void> {
    const sub = a.subprocess!;
    const depth = (this.record.runtime.depth ?? 0) + 1;
    if (depth > MAX_SUBPROCESS_DEPTH) {
      throw new EngineError(
        'INVALID_DEFINITION',
        `activity "${a.id}" of process "${this.def.id}" would start a subprocess "${sub.processId}" nested ${depth} deep (at most ${MAX_SUBPROCESS_DEPTH}): the subprocesses recurse without end; nothing of this command was kept`,
      );
    }
    let input: Record<string, unknown>;
    try {
      input = this.mapIn(sub.parameters, a, ai);
    } catch (e) {
      return this.fail(a, ai, e);
    }
    // The child version this definition version was deployed with (pinned at deploy time);
    // definitions deployed before pinning existed call the latest version.
    const pinned = this.def.def.subprocessVersions?.[sub.processId];
    const child = await this.uow.create(
      sub.processId,
      {
        data: input,
        parent: { instanceId: this.id, activityInstanceId: ai.id },
        subject: `${a.name ?? a.id} of ${this.id}`,
      },
      pinned,
    );
    child.record.runtime.depth = depth;
    ai.childInstanceId = child.id;
    this.event('subprocess.started', { activityId: a.id, detail: { childInstanceId: child.id, processId: sub.processId, version: child.def.version } });
    if (sub.execution === 'async') {
      ai.childInstanceId = undefined;
      await child.start();
      return this.finishActivity(a, ai, {});
    }
    await child.start();
  }

  /** Called by a child session when it closes. */
  async childClosed(child: InstanceSession): Promise<void> {
    const ai = this.record.runtime.activities.find((x) => x.childInstanceId === child.id);
    if (!ai) return;
    const a = this.def.activity(ai.activityId);
    if (child.state !== InstanceStates.completed) {
      ai.childInstanceId = undefined;
      this.fail(a, ai, new Error(`subprocess ${child.id} ended ${child.state}`));
      return;
    }
    const out = this.mapOut(a.subprocess!.parameters, child.record.data, a);
    this.applyData(out, undefined, a.id);
    ai.childInstanceId = undefined;
    if (this.record.state === InstanceStates.running) {
      await this.finishActivity(a, ai, {});
      await this.settle();
    } else {
      // A suspended parent keeps the result; it moves on when resumed.
      ai.resultReady = true;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Results from outside: transfers, remote subprocesses, messages, timers

  async completeExternally(activityInstanceId: string, data: Record<string, unknown>, actor?: string): Promise<void> {
    this.assertRunning('accept a result');
    const ai = this.activityInstance(activityInstanceId);
    const a = this.def.activity(ai.activityId);
    // Results from other engines arrive as text; they are converted by the declared field types
    // like any other input, after a remote subprocess's formal names are mapped to ours.
    const incoming = a.kind === 'remote-subprocess' && !this.isForeign(a) ? this.mapOut(a.subprocess!.parameters, data, a) : data;
    // A department's intra-department process may return fields of its own; only ours are taken.
    const declared = new Set(this.def.def.dataFields.map((f) => f.id));
    const values = coerceData(this.def.def, Object.fromEntries(Object.entries(incoming).filter(([k]) => declared.has(k))));
    this.applyData(values, actor, a.id);
    await this.finishActivity(a, ai, {}, actor);
    await this.settle();
  }

  /**
   * A result of another department for an activity of this case (the home's side of a transfer).
   * Taken only from the department the activity instance was handed to, only while it waits for
   * it, and only with the fields the activity may write; anything else is refused by name and
   * changes nothing (docs/security-model.md).
   */
  async acceptTransferResult(activityInstanceId: string, from: string, result: { outcome: 'completed' | 'failed'; data: Record<string, unknown>; reason?: string }): Promise<void> {
    const ai = this.record.runtime.activities.find((x) => x.id === activityInstanceId);
    if (!ai) throw new NotAuthorisedError(`case ${this.id} has no activity instance ${activityInstanceId} waiting for a result (it finished, was withdrawn, or never existed)`);
    const a = this.def.activity(ai.activityId);
    const handedTo = ai.handedTo ?? (ai.state === 'transferred' && this.isForeign(a) ? a.department : undefined);
    if (ai.state !== 'transferred' || !handedTo) {
      throw new NotAuthorisedError(`activity "${a.id}" of case ${this.id} was not handed to any department (it is ${ai.state} here); no department may report its result`);
    }
    if (handedTo !== from) {
      throw new NotAuthorisedError(`activity "${a.id}" of case ${this.id} was handed to department ${handedTo}; department ${from} may not report its result`);
    }
    if (result.outcome === 'failed') {
      this.failExternally(activityInstanceId, result.reason ?? `department ${from} could not perform the activity`, from);
      return;
    }
    const writes = new Set(this.def.dataContract(a.id).writes);
    const extra = Object.keys(result.data).filter((k) => !writes.has(k));
    if (extra.length) {
      throw new NotAuthorisedError(
        `the result for activity "${a.id}" of case ${this.id} carries ${extra.map((k) => `"${k}"`).join(', ')}, which the activity does not write` +
          ` (it may write: ${[...writes].join(', ') || 'nothing'})`,
      );
    }
    await this.completeExternally(activityInstanceId, result.data, from);
  }

  /** A transferred or remote activity that ended abnormally over there becomes an incident here. */
  failExternally(activityInstanceId: string, reason: string, actor?: string): void {
    const ai = this.activityInstance(activityInstanceId);
    const a = this.def.activity(ai.activityId);
    this.fail(a, ai, new Error(reason));
    if (actor) this.history[this.history.length - 1].actor = actor;
  }

  async deliverMessage(message: string, data: Record<string, unknown>, actor?: string): Promise<boolean> {
    this.assertRunning(`deliver message "${message}"`);
    const ai = this.record.runtime.activities.find((x) => {
      const a = this.def.activity(x.activityId);
      return a.kind === 'receive' && (a.message ?? a.id) === message && x.state === 'active';
    });
    if (!ai) return false;
    await this.completeExternally(ai.id, data, actor);
    return true;
  }

  async fireTimer(timer: TimerRecord): Promise<void> {
    this.timersToDelete.push(timer.id);
    const ai = this.record.runtime.activities.find((x) => x.id === timer.activityInstanceId);
    if (!ai) return; // the activity finished meanwhile; a stale timer is simply dropped
    const a = this.def.activity(ai.activityId);
    if (timer.kind === 'timer') {
      this.event('timer.fired', { activityId: a.id });
      await this.finishActivity(a, ai, {});
      await this.settle();
      return;
    }
    const name = timer.exceptionName ?? 'deadline';
    const handlers = this.def.exceptionTransitions.get(a.id) ?? [];
    const target = handlers.find((t) => t.condition === name) ?? handlers.find((t) => t.condition === '*');
    this.event('deadline.passed', { activityId: a.id, detail: { exception: name, handled: !!target } });
    if (!target) return;
    if (timer.cancelsActivity !== false) this.removeActivity(ai, 'withdrawn');
    this.record.runtime.tokens.push({ id: this.nextId('t'), arc: target.id });
    await this.settle();
  }

  // ---------------------------------------------------------------------------------------------
  // Firing: completion of an activity produces tokens on its outgoing transitions

  private async finishActivity(
    a: ActivityDef,
    ai: ActivityInstance,
    _out: Record<string, unknown>,
    actor?: string,
    decided?: TransitionDef[],
  ): Promise<void> {
    if (a.loop && !decided) {
      // Both loop kinds test again after each iteration; a while-loop also tested before the first.
      const max = a.loop.maximum ?? Infinity;
      let again: boolean;
      try {
        again = ai.iteration < max && this.holds(a.loop.condition, a, ai);
      } catch (e) {
        return this.fail(a, ai, e, 'route');
      }
      if (again) {
        this.event('activity.completed', { activityId: a.id, actor, detail: { iteration: ai.iteration, loop: 'again' } });
        this.removeActivity(ai, 'completed');
        await this.enterActivity(a, ai.choiceGroup, ai.iteration + 1);
        return;
      }
    }
    let chosen: TransitionDef[];
    try {
      // A performing instance does the one activity it was handed; the home routes on.
      if (this.record.runtime.performs === a.id) chosen = [];
      else if (decided) chosen = decided;
      else if (needsDecision(this.def, a.id)) return this.offerDecision(a, ai);
      else chosen = this.chooseOutgoing(a, ai);
    } catch (e) {
      this.fail(a, ai, e, 'route');
      return;
    }
    this.event('activity.completed', {
      activityId: a.id,
      actor,
      ...(chosen.length && (a.split === 'xor' || a.split === 'or' || decided) ? { detail: { took: chosen.map((t) => t.id), ...(decided ? { decidedBy: actor ?? null } : {}) } } : {}),
    });
    this.removeActivity(ai, 'completed');
    if (ai.choiceGroup) this.withdrawChoiceGroup(ai.choiceGroup);
    const group = a.split === 'deferred' && chosen.length > 1 ? this.nextId('g') : undefined;
    for (const t of chosen) {
      this.record.runtime.tokens.push({ id: this.nextId('t'), arc: t.id, ...(group ? { choiceGroup: group } : {}) });
    }
  }

  private produceTokens(a: ActivityDef, ai: ActivityInstance): void {
    for (const t of this.chooseOutgoing(a, ai)) this.record.runtime.tokens.push({ id: this.nextId('t'), arc: t.id });
  }

  private chooseOutgoing(a: ActivityDef, ai: ActivityInstance): TransitionDef[] {
    const out = this.def.outgoing.get(a.id) ?? [];
    if (out.length === 0) return [];
    if (a.split === 'xor' || a.split === 'or' || (a.split === 'none' && out.some((t) => t.kind === 'condition'))) {
      const taken: TransitionDef[] = [];
      for (const t of out) {
        if (t.kind === 'otherwise' || t.decision) continue;
        if (t.kind === 'normal' || this.holds(t.condition!, a, ai)) {
          taken.push(t);
          if (a.split !== 'or') break;
        }
      }
      if (taken.length) return taken;
      const otherwise = out.find((t) => t.kind === 'otherwise');
      if (otherwise) return [otherwise];
      throw new Error(
        `no outgoing transition of "${a.id}" holds (${out.map((t) => `${t.id}: ${t.condition ?? t.kind}`).join('; ')}) and there is no otherwise branch`,
      );
    }
    return out;
  }

  private withdrawChoiceGroup(group: string): void {
    this.record.runtime.tokens = this.record.runtime.tokens.filter((t) => t.choiceGroup !== group);
    for (const other of this.record.runtime.activities.filter((x) => x.choiceGroup === group)) {
      this.event('activity.withdrawn', { activityId: other.activityId, detail: { reason: 'deferred choice taken by another branch' } });
      this.removeActivity(other, 'withdrawn');
    }
  }

  private removeActivity(ai: ActivityInstance, how: 'completed' | 'withdrawn', actor?: string): void {
    this.record.runtime.activities = this.record.runtime.activities.filter((x) => x.id !== ai.id);
    const def = this.def.activity(ai.activityId);
    if (def.kind === 'timer' || def.deadlines?.length) this.timerActivitiesToClear.add(ai.id);
    for (const item of [...this.items.values()]) {
      if (item.activityInstanceId === ai.id && item.kind !== 'notify') this.closeItem(item, 'withdrawn', actor);
    }
    if (how === 'withdrawn' && ai.childInstanceId) {
      // The child case waited for by this activity is terminated with it (in the same transaction).
      this.childrenToTerminate.push({ childId: ai.childInstanceId, reason: `activity "${ai.activityId}" (${ai.id}) of parent instance ${this.id} was withdrawn` });
      this.event('subprocess.terminated', { activityId: ai.activityId, actor, detail: { childInstanceId: ai.childInstanceId } });
      ai.childInstanceId = undefined;
    }
    if (how === 'withdrawn' && ai.outboxId) {
      // A transferred activity or remote subprocess: this engine cannot end the other side's work.
      // The withdrawal is recorded; the other side's late result is refused (the instance no
      // longer waits for it) and shows in the message log as refused.
      this.event('activity.withdrawn', {
        activityId: ai.activityId,
        actor,
        detail: { transferredMessage: ai.outboxId, ...(ai.handedTo ? { handedTo: ai.handedTo } : {}), otherSide: 'not cancelled; a late result is refused' },
      });
    }
  }

  private async checkCompletion(): Promise<void> {
    if (this.record.state !== InstanceStates.running) return;
    const ready = this.record.runtime.activities.find((x) => x.resultReady);
    if (ready) {
      ready.resultReady = undefined;
      await this.finishActivity(this.def.activity(ready.activityId), ready, {});
      return this.settle();
    }
    const rt = this.record.runtime;
    if (rt.activities.length > 0) return;
    if (rt.tokens.length > 0) {
      const where = [...new Set(rt.tokens.map((t) => this.def.targetOfArc(t.arc)))].join(', ');
      await this.abort(`deadlock: tokens wait in front of ${where} and nothing can still arrive there`);
      return;
    }
    this.record.state = InstanceStates.completed;
    this.record.completedAt = this.now;
    this.event('instance.completed', { detail: { state: InstanceStates.completed } });
    await this.closed();
  }

  private async abort(reason: string): Promise<void> {
    this.record.state = InstanceStates.aborted;
    this.record.completedAt = this.now;
    this.withdrawEverything();
    this.event('instance.aborted', { detail: { reason } });
    await this.closed();
  }

  /**
   * What goes back to whoever waits for this instance: for a performing instance, the activity's
   * output as its definition names it (its `updates` fields), else every field.
   */
  private resultData(): Record<string, unknown> {
    const rt = this.record.runtime;
    if (!this.record.observer?.startsWith('transfer:')) return { ...this.record.data };
    const performed = rt.performs ? this.def.activities.get(rt.performs) : undefined;
    const fields = rt.resultFields ?? (performed?.updates?.length ? performed.updates : rt.changed ?? []);
    const allowed = new Set(rt.resultAllowed ?? (performed ? this.def.dataContract(performed.id).writes : fields));
    return Object.fromEntries(fields.filter((f) => allowed.has(f) && f in this.record.data).map((f) => [f, this.record.data[f]]));
  }

  private async notifyParentOfAbnormalEnd(): Promise<void> {
    await this.closed();
  }

  private async closed(): Promise<void> {
    if (this.record.observer) {
      this.outbox.push({
        id: this.uow.env.ids.messageId(),
        instanceId: this.id,
        // A performing instance's result goes to the case's home department with the transfers;
        // any other observer is a Wf-XML observer.
        kind: this.record.observer.startsWith('transfer:') ? 'transfer-result' : 'observer-notify',
        destination: this.record.observer,
        payload: { instanceId: this.id, state: this.record.state, data: this.resultData() },
        state: 'pending',
        attempts: 0,
        nextAttemptAt: this.now,
        createdAt: this.now,
      });
    }
    if (this.record.parentInstanceId) {
      const parent = await this.uow.open(this.record.parentInstanceId);
      await parent.childClosed(this);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Data and expressions

  applyData(values: Record<string, unknown>, actor: string | undefined, activityId?: string): void {
    const changed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) {
      if (this.record.data[k] !== v) {
        this.record.data[k] = v;
        changed[k] = v;
      }
    }
    if (Object.keys(changed).length) {
      this.event('data.changed', { activityId, actor, detail: { changed } });
      if (this.record.observer?.startsWith('transfer:')) {
        this.record.runtime.changed = [...new Set([...(this.record.runtime.changed ?? []), ...Object.keys(changed)])];
      }
    }
  }

  private evaluate(source: string, scope: Record<string, unknown>, a: ActivityDef, ai: ActivityInstance): unknown {
    try {
      return this.def.expression(source).evaluate(scope);
    } catch (e) {
      throw this.expressionProblem(e, source, a, ai);
    }
  }

  private holds(source: string, a: ActivityDef, ai: ActivityInstance): boolean {
    return this.holdsIn(source, this.record.data, a, ai);
  }

  private holdsIn(source: string, scope: Record<string, unknown>, a: ActivityDef, ai: ActivityInstance): boolean {
    try {
      return evaluateCondition(this.def.expression(source), scope);
    } catch (e) {
      throw this.expressionProblem(e, source, a, ai);
    }
  }

  private expressionProblem(e: unknown, source: string, a: ActivityDef, _ai: ActivityInstance): Error {
    const why = e instanceof ExpressionError ? e.message : (e as Error).message;
    return new Error(`expression "${source}" at activity "${a.id}" failed: ${why}`);
  }

  private multiInstanceCount(a: ActivityDef, ai: ActivityInstance): number {
    const n = this.evaluate(a.multiInstance!.count, this.record.data, a, ai);
    const count = typeof n === 'string' ? Number(n) : n;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 10_000) {
      throw new InvalidDataError(
        `Activity "${a.id}": the multi-instance count "${a.multiInstance!.count}" gave ${JSON.stringify(n)}; expected a whole number from 0 to 10000`,
      );
    }
    return count;
  }

  private durationMs(spec: string, a: ActivityDef): number {
    if (isDuration(spec)) return parseDuration(spec);
    const v = this.def.expression(spec).evaluate(this.record.data);
    if (typeof v === 'number') return v;
    if (typeof v === 'string') return dueInMs(v, this.now) ?? parseDuration(v);
    throw new InvalidDataError(`Activity "${a.id}": duration "${spec}" gave ${JSON.stringify(v)}`);
  }

  private timerDue(a: ActivityDef): Date {
    if (a.timer?.duration) return new Date(this.now.getTime() + this.durationMs(a.timer.duration, a));
    const v = isDuration(a.timer!.date!) ? Number(a.timer!.date) : this.def.expression(a.timer!.date!).evaluate(this.record.data);
    const at = typeof v === 'number' ? new Date(v) : new Date(String(v));
    if (Number.isNaN(at.getTime())) throw new InvalidDataError(`Activity "${a.id}": timer date "${a.timer!.date}" gave ${JSON.stringify(v)}`);
    return at;
  }
}

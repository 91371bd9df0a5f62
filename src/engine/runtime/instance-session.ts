import { EngineError, IllegalStateError, NotAuthorisedError } from '../errors';
import type { CompiledDefinition } from '../definition/compiled-definition';
import type { ActivityDef, TransitionDef } from '../definition/process-definition';
import type { ActivityInstance, HistoryRecord, InstanceRecord, TimerRecord, WorkItemRecord } from '../ports/records';
import { InstanceStates, isClosed, nextState, type StateAction } from './instance-state';
import { coerceData } from './data-coercion';
import { BRANCH_FIELD, chosenBranches, decisionOptions, needsDecision, offerDecision } from './human-decision';
import { ActivityData } from './activity-data';
import { ChangeSet } from './change-set';
import type { CreateOptions, EngineEnv } from './engine-env';
import { chooseOutgoing, exceptionTarget, findEnabled, waitingInFrontOf } from './token-game';
import { WorkItems } from './work-items';
import { behaviours, childClosed, handOverBehaviour, workItemCompleted, type ActivityContext, type ChildCase } from './behaviours';
import type { UnitOfWork } from './unit-of-work';

export { MAX_SUBPROCESS_DEPTH } from './behaviours';

/** A cascade that never waits (e.g. an automatic loop whose condition never turns false) is stopped here. */
const MAX_STEPS_PER_CASCADE = 10_000;
/**
 * Steps of one command over every instance it touches (a parent and its nested children run in one
 * transaction): beyond this the command fails and nothing of it is kept.
 */
export const MAX_STEPS_PER_COMMAND = 50_000;

/**
 * One instance being changed inside one transaction. It applies the token game (token-game.ts:
 * enable, lock, fire, cascade until quiescent) to the instance's marking, enters activities
 * through their kind's behaviour (behaviours/), and keeps what makes it durable in its change set
 * (history, work items, timers, outbox). Nothing here touches the database directly; the unit of
 * work saves it all at once.
 */
export class InstanceSession implements ActivityContext {
  readonly changes = new ChangeSet();
  readonly data: ActivityData;
  readonly workItems: WorkItems;
  private steps = 0;

  constructor(
    readonly uow: UnitOfWork,
    readonly record: InstanceRecord,
    readonly def: CompiledDefinition,
    /** Open and suspended work items of this instance, by id. */
    readonly items: Map<string, WorkItemRecord>,
    readonly isNew: boolean,
  ) {
    const event = this.event.bind(this);
    this.data = new ActivityData(record, def, event, () => this.now);
    this.workItems = new WorkItems(record.id, def, items, this.changes, uow.env, () => this.now, event);
  }

  get id(): string {
    return this.record.id;
  }

  get state() {
    return this.record.state;
  }

  get env(): EngineEnv {
    return this.uow.env;
  }

  get now(): Date {
    return this.uow.now;
  }

  event(type: string, fields: Omit<HistoryRecord, 'instanceId' | 'at' | 'type'> = {}): void {
    this.changes.history.push({ instanceId: this.id, at: this.now, type, ...fields });
  }

  nextId(prefix: string): string {
    this.record.runtime.seq += 1;
    return `${this.id}/${prefix}${this.record.runtime.seq}`;
  }

  createChild(processId: string, options: CreateOptions, version?: number): Promise<ChildCase> {
    return this.uow.create(processId, options, version);
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
      await this.closed();
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

  withdrawEverything(actor?: string): void {
    for (const ai of [...this.record.runtime.activities]) this.removeActivity(ai, 'withdrawn', actor);
    this.record.runtime.tokens = [];
  }

  // ---------------------------------------------------------------------------------------------
  // The token game applied

  /** Enables and fires activities until nothing more can happen without an outside event. */
  async settle(): Promise<void> {
    while (this.record.state === InstanceStates.running) {
      const enabled = findEnabled(this.def, this.record.runtime);
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
      const consumedIds = new Set(enabled.consumed.map((t) => t.id));
      this.record.runtime.tokens = this.record.runtime.tokens.filter((t) => !consumedIds.has(t.id));
      const choiceGroup = enabled.consumed.find((t) => t.choiceGroup)?.choiceGroup;
      await this.enterActivity(enabled.activity, choiceGroup, 1, enabled.scope);
    }
    await this.checkCompletion();
  }

  private async enterActivity(a: ActivityDef, choiceGroup: string | undefined, iteration: number, scope: string | undefined): Promise<void> {
    const ai: ActivityInstance = {
      id: this.nextId('a'),
      activityId: a.id,
      state: 'active',
      iteration,
      startedAt: this.uow.nowIso,
      ...(choiceGroup ? { choiceGroup } : {}),
      ...(scope !== undefined ? { scope } : {}),
    };
    if (a.loop?.testBefore && !this.data.holds(a.loop.condition, a)) {
      // A while-loop whose condition is false: the activity is passed over, not performed.
      this.event('activity.skipped', { activityId: a.id, detail: { reason: 'loop condition false' } });
      for (const t of this.outgoingOf(a)) this.record.runtime.tokens.push({ id: this.nextId('t'), arc: t.id, ...(scope !== undefined ? { scope } : {}) });
      return;
    }
    this.record.runtime.activities.push(ai);
    this.event('activity.started', {
      activityId: a.id,
      detail: { kind: a.kind, iteration, ...(a.department ? { department: a.department } : {}) },
    });
    for (const d of a.deadlines ?? []) {
      this.changes.timersToSave.push({
        id: this.nextId('d'),
        instanceId: this.id,
        activityInstanceId: ai.id,
        dueAt: this.data.dueAfter(d.duration, a),
        kind: 'deadline',
        exceptionName: d.exceptionName,
        cancelsActivity: d.synchronous,
      });
    }
    const behaviour = this.isForeign(a) ? handOverBehaviour : behaviours[a.kind];
    await behaviour.enter(this, a, ai);
  }

  /** An activity performed by another department than this engine's is handed over, not run here. */
  isForeign(a: ActivityDef): boolean {
    const local = this.uow.env.department;
    return !!(local && a.department && a.department !== local && a.kind !== 'route' && a.kind !== 'start' && a.kind !== 'end' && a.kind !== 'block');
  }

  private outgoingOf(a: ActivityDef): TransitionDef[] {
    return chooseOutgoing(this.def, a, (condition) => this.data.holds(condition, a));
  }

  // ---------------------------------------------------------------------------------------------
  // Work items

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
      this.workItems.close(item, 'completed', actor, undefined);
      return;
    }
    if (item.kind === 'decision') return this.completeDecision(item, a, data, actor);
    const values = coerceData(this.def.def, data, a.updates);
    this.workItems.close(item, 'completed', actor, values);
    this.data.apply(values, actor, a.id);
    if (item.kind === 'assist') {
      this.workItems.assisted(item, a, actor);
      return;
    }
    const ai = this.record.runtime.activities.find((x) => x.id === item.activityInstanceId);
    if (!ai) throw new IllegalStateError(`Work item ${item.id} belongs to an activity that is no longer active`);
    if (workItemCompleted(this, a, ai)) {
      await this.finishActivity(a, ai, actor);
      await this.settle();
    }
  }

  /** A person chose the branch of a split whose conditions are labels (human-decision.ts). */
  private async completeDecision(item: WorkItemRecord, a: ActivityDef, data: Record<string, unknown> | undefined, actor?: string): Promise<void> {
    const { [BRANCH_FIELD]: branch, ...rest } = data ?? {};
    const chosen = chosenBranches(this.def, a, branch);
    const values = coerceData(this.def.def, rest, a.updates);
    const ai = this.record.runtime.activities.find((x) => x.id === item.activityInstanceId);
    if (!ai) throw new IllegalStateError(`Work item ${item.id} belongs to an activity that is no longer active`);
    const labels = decisionOptions(this.def, a).filter((o) => chosen.some((t) => t.id === o.transitionId)).map((o) => o.label);
    this.workItems.close(item, 'completed', actor, { ...values, [BRANCH_FIELD]: labels.length === 1 ? labels[0] : labels });
    this.data.apply(values, actor, a.id);
    this.event('decision.made', { activityId: a.id, workItemId: item.id, actor, detail: { took: chosen.map((t) => t.id), labels } });
    await this.finishActivity(a, ai, actor, chosen);
    await this.settle();
  }

  // Free-flow extension at run time (seed 002): the instance's own work items change; the
  // definition and every other instance stay as they were.

  delegate(item: WorkItemRecord, to: string, actor?: string): void {
    this.assertRunning(`delegate work item ${item.id}`);
    this.workItems.delegate(item, to, actor);
  }

  assist(item: WorkItemRecord, helper: string, actor?: string, note?: string): WorkItemRecord {
    this.assertRunning(`ask for assistance on work item ${item.id}`);
    return this.workItems.assist(item, () => this.activityInstance(item.activityInstanceId), helper, actor, note);
  }

  notify(item: WorkItemRecord, participant: string, actor?: string, message?: string): WorkItemRecord {
    this.assertRunning(`send a notification from work item ${item.id}`);
    return this.workItems.notify(item, () => this.activityInstance(item.activityInstanceId), participant, actor, message);
  }

  private activityInstance(id: string): ActivityInstance {
    const ai = this.record.runtime.activities.find((x) => x.id === id);
    if (!ai) throw new IllegalStateError(`Activity instance ${id} of instance ${this.id} is no longer active`);
    return ai;
  }

  // ---------------------------------------------------------------------------------------------
  // Incidents

  fail(a: ActivityDef, ai: ActivityInstance, e: unknown, phase: 'perform' | 'route' = 'perform'): void {
    const message = e instanceof Error ? e.message : String(e);
    if (phase === 'perform' && this.catchError(a, ai, e, message)) return;
    ai.state = 'failed';
    ai.error = message;
    ai.failedAt = phase;
    this.event('activity.failed', { activityId: a.id, detail: { error: message, phase } });
  }

  /**
   * A boundary error event on the failing activity, or on a block around it, takes the failure:
   * that activity (or block, with everything inside it) is withdrawn and the event's flow is
   * followed. The innermost handler whose code matches wins; `error:*` matches any failure.
   */
  private catchError(a: ActivityDef, ai: ActivityInstance, e: unknown, message: string): boolean {
    const code = errorCode(e);
    for (let catcher: ActivityInstance | undefined = ai; catcher; catcher = this.enclosingBlock(catcher)) {
      const def = this.def.activity(catcher.activityId);
      const target =
        (code !== undefined ? this.def.exceptionTransitions.get(def.id)?.find((t) => t.condition === `error:${code}`) : undefined) ??
        this.def.exceptionTransitions.get(def.id)?.find((t) => t.condition === 'error:*');
      if (!target) continue;
      this.event('activity.errorCaught', {
        activityId: a.id,
        detail: { error: message, ...(code !== undefined ? { code } : {}), caughtBy: def.id, took: target.id },
      });
      this.removeActivity(catcher, 'withdrawn');
      this.record.runtime.tokens.push({ id: this.nextId('t'), arc: target.id, ...(catcher.scope !== undefined ? { scope: catcher.scope } : {}) });
      return true;
    }
    return false;
  }

  async raiseError(a: ActivityDef, ai: ActivityInstance, code: string | undefined): Promise<void> {
    const message = `error end event "${a.id}" raised ${code !== undefined ? `error "${code}"` : 'an error'}`;
    this.event('activity.completed', { activityId: a.id, detail: { error: code ?? null } });
    if (this.catchError(a, ai, code !== undefined ? { code } : undefined, message)) return;
    await this.abort(`${message}, and no boundary error event catches it`);
  }

  async throwSignal(a: ActivityDef, name: string): Promise<void> {
    const exception = `signal:${name}`;
    const caught: string[] = [];
    for (const other of [...this.record.runtime.activities]) {
      if (other.activityId === a.id || !this.record.runtime.activities.includes(other)) continue;
      const def = this.def.activity(other.activityId);
      if (def.kind === 'receive' && def.message === exception && other.state === 'active') {
        caught.push(def.id);
        await this.finishActivity(def, other);
        continue;
      }
      const target = this.def.exceptionTransitions.get(def.id)?.find((t) => t.condition === exception);
      if (!target) continue;
      caught.push(def.id);
      this.removeActivity(other, 'withdrawn');
      this.record.runtime.tokens.push({ id: this.nextId('t'), arc: target.id, ...(other.scope !== undefined ? { scope: other.scope } : {}) });
    }
    this.event('signal.thrown', { activityId: a.id, detail: { signal: name, caughtBy: caught } });
  }

  private enclosingBlock(ai: ActivityInstance): ActivityInstance | undefined {
    return ai.scope === undefined ? undefined : this.record.runtime.activities.find((x) => x.id === ai.scope);
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
      await this.finishActivity(a, ai);
    } else {
      this.removeActivity(ai, 'withdrawn');
      await this.enterActivity(a, ai.choiceGroup, ai.iteration, ai.scope);
    }
    await this.settle();
  }

  // ---------------------------------------------------------------------------------------------
  // Results from outside: child cases, transfers, remote subprocesses, messages, timers

  /** Called by a child session when it closes. */
  async childClosed(child: InstanceSession): Promise<void> {
    const ai = this.record.runtime.activities.find((x) => x.childInstanceId === child.id);
    if (!ai) return;
    await childClosed(this, this.def.activity(ai.activityId), ai, child);
    // The activity fired, or a boundary error event took the child's failure: move on.
    await this.settle();
  }

  async completeExternally(activityInstanceId: string, data: Record<string, unknown>, actor?: string): Promise<void> {
    this.assertRunning('accept a result');
    const ai = this.activityInstance(activityInstanceId);
    const a = this.def.activity(ai.activityId);
    // Results from other engines arrive as text; they are converted by the declared field types
    // like any other input, after a remote subprocess's formal names are mapped to ours.
    const incoming = a.kind === 'remote-subprocess' && !this.isForeign(a) ? this.data.mapOut(a.subprocess!.parameters, data, a) : data;
    // A department's intra-department process may return fields of its own; only ours are taken.
    const declared = new Set(this.def.def.dataFields.map((f) => f.id));
    const values = coerceData(this.def.def, Object.fromEntries(Object.entries(incoming).filter(([k]) => declared.has(k))));
    this.data.apply(values, actor, a.id);
    await this.finishActivity(a, ai, actor);
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
      await this.failExternally(activityInstanceId, result.reason ?? `department ${from} could not perform the activity`, from);
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
  async failExternally(activityInstanceId: string, reason: string, actor?: string): Promise<void> {
    const ai = this.activityInstance(activityInstanceId);
    const a = this.def.activity(ai.activityId);
    this.fail(a, ai, new Error(reason));
    if (actor) this.changes.history[this.changes.history.length - 1].actor = actor;
    await this.settle();
  }

  async deliverMessage(message: string, data: Record<string, unknown>, actor?: string): Promise<boolean> {
    this.assertRunning(`deliver message "${message}"`);
    const ai = this.record.runtime.activities.find((x) => {
      const a = this.def.activity(x.activityId);
      return a.kind === 'receive' && (a.message ?? a.id) === message && x.state === 'active';
    });
    if (ai) {
      await this.completeExternally(ai.id, data, actor);
      return true;
    }
    return this.interruptByMessage(message, data, actor);
  }

  /**
   * A message boundary event (an exception transition named `message:<name>`) on an activity in
   * progress: the message's data is taken, the activity (a block with everything inside it) is
   * withdrawn and the event's flow is followed.
   */
  private async interruptByMessage(message: string, data: Record<string, unknown>, actor?: string): Promise<boolean> {
    const name = `message:${message}`;
    for (const ai of this.record.runtime.activities) {
      const target = this.def.exceptionTransitions.get(ai.activityId)?.find((t) => t.condition === name);
      if (!target) continue;
      const declared = new Set(this.def.def.dataFields.map((f) => f.id));
      this.data.apply(coerceData(this.def.def, Object.fromEntries(Object.entries(data).filter(([k]) => declared.has(k)))), actor, ai.activityId);
      this.event('activity.interrupted', { activityId: ai.activityId, actor, detail: { message, took: target.id } });
      this.removeActivity(ai, 'withdrawn', actor);
      this.record.runtime.tokens.push({ id: this.nextId('t'), arc: target.id, ...(ai.scope !== undefined ? { scope: ai.scope } : {}) });
      await this.settle();
      return true;
    }
    return false;
  }

  async fireTimer(timer: TimerRecord): Promise<void> {
    this.changes.timersToDelete.push(timer.id);
    const ai = this.record.runtime.activities.find((x) => x.id === timer.activityInstanceId);
    if (!ai) return; // the activity finished meanwhile; a stale timer is simply dropped
    const a = this.def.activity(ai.activityId);
    if (timer.kind === 'timer') {
      this.event('timer.fired', { activityId: a.id });
      await this.finishActivity(a, ai);
      await this.settle();
      return;
    }
    const name = timer.exceptionName ?? 'deadline';
    const target = exceptionTarget(this.def, a.id, name);
    this.event('deadline.passed', { activityId: a.id, detail: { exception: name, handled: !!target } });
    if (!target) return;
    if (timer.cancelsActivity !== false) this.removeActivity(ai, 'withdrawn');
    this.record.runtime.tokens.push({ id: this.nextId('t'), arc: target.id, ...(ai.scope !== undefined ? { scope: ai.scope } : {}) });
    await this.settle();
  }

  // ---------------------------------------------------------------------------------------------
  // Firing: completion of an activity produces tokens on its outgoing transitions

  /** `decided`: the branches a person chose for a split whose conditions are labels. */
  async finishActivity(a: ActivityDef, ai: ActivityInstance, actor?: string, decided?: TransitionDef[]): Promise<void> {
    if (a.loop && !decided) {
      // Both loop kinds test again after each iteration; a while-loop also tested before the first.
      const max = a.loop.maximum ?? Infinity;
      let again: boolean;
      try {
        again = ai.iteration < max && this.data.holds(a.loop.condition, a);
      } catch (e) {
        return this.fail(a, ai, e, 'route');
      }
      if (again) {
        this.event('activity.completed', { activityId: a.id, actor, detail: { iteration: ai.iteration, loop: 'again' } });
        this.removeActivity(ai, 'completed');
        await this.enterActivity(a, ai.choiceGroup, ai.iteration + 1, ai.scope);
        return;
      }
    }
    let chosen: TransitionDef[];
    try {
      // A performing instance does the one activity it was handed; the home routes on.
      if (this.record.runtime.performs === a.id) chosen = [];
      else if (decided) chosen = decided;
      else if (needsDecision(this.def, a.id)) return void offerDecision(this.workItems, this.def, a, ai);
      else chosen = this.outgoingOf(a);
    } catch (e) {
      this.fail(a, ai, e, 'route');
      return;
    }
    this.event('activity.completed', {
      activityId: a.id,
      actor,
      ...(chosen.length && (a.split === 'xor' || a.split === 'or' || decided) ? { detail: { took: chosen.map((t) => t.id) } } : {}),
    });
    this.removeActivity(ai, 'completed');
    if (ai.choiceGroup) this.withdrawChoiceGroup(ai.choiceGroup);
    const group = a.split === 'deferred' && chosen.length > 1 ? this.nextId('g') : undefined;
    for (const t of chosen) {
      this.record.runtime.tokens.push({
        id: this.nextId('t'),
        arc: t.id,
        ...(group ? { choiceGroup: group } : {}),
        ...(ai.scope !== undefined ? { scope: ai.scope } : {}),
      });
    }
  }

  private withdrawChoiceGroup(group: string): void {
    this.record.runtime.tokens = this.record.runtime.tokens.filter((t) => t.choiceGroup !== group);
    for (const other of this.record.runtime.activities.filter((x) => x.choiceGroup === group)) {
      this.event('activity.withdrawn', { activityId: other.activityId, detail: { reason: 'deferred choice taken by another branch' } });
      this.removeActivity(other, 'withdrawn');
    }
  }

  removeActivity(ai: ActivityInstance, how: 'completed' | 'withdrawn', actor?: string): void {
    this.record.runtime.activities = this.record.runtime.activities.filter((x) => x.id !== ai.id);
    const def = this.def.activity(ai.activityId);
    if (def.kind === 'timer' || def.deadlines?.length) this.changes.timerActivitiesToClear.add(ai.id);
    this.workItems.withdrawFor(ai.id, actor);
    if (def.kind === 'block') this.withdrawScope(ai.id, actor);
    if (how === 'withdrawn' && ai.childInstanceId) {
      // The child case waited for by this activity is terminated with it (in the same transaction).
      this.changes.childrenToTerminate.push({ childId: ai.childInstanceId, reason: `activity "${ai.activityId}" (${ai.id}) of parent instance ${this.id} was withdrawn` });
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

  /** Withdraws everything inside a block's embedded graph: its activities (and their blocks') and its tokens. */
  withdrawScope(scope: string, actor?: string): void {
    for (const inner of this.record.runtime.activities.filter((x) => x.scope === scope)) this.removeActivity(inner, 'withdrawn', actor);
    this.record.runtime.tokens = this.record.runtime.tokens.filter((t) => t.scope !== scope);
  }

  private async checkCompletion(): Promise<void> {
    if (this.record.state !== InstanceStates.running) return;
    const ready = this.record.runtime.activities.find((x) => x.resultReady);
    if (ready) {
      ready.resultReady = undefined;
      await this.finishActivity(this.def.activity(ready.activityId), ready);
      return this.settle();
    }
    const rt = this.record.runtime;
    // A block whose embedded graph has ended completes; one whose tokens can no longer move (and
    // nothing inside it is live) is the same deadlock as a case's.
    for (const block of rt.activities) {
      if (block.state !== 'active' || this.def.activity(block.activityId).kind !== 'block') continue;
      if (rt.activities.some((x) => x.scope === block.id)) continue;
      const stuck = rt.tokens.filter((t) => t.scope === block.id);
      if (stuck.length) {
        const where = waitingInFrontOf(this.def, stuck).join(', ');
        await this.abort(`deadlock in block "${block.activityId}": tokens wait in front of ${where} and nothing can still arrive there`);
        return;
      }
      this.event('block.completed', { activityId: block.activityId });
      await this.finishActivity(this.def.activity(block.activityId), block);
      return this.settle();
    }
    if (rt.activities.length > 0) return;
    if (rt.tokens.length > 0) {
      const where = waitingInFrontOf(this.def, rt.tokens).join(', ');
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

  private async closed(): Promise<void> {
    if (this.record.observer) {
      this.changes.outbox.push({
        id: this.uow.env.ids.messageId(),
        instanceId: this.id,
        // A performing instance's result goes to the case's home department with the transfers;
        // any other observer is a Wf-XML observer.
        kind: this.record.observer.startsWith('transfer:') ? 'transfer-result' : 'observer-notify',
        destination: this.record.observer,
        payload: { instanceId: this.id, state: this.record.state, data: this.data.resultData() },
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

  /** Kept for callers outside the runtime (workflow-engine): the case's data changed by a person or a service. */
  applyData(values: Record<string, unknown>, actor: string | undefined, activityId?: string): void {
    this.data.apply(values, actor, activityId);
  }
}

/** The code a boundary error event matches: an `ErrorCode`/`code` the failure carries, if any. */
function errorCode(e: unknown): string | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const { errorCode: explicit, code } = e as { errorCode?: unknown; code?: unknown };
  const value = explicit ?? code;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

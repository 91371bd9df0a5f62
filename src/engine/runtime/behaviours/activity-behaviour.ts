import type { CompiledDefinition } from '../../definition/compiled-definition';
import type { ActivityDef } from '../../definition/process-definition';
import type { ActivityInstance, HistoryRecord, InstanceRecord } from '../../ports/records';
import type { ActivityData } from '../activity-data';
import type { ChangeSet } from '../change-set';
import type { CreateOptions, EngineEnv } from '../engine-env';
import type { WorkItems } from '../work-items';

/** A case started by an activity of this one (a local subprocess). */
export interface ChildCase {
  readonly id: string;
  readonly record: InstanceRecord;
  readonly def: CompiledDefinition;
  start(): Promise<void>;
}

/**
 * What an activity behaviour may do to the case it runs in. InstanceSession implements it; the
 * behaviours see nothing else of it, so each kind's semantics read on their own.
 */
export interface ActivityContext {
  readonly id: string;
  readonly record: InstanceRecord;
  readonly def: CompiledDefinition;
  readonly env: EngineEnv;
  readonly now: Date;
  readonly changes: ChangeSet;
  readonly data: ActivityData;
  readonly workItems: WorkItems;
  nextId(prefix: string): string;
  event(type: string, fields?: Omit<HistoryRecord, 'instanceId' | 'at' | 'type'>): void;
  /** The activity's work is done: loop again, or produce tokens on its outgoing transitions. */
  finishActivity(a: ActivityDef, ai: ActivityInstance, actor?: string): Promise<void>;
  /** The activity becomes an incident (retry resumes it). */
  fail(a: ActivityDef, ai: ActivityInstance, e: unknown, phase?: 'perform' | 'route'): void;
  /** Withdraws every activity and token of the case (a terminate end). */
  withdrawEverything(actor?: string): void;
  /**
   * An error end event: a boundary error event around it takes the error; uncaught, the case ends
   * aborted (BPMN: an uncaught error ends the process).
   */
  raiseError(a: ActivityDef, ai: ActivityInstance, code: string | undefined): Promise<void>;
  /** Throws a signal inside the case: interrupts the activities that catch it, completes those waiting for it. */
  throwSignal(a: ActivityDef, name: string): Promise<void>;
  /** Withdraws everything inside a block activity instance's embedded graph. */
  withdrawScope(scope: string, actor?: string): void;
  removeActivity(ai: ActivityInstance, how: 'completed' | 'withdrawn', actor?: string): void;
  /** Whether another department than this engine's performs the activity. */
  isForeign(a: ActivityDef): boolean;
  /** Creates (without starting) a local child case in the same transaction. */
  createChild(processId: string, options: CreateOptions, version?: number): Promise<ChildCase>;
}

/**
 * One kind of activity (like Camunda's ActivityBehavior or bpmn-elements' activity types): what
 * happens when a token enters it. Completion comes later from outside (a work item, a timer, a
 * child case, a result) or at once, through `ctx.finishActivity`.
 */
export interface ActivityBehaviour {
  enter(ctx: ActivityContext, a: ActivityDef, ai: ActivityInstance): Promise<void> | void;
}

import { InvalidDataError } from '../../errors';
import type { ActivityDef } from '../../definition/process-definition';
import type { ActivityInstance } from '../../ports/records';
import type { ActivityContext } from './activity-behaviour';

/** How many instances a multi-instance activity runs, from its count expression (0 to 10000). */
export function multiInstanceCount(ctx: ActivityContext, a: ActivityDef): number {
  const n = ctx.data.evaluate(a.multiInstance!.count, ctx.data.values, a);
  const count = typeof n === 'string' ? Number(n) : n;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 10_000) {
    throw new InvalidDataError(
      `Activity "${a.id}": the multi-instance count "${a.multiInstance!.count}" gave ${JSON.stringify(n)}; expected a whole number from 0 to 10000`,
    );
  }
  return count;
}

/**
 * Whether a multi-instance or multi-assignee activity is done: its completion condition holds
 * (variables nrOfInstances, nrOfCompletedInstances, nrOfActiveInstances, loopCounter), or every
 * instance (every performer, or the first for fire rule `first`) has completed.
 */
export function activityDone(ctx: ActivityContext, a: ActivityDef, ai: ActivityInstance): boolean {
  const completed = ai.completed ?? 0;
  const total = ai.total ?? 1;
  if (a.multiInstance?.completionCondition) {
    const scope = {
      ...ctx.data.values,
      nrOfInstances: total,
      nrOfCompletedInstances: completed,
      nrOfActiveInstances: ctx.workItems.openCount(ai.id),
      loopCounter: completed - 1,
    };
    if (ctx.data.holdsIn(a.multiInstance.completionCondition, scope, a)) return true;
  }
  return completed >= total;
}

import type { ActivityDef } from '../../definition/process-definition';
import type { ActivityInstance } from '../../ports/records';
import type { ActivityBehaviour, ActivityContext } from './activity-behaviour';
import { activityDone, multiInstanceCount } from './multi-instance';

/**
 * Work for people: one work item per performer (multi-assignee, firing on the first or the last
 * completion), or one per instance of a multi-instance activity (parallel: all at once;
 * sequential: the next when one completes).
 */
export const manualBehaviour: ActivityBehaviour = {
  async enter(ctx, a, ai) {
    try {
      return await offerWorkItems(ctx, a, ai);
    } catch (e) {
      return ctx.fail(a, ai, e);
    }
  },
};

function offerWorkItems(ctx: ActivityContext, a: ActivityDef, ai: ActivityInstance): Promise<void> | void {
  if (a.multiInstance) {
    const n = multiInstanceCount(ctx, a);
    ai.total = n;
    ai.completed = 0;
    if (n === 0) return ctx.finishActivity(a, ai);
    const first = a.multiInstance.ordering === 'sequential' ? 1 : n;
    for (let i = 0; i < first; i++) ctx.workItems.create(a, ai, a.performers[0] ?? '', i);
    ai.nextIndex = first;
    return;
  }
  const performers = a.performers.length ? a.performers : [''];
  ai.total = a.fireRule === 'first' ? 1 : performers.length;
  ai.completed = 0;
  for (const p of performers) ctx.workItems.create(a, ai, p);
}

/**
 * One of the activity's work items was completed: whether the activity is now done (the caller
 * fires it); otherwise a sequential multi-instance offers its next item.
 */
export function workItemCompleted(ctx: ActivityContext, a: ActivityDef, ai: ActivityInstance): boolean {
  ai.completed = (ai.completed ?? 0) + 1;
  if (activityDone(ctx, a, ai)) return true;
  if (a.multiInstance?.ordering === 'sequential' && (ai.nextIndex ?? 0) < (ai.total ?? 0)) {
    ctx.workItems.create(a, ai, a.performers[0] ?? '', ai.nextIndex);
    ai.nextIndex = (ai.nextIndex ?? 0) + 1;
  }
  return false;
}

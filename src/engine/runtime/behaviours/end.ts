import type { ActivityBehaviour } from './activity-behaviour';

/**
 * An end event fires at once. A terminate end withdraws every other token and activity of the
 * case — inside a block, of the block only (as BPMN's terminate end in a sub-process), which then
 * completes.
 */
export const endBehaviour: ActivityBehaviour = {
  async enter(ctx, a, ai) {
    if (a.error) return ctx.raiseError(a, ai, a.error.code);
    if (a.signal !== undefined) await ctx.throwSignal(a, a.signal);
    if (!a.terminate) return ctx.finishActivity(a, ai);
    ctx.event('activity.completed', { activityId: a.id, detail: { terminate: true } });
    ctx.removeActivity(ai, 'completed');
    if (ai.scope !== undefined) ctx.withdrawScope(ai.scope);
    else ctx.withdrawEverything();
  },
};

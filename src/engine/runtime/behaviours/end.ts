import type { ActivityBehaviour } from './activity-behaviour';

/** An end event fires at once; a terminate end withdraws every other token and activity of the case. */
export const endBehaviour: ActivityBehaviour = {
  async enter(ctx, a, ai) {
    if (!a.terminate) return ctx.finishActivity(a, ai);
    ctx.event('activity.completed', { activityId: a.id, detail: { terminate: true } });
    ctx.removeActivity(ai, 'completed');
    ctx.withdrawEverything();
  },
};

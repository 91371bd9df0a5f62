import type { ActivityBehaviour } from './activity-behaviour';

/**
 * Start events and gateways do no work: they fire as soon as they are enabled. A throwing signal
 * event throws its signal inside the case first.
 */
export const routeBehaviour: ActivityBehaviour = {
  async enter(ctx, a, ai) {
    if (a.signal !== undefined) await ctx.throwSignal(a, a.signal);
    return ctx.finishActivity(a, ai);
  },
};

import type { ActivityBehaviour } from './activity-behaviour';

/** Start events and gateways do no work: they fire as soon as they are enabled. */
export const routeBehaviour: ActivityBehaviour = {
  enter: (ctx, a, ai) => ctx.finishActivity(a, ai),
};

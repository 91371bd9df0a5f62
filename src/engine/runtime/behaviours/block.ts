import type { ActivityBehaviour } from './activity-behaviour';

/**
 * An embedded sub-process (XPDL BlockActivity running an ActivitySet): its graph runs in the same
 * case, on the same data, with tokens scoped to this activity instance. The session completes the
 * block when nothing is left inside it (InstanceSession.checkCompletion); a loop on the block then
 * runs the whole graph again.
 */
export const blockBehaviour: ActivityBehaviour = {
  enter(ctx, a, ai) {
    for (const start of ctx.def.blockStarts(a)) {
      ctx.record.runtime.tokens.push({ id: ctx.nextId('t'), arc: `start:${start.id}`, scope: ai.id });
    }
  },
};

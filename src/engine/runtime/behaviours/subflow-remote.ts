import type { ActivityBehaviour } from './activity-behaviour';
import { sendAway } from './hand-over';

/**
 * A SubFlow on another engine: a `remote-subprocess` outbox message that the dispatcher turns into
 * a Wf-XML CreateInstance; the remote Completed completes the activity. Performed by another
 * department, the activity is handed over to it instead (and that department calls the engine).
 */
export const remoteSubflowBehaviour: ActivityBehaviour = {
  enter: (ctx, a, ai) => sendAway(ctx, a, ai, !ctx.isForeign(a)),
};

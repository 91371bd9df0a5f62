import { EngineError } from '../../errors';
import type { ActivityDef } from '../../definition/process-definition';
import type { ActivityInstance, InstanceRecord } from '../../ports/records';
import { InstanceStates } from '../instance-state';
import type { ActivityBehaviour, ActivityContext } from './activity-behaviour';

/** How deeply local subprocesses may nest (a case, its child, the child's child, …). */
export const MAX_SUBPROCESS_DEPTH = 32;

/**
 * A SubFlow of this engine: a child case in the same transaction, started with the IN data, at
 * the version pinned at deploy time. A synchronous one waits for the child (childClosed); an
 * asynchronous one fires at once.
 */
export const localSubflowBehaviour: ActivityBehaviour = {
  async enter(ctx, a, ai) {
    const sub = a.subprocess!;
    const depth = (ctx.record.runtime.depth ?? 0) + 1;
    if (depth > MAX_SUBPROCESS_DEPTH) {
      throw new EngineError(
        'INVALID_DEFINITION',
        `activity "${a.id}" of process "${ctx.def.id}" would start a subprocess "${sub.processId}" nested ${depth} deep (at most ${MAX_SUBPROCESS_DEPTH}): the subprocesses recurse without end; nothing of this command was kept`,
      );
    }
    let input: Record<string, unknown>;
    try {
      input = ctx.data.mapIn(sub.parameters, a);
    } catch (e) {
      return ctx.fail(a, ai, e);
    }
    // The child version this definition version was deployed with (pinned at deploy time);
    // definitions deployed before pinning existed call the latest version.
    const pinned = ctx.def.def.subprocessVersions?.[sub.processId];
    const child = await ctx.createChild(
      sub.processId,
      {
        data: input,
        parent: { instanceId: ctx.id, activityInstanceId: ai.id },
        subject: `${a.name ?? a.id} of ${ctx.id}`,
      },
      pinned,
    );
    child.record.runtime.depth = depth;
    ai.childInstanceId = child.id;
    ctx.event('subprocess.started', { activityId: a.id, detail: { childInstanceId: child.id, processId: sub.processId, version: child.def.version } });
    if (sub.execution === 'async') {
      ai.childInstanceId = undefined;
      await child.start();
      return ctx.finishActivity(a, ai);
    }
    await child.start();
  },
};

/**
 * The child case of a waiting SubFlow closed: its OUT data is mapped back and the activity fires,
 * or — when the child did not complete — the activity becomes an incident. Resolves to whether
 * the activity fired (the caller settles the case then).
 */
export async function childClosed(
  ctx: ActivityContext,
  a: ActivityDef,
  ai: ActivityInstance,
  child: { id: string; record: InstanceRecord },
): Promise<boolean> {
  if (child.record.state !== InstanceStates.completed) {
    ai.childInstanceId = undefined;
    ctx.fail(a, ai, new Error(`subprocess ${child.id} ended ${child.record.state}`));
    return false;
  }
  ctx.data.apply(ctx.data.mapOut(a.subprocess!.parameters, child.record.data, a), undefined, a.id);
  ai.childInstanceId = undefined;
  if (ctx.record.state === InstanceStates.running) {
    await ctx.finishActivity(a, ai);
    return true;
  }
  // A suspended parent keeps the result; it moves on when resumed.
  ai.resultReady = true;
  return false;
}

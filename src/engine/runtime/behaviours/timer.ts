import type { ActivityBehaviour } from './activity-behaviour';

/** An intermediate timer waits for a durable timer row; InstanceSession.fireTimer fires it. */
export const timerBehaviour: ActivityBehaviour = {
  enter(ctx, a, ai) {
    ctx.changes.timersToSave.push({
      id: ctx.nextId('w'),
      instanceId: ctx.id,
      activityInstanceId: ai.id,
      dueAt: ctx.data.timerDue(a),
      kind: 'timer',
    });
  },
};

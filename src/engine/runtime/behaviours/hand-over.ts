import type { ActivityDef } from '../../definition/process-definition';
import type { ActivityInstance, OutboxRecord } from '../../ports/records';
import type { ActivityBehaviour, ActivityContext } from './activity-behaviour';

/**
 * An activity performed by another department than this engine's is handed over as a `transfer`
 * outbox message carrying only the fields it reads (data minimisation); the department's result
 * completes it later (InstanceSession.acceptTransferResult).
 */
export const handOverBehaviour: ActivityBehaviour = {
  enter: (ctx, a, ai) => sendAway(ctx, a, ai, false),
};

/**
 * Writes the outbox message that hands the activity to another department (`transfer`) or calls a
 * process on another engine (`remote-subprocess`, with the SubFlow's IN data), and marks the
 * activity instance as waiting for it.
 */
export function sendAway(ctx: ActivityContext, a: ActivityDef, ai: ActivityInstance, remote: boolean): void {
  const message: OutboxRecord = {
    id: ctx.env.ids.messageId(),
    instanceId: ctx.id,
    kind: remote ? 'remote-subprocess' : 'transfer',
    destination: remote ? a.subprocess!.remoteRef! : a.department!,
    payload: {
      caseId: ctx.id,
      processId: ctx.def.id,
      version: ctx.def.version,
      contentHash: ctx.def.contentHash ?? null,
      home: ctx.env.department ?? null,
      activityId: a.id,
      activityInstanceId: ai.id,
      sender: ctx.env.department ?? null,
      // Data minimisation: a department receives only the fields its activity reads.
      data: remote ? ctx.data.mapIn(a.subprocess!.parameters, a) : ctx.data.pick(ctx.def.dataContract(a.id).reads),
      ...(remote ? { remoteProcessId: a.subprocess!.processId } : {}),
    },
    state: 'pending',
    attempts: 0,
    nextAttemptAt: ctx.now,
    createdAt: ctx.now,
  };
  ai.state = 'transferred';
  ai.outboxId = message.id;
  if (!remote) ai.handedTo = a.department;
  ctx.changes.outbox.push(message);
  ctx.event('activity.transferred', {
    activityId: a.id,
    detail: { to: message.destination, kind: message.kind, messageId: message.id },
  });
}

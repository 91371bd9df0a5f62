import type { InstanceView, ProcessDefinition } from '../engine';

/**
 * What an administrator may do on a case page beyond suspend/resume/terminate (issue 11): retry
 * each failed activity (an incident), deliver each message a receive activity waits for. Empty
 * for everyone else, so the page shows no buttons it would refuse.
 */
export function caseOperations(def: ProcessDefinition, view: InstanceView, admin: boolean) {
  if (!admin || view.state !== 'open.running') return { retryable: [], awaitedMessages: [] };
  const byId = new Map(def.activities.map((a) => [a.id, a]));
  return {
    retryable: view.openActivities
      .filter((a) => a.state === 'failed')
      .map((a) => ({ activityInstanceId: a.activityInstanceId, activityId: a.activityId, name: a.name ?? null, error: a.error ?? null })),
    awaitedMessages: view.openActivities
      .filter((a) => a.state === 'active' && byId.get(a.activityId)?.kind === 'receive')
      .map((a) => {
        const d = byId.get(a.activityId)!;
        return { activityInstanceId: a.activityInstanceId, activityId: a.activityId, name: a.name ?? null, message: d.message ?? d.id, fields: d.updates ?? [] };
      }),
  };
}

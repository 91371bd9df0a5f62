import type { Router } from 'express';
import { BRANCH_FIELD, type InstanceRecord } from '../../engine';
import { visibleParticipants } from '../../services/security';
import { caseLogger } from '../../monitoring';
import { caller, formData, workItemSummary, type ConsoleApi } from '../api-support';

/** The console's worklist API (mounted by consoleRouter, in order). */
export function mountWorklistApi(api: Router, c: ConsoleApi): void {
  const { ctx, engine, handle, visibleWorklist, requireActAs } = c;

  api.get(
    '/worklist',
    handle(async (_req, _res, s) => {
      const items = await visibleWorklist(s.user, 500);
      const cases = new Map<string, Promise<InstanceRecord | undefined>>();
      const caseOf = (id: string) => {
        let p = cases.get(id);
        if (!p) cases.set(id, (p = engine.getInstance(id).catch(() => undefined)));
        return p;
      };
      return {
        participants: visibleParticipants(caller(s.user)),
        items: await Promise.all(
          items.map(async (w) => {
            const c = await caseOf(w.instanceId);
            return { ...workItemSummary(w), processId: c?.processId ?? null, subject: c?.subject ?? null, caseState: c?.state ?? null };
          }),
        ),
      };
    }),
  );

  api.get(
    '/workitems/:id',
    handle(async (req, _res, s) => {
      const item = await engine.getWorkItem(String(req.params.id));
      requireActAs(s.user, item);
      const view = await engine.getInstance(item.instanceId);
      const def = (await engine.getDefinition(view.processId, view.version)).definition;
      const a = def.activities.find((x) => x.id === item.activityId);
      const fields = new Map(def.dataFields.map((f) => [f.id, f]));
      const describe = (id: string) => {
        const f = fields.get(id);
        return { id, name: f?.name ?? null, type: f?.type ?? 'STRING', isArray: f?.isArray ?? false, description: f?.description ?? null, value: view.data[id] ?? null, required: (a?.required ?? []).includes(id), allowedValues: f?.allowedValues ?? null };
      };
      const updates = a?.updates ?? [];
      return {
        item: workItemSummary(item),
        case: { id: view.id, processId: view.processId, version: view.version, state: view.state, subject: view.subject ?? null },
        activity: a ? { id: a.id, name: a.name ?? null, description: a.description ?? null, department: a.department ?? null, performers: a.performers } : null,
        updates: updates.map(describe),
        views: (a?.views ?? []).filter((v) => !updates.includes(v)).map(describe),
        canComplete: item.state === 'open' && view.state === 'open.running',
        // A decision work item (a split whose conditions are labels): the branches to choose from.
        decision: item.kind === 'decision' ? { branches: [item.data?.[BRANCH_FIELD] ?? []].flat().map(String), several: a?.split === 'or' } : null,
      };
    }),
  );

  api.post(
    '/workitems/:id/complete',
    handle(async (req, _res, s) => {
      const id = String(req.params.id);
      const item = await engine.getWorkItem(id);
      requireActAs(s.user, item);
      const data = formData((req.body as { data?: unknown })?.data);
      const view = await engine.completeWorkItem(id, { data, actor: s.user.username });
      caseLogger(ctx.log, item.instanceId).info({ workItemId: id, activityId: item.activityId, actor: s.user.username }, 'work item completed from the console');
      return { caseId: view.id, state: view.state };
    }),
  );
}

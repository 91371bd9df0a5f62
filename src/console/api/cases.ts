import type { Router } from 'express';
import { allowedActions, type InstanceRecord } from '../../engine';
import { canActAs, canAdminister } from '../../services/security';
import { caseLogger } from '../../monitoring';
import { activityStatuses, traceFromHistory } from '../case-view';
import { caseOperations } from '../case-operations';
import { layoutDefinition } from '../graph';
import { HttpError, PAGE_SIZE_MAX, SEARCH_SCAN_LIMIT, caller, caseSummary, clampInt, matchesText, workItemSummary, type ConsoleApi } from '../api-support';

/** The console's cases API (mounted by consoleRouter, in order). */
export function mountCasesApi(api: Router, c: ConsoleApi): void {
  const { ctx, engine, handle } = c;

  api.get(
    '/cases',
    handle(async (req) => {
      const q = typeof req.query.q === 'string' ? req.query.q.trim() : '';
      const processId = typeof req.query.process === 'string' && req.query.process ? req.query.process : undefined;
      const state = typeof req.query.state === 'string' && req.query.state ? req.query.state : undefined;
      const offset = clampInt(req.query.offset, 0, 0, 1e9);
      const limit = clampInt(req.query.limit, 25, 1, PAGE_SIZE_MAX);
      const stateFilter = state ? (state.endsWith('.') ? { statePrefix: state } : { state }) : {};
      const base = { ...(processId ? { processId } : {}), ...stateFilter };
      if (!q) {
        const page = await engine.listInstances({ ...base, offset, limit });
        return { items: page.items.map(caseSummary), total: page.total, offset, limit };
      }
      // The store has no text search: an exact case id is looked up, anything else is matched
      // against id, subject and data of the newest cases, and the page says how far it looked.
      const exact = await engine.getInstance(q).catch(() => undefined);
      if (exact) return { items: [caseSummary(exact)], total: 1, offset: 0, limit };
      const needle = q.toLowerCase();
      const matches: InstanceRecord[] = [];
      let scanned = 0;
      let total = 0;
      for (let page = 0; scanned < SEARCH_SCAN_LIMIT; page++) {
        const chunk = await engine.listInstances({ ...base, offset: page * 200, limit: 200 });
        total = chunk.total;
        for (const i of chunk.items) if (matchesText(i, needle)) matches.push(i);
        scanned += chunk.items.length;
        if (chunk.items.length < 200) break;
      }
      return { items: matches.slice(offset, offset + limit).map(caseSummary), total: matches.length, offset, limit, searched: scanned, of: total };
    }),
  );

  api.get(
    '/cases/:id',
    handle(async (req, _res, s) => {
      const view = await engine.getInstance(String(req.params.id));
      const [rec, history, children, timers, outbox] = await Promise.all([
        engine.getDefinition(view.processId, view.version),
        engine.history(view.id),
        engine.listInstances({ parentInstanceId: view.id, limit: 50 }),
        engine.timers(view.id),
        engine.outbox({ instanceId: view.id }),
      ]);
      const def = rec.definition;
      const trace = (await ctx.caseTrace?.(view.id)) ?? traceFromHistory(def, history);
      const messages = ctx.transferLog ? await ctx.transferLog.trace(view.id).catch((err: unknown) => (ctx.log.warn({ err, caseId: view.id }, 'transfer log unreadable'), [])) : [];
      const user = caller(s.user);
      return {
        ...caseSummary(view),
        processName: rec.name ?? def.name ?? null,
        startedBy: view.startedBy ?? null,
        data: view.data,
        dataFields: def.dataFields.map((f) => ({ id: f.id, name: f.name ?? null, type: f.type, isArray: f.isArray ?? false })),
        openActivities: view.openActivities,
        waitingAt: view.waitingAt,
        workItems: view.workItems.map((w) => ({ ...workItemSummary(w), mine: canActAs(user, w.participant) })),
        activities: activityStatuses(def, view, history),
        history: history.map((h) => ({ id: h.id ?? null, at: h.at, type: h.type, activityId: h.activityId ?? null, workItemId: h.workItemId ?? null, actor: h.actor ?? null, detail: h.detail ?? null })),
        trace,
        messages,
        children: children.items.map(caseSummary),
        timers: timers.map((t) => ({ id: t.id, kind: t.kind, dueAt: t.dueAt, activityInstanceId: t.activityInstanceId })),
        outbox: outbox.map((m) => ({ id: m.id, kind: m.kind, destination: m.destination, state: m.state, attempts: m.attempts, createdAt: m.createdAt, sentAt: m.sentAt ?? null, lastError: m.lastError ?? null })),
        graph: await layoutDefinition(def),
        actions: canAdminister(user) ? allowedActions(view.state).filter((a) => a === 'suspend' || a === 'resume' || a === 'terminate') : [],
        ...caseOperations(def, view, canAdminister(user)),
      };
    }),
  );

  api.post(
    '/cases/:id/state',
    handle(async (req, _res, s) => {
      if (!canAdminister(caller(s.user))) throw new HttpError(403, `user "${s.user.username}" may not change case states; it needs "admin": true`, 'FORBIDDEN');
      const action = (req.body as { action?: unknown })?.action;
      if (action !== 'suspend' && action !== 'resume' && action !== 'terminate') throw new HttpError(400, 'action must be suspend, resume or terminate');
      const id = String(req.params.id);
      const view = await engine.changeState(id, action, s.user.username);
      caseLogger(ctx.log, id).info({ action, state: view.state, actor: s.user.username }, 'case state changed from the console');
      return { id, state: view.state };
    }),
  );

  // Operators act on incidents and messages (issue 11): administrators only, CSRF like every POST.
  api.post(
    '/cases/:id/retry',
    handle(async (req, _res, s) => {
      if (!canAdminister(caller(s.user))) throw new HttpError(403, `user "${s.user.username}" may not retry activities; it needs "admin": true`, 'FORBIDDEN');
      const activityInstanceId = (req.body as { activityInstanceId?: unknown })?.activityInstanceId;
      if (typeof activityInstanceId !== 'string' || !activityInstanceId) throw new HttpError(400, 'activityInstanceId must name the failed activity instance');
      const id = String(req.params.id);
      const view = await engine.retryActivity(id, activityInstanceId, s.user.username);
      caseLogger(ctx.log, id).info({ activityInstanceId, state: view.state, actor: s.user.username }, 'activity retried from the console');
      return { id, state: view.state, openActivities: view.openActivities };
    }),
  );
  api.post(
    '/cases/:id/deliver',
    handle(async (req, _res, s) => {
      if (!canAdminister(caller(s.user))) throw new HttpError(403, `user "${s.user.username}" may not deliver messages; it needs "admin": true`, 'FORBIDDEN');
      const { message, data } = (req.body ?? {}) as { message?: unknown; data?: unknown };
      if (typeof message !== 'string' || !message) throw new HttpError(400, 'message must name the message a receive activity waits for');
      if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) throw new HttpError(400, 'data must be an object of field names and values');
      const id = String(req.params.id);
      const view = await engine.deliverMessage(id, message, (data ?? {}) as Record<string, unknown>, s.user.username);
      caseLogger(ctx.log, id).info({ message, state: view.state, actor: s.user.username }, 'message delivered from the console');
      return { id, state: view.state, openActivities: view.openActivities };
    }),
  );
}

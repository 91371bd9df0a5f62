import type { Router } from 'express';
import type { HeldPackage, HeldState } from '../../transfer';
import { heldPackageImpact } from '../../transfer';
import { canAdminister, canStart } from '../../services/security';
import { exportXpdl } from '../../xpdl';
import { caseLogger } from '../../monitoring';
import { type ConsoleSession } from '../auth';
import { HeldPackageAdmin, HttpError, caller, formData, type ConsoleApi } from '../api-support';

/** The console's held packages API (mounted by consoleRouter, in order). */
export function mountHeldPackagesApi(api: Router, c: ConsoleApi): void {
  const { ctx, engine, handle, definitionOf } = c;
  // Only administrators see them: a package is a proposal to change what this department runs.

  const heldPackages = (s: ConsoleSession): HeldPackageAdmin => {
    if (!canAdminister(caller(s.user))) throw new HttpError(403, `user "${s.user.username}" may not see or decide held packages; it needs "admin": true`, 'FORBIDDEN');
    if (!ctx.heldPackages) throw new HttpError(404, 'this server holds no published packages (it takes no part in a federation)', 'NOT_FOUND');
    return ctx.heldPackages;
  };

  const packageView = async (p: HeldPackage & { source: string }) => {
    const { source: _source, ...rest } = p;
    return { ...rest, ...(await heldPackageImpact(engine, p).catch((e: unknown) => ({ activities: [], newProcesses: [], impactError: (e as Error).message }))) };
  };

  api.get(
    '/packages',
    handle(async (req, _res, s) => {
      const held = heldPackages(s);
      const state = typeof req.query.state === 'string' && req.query.state ? req.query.state : undefined;
      if (state && state !== 'held' && state !== 'installed' && state !== 'rejected') throw new HttpError(400, 'state must be held, installed or rejected');
      const list = await held.list(state ? { state: state as HeldState } : {});
      return { items: await Promise.all(list.map(async (p) => (p.state === 'held' ? packageView(await held.get(p.id)) : p))) };
    }),
  );

  api.get(
    '/packages/:id',
    handle(async (req, _res, s) => packageView(await heldPackages(s).get(String(req.params.id)))),
  );

  const undecided = async (held: HeldPackageAdmin, id: string) => {
    const p = await held.get(id);
    if (p.state !== 'held') throw new HttpError(409, `package ${id} was already ${p.state}${p.decidedBy ? ` by ${p.decidedBy}` : ''}`, 'CONFLICT');
    return p;
  };

  api.post(
    '/packages/:id/approve',
    handle(async (req, _res, s) => {
      const held = heldPackages(s);
      const id = String(req.params.id);
      const p = await undecided(held, id);
      const results = await held.approve(id, s.user.username);
      ctx.log.info({ heldId: id, packageId: p.packageId, from: p.sender, actor: s.user.username, results }, 'held package approved from the console');
      return { id, state: 'installed', results };
    }),
  );

  api.post(
    '/packages/:id/reject',
    handle(async (req, _res, s) => {
      const held = heldPackages(s);
      const id = String(req.params.id);
      const raw = (req.body as { reason?: unknown } | undefined)?.reason;
      if (raw !== undefined && typeof raw !== 'string') throw new HttpError(400, 'reason must be text');
      const reason = raw?.trim().slice(0, 2000) || undefined;
      const p = await undecided(held, id);
      await held.reject(id, s.user.username, reason);
      ctx.log.info({ heldId: id, packageId: p.packageId, from: p.sender, actor: s.user.username, reason }, 'held package rejected from the console');
      return { id, state: 'rejected', ...(reason ? { reason } : {}) };
    }),
  );

  api.get('/definitions/:processId/versions/:version/xpdl', (req, res, next) => {
    definitionOf(req)
      .then((rec) => {
        const asDeployed = req.query.source === '1';
        if (asDeployed && !rec.source) throw new HttpError(404, 'this version was deployed without its source document', 'NOT_FOUND');
        const text = asDeployed ? rec.source! : exportXpdl({ id: rec.packageId ?? rec.processId, name: rec.name, processes: [rec.definition], warnings: [] });
        const file = `${rec.processId.replace(/[^A-Za-z0-9_.-]/g, '_')}-v${rec.version}${asDeployed ? '-source' : ''}.xpdl`;
        res.status(200).type('application/xml; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="${file}"`);
        res.send(text);
      })
      .catch(next);
  });

  api.post(
    '/definitions/:processId/start',
    handle(async (req, _res, s) => {
      const processId = String(req.params.processId);
      if (!canStart(caller(s.user), processId)) throw new HttpError(403, `user "${s.user.username}" may not start "${processId}"; an administrator can add it to the user's "start" list`, 'FORBIDDEN');
      const body = (req.body ?? {}) as { data?: unknown; subject?: unknown };
      const data = formData(body.data);
      const subject = typeof body.subject === 'string' && body.subject.trim() ? body.subject.trim().slice(0, 500) : undefined;
      const view = await engine.startProcess(processId, { data, actor: s.user.username, ...(subject ? { subject } : {}) });
      caseLogger(ctx.log, view.id).info({ processId, actor: s.user.username }, 'case started from the console');
      return { id: view.id, state: view.state };
    }),
  );
}

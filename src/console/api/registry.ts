import type { Router } from 'express';
import { bindingView, registryPage } from '../registry-view';
import { HttpError, dedupe, type ConsoleApi } from '../api-support';

/** The console's registry API (mounted by consoleRouter, in order). */
export function mountRegistryApi(api: Router, c: ConsoleApi): void {
  const { ctx, engine, handle, federationKeys, latestDefinitions, localSummary, remoteSummary } = c;

  api.get(
    '/registry',
    handle(async (req) => {
      const latest = await latestDefinitions();
      const page = await registryPage(ctx.registry, latest, engine.clock.now(), federationKeys);
      const base = ctx.baseUrl(req);
      const example = latest[0]?.processId;
      const local = ctx.services().map((s) => {
        const concrete = s.path.includes(':processId') && example ? s.path.replace(':processId', encodeURIComponent(example)) : s.path.includes(':') ? undefined : s.path;
        return { name: s.name, path: s.path, ...(concrete ? { wsdlUrl: `${base}${concrete}?wsdl`, address: `${base}${concrete}` } : {}) };
      });
      return { ...page, engine: { department: engine.department ?? null, address: base, services: dedupe(local) } };
    }),
  );

  api.get(
    '/wsdl',
    handle(async (req) => {
      const local = typeof req.query.local === 'string' ? req.query.local : undefined;
      const binding = typeof req.query.binding === 'string' ? req.query.binding : undefined;
      if (local) {
        const def = ctx.services().find((s) => s.name === local);
        if (!def) throw new HttpError(404, `this engine has no service named "${local}"`, 'NOT_FOUND');
        return localSummary(def);
      }
      if (binding) {
        if (!ctx.registry) throw new HttpError(404, 'no registry is configured on this server', 'NOT_FOUND');
        const [t] = await ctx.registry.getBindingDetail([binding]).catch(() => [] as never[]);
        if (!t) throw new HttpError(404, `the registry has no binding "${binding}"`, 'NOT_FOUND');
        const view = bindingView(t, engine.clock.now(), federationKeys);
        if (!view.wsdlUrl) throw new HttpError(404, 'the binding names no WSDL address', 'NOT_FOUND');
        return remoteSummary(view.wsdlUrl);
      }
      throw new HttpError(400, 'name a service: ?local=NAME or ?binding=KEY');
    }),
  );
}

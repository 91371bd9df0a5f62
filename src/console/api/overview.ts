import type { Router } from 'express';
import { departmentCodes, type ConsoleApi } from '../api-support';

/** The console's overview API (mounted by consoleRouter, in order). */
export function mountOverviewApi(api: Router, c: ConsoleApi): void {
  const { engine, handle, latestDefinitions, visibleWorklist } = c;

  api.get(
    '/overview',
    handle(async (_req, _res, s) => {
      const [counts, defs, items] = await Promise.all([engine.countByState(), latestDefinitions(), visibleWorklist(s.user, 500)]);
      return {
        casesByState: counts,
        definitions: defs.length,
        myOpenWorkItems: items.length,
        departments: departmentCodes(defs),
      };
    }),
  );
}

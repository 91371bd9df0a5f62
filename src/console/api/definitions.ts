import type { Router } from 'express';
import { type DefinitionRecord } from '../../engine';
import { dataFlowsOf } from '../../transfer';
import { canStart } from '../../services/security';
import { layoutDefinition } from '../graph';
import { caller, type ConsoleApi } from '../api-support';

/** The console's definitions API (mounted by consoleRouter, in order). */
export function mountDefinitionsApi(api: Router, c: ConsoleApi): void {
  const { engine, handle, definitionOf } = c;

  api.get(
    '/definitions',
    handle(async (_req, _res, s) => {
      const all = await engine.listDefinitions();
      const byProcess = new Map<string, DefinitionRecord[]>();
      for (const d of all) byProcess.set(d.processId, [...(byProcess.get(d.processId) ?? []), d]);
      return {
        items: [...byProcess.values()].map((versions) => {
          const latest = versions[0]!;
          return {
            processId: latest.processId,
            name: latest.name ?? latest.definition.name ?? null,
            description: latest.definition.description ?? null,
            packageId: latest.packageId ?? null,
            latestVersion: latest.version,
            versions: versions.map((v) => ({ version: v.version, deployedAt: v.deployedAt, deployedBy: v.deployedBy ?? null })),
            activities: latest.definition.activities.length,
            departments: [...new Set(latest.definition.activities.map((a) => a.department).filter((d): d is string => !!d))],
            canStart: canStart(caller(s.user), latest.processId),
          };
        }),
      };
    }),
  );

  api.get(
    '/definitions/:processId/versions/:version',
    handle(async (req, _res, s) => {
      const rec = await definitionOf(req);
      const versions = (await engine.listDefinitions()).filter((d) => d.processId === rec.processId).map((d) => d.version);
      const def = rec.definition;
      return {
        processId: rec.processId,
        version: rec.version,
        versions,
        name: rec.name ?? def.name ?? null,
        description: def.description ?? null,
        packageId: rec.packageId ?? null,
        deployedAt: rec.deployedAt,
        deployedBy: rec.deployedBy ?? null,
        hasSource: Boolean(rec.source),
        dataFields: def.dataFields,
        participants: def.participants,
        activities: def.activities.map((a) => ({ id: a.id, name: a.name ?? null, kind: a.kind, department: a.department ?? null, performers: a.performers, join: a.join, split: a.split, updates: a.updates ?? [] })),
        transitions: def.transitions,
        graph: await layoutDefinition(def),
        dataFlows: dataFlowsOf(def).map((f) => ({
          department: f.department,
          receives: f.receives,
          returns: f.returns,
          activities: f.activities.map((a) => ({ activityId: a.activityId, name: def.activities.find((x) => x.id === a.activityId)?.name ?? null, reads: a.reads, writes: a.writes })),
        })),
        canStart: canStart(caller(s.user), rec.processId) && versions[0] === rec.version,
      };
    }),
  );
}

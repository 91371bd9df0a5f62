import type { Router } from 'express';
import { canAdminister } from '../../services/security';
import { readAttention, type Attention } from '../attention';
import { caller, clampInt, type ConsoleApi } from '../api-support';

/** The console's attention API (mounted by consoleRouter, in order). */
export function mountAttentionApi(api: Router, c: ConsoleApi): void {
  const { ctx, engine, handle, federationKeys } = c;
  // What needs an operator: counts and lists (src/console/attention.ts). Held packages and
  // refusals are for administrators only, like the held packages' own page.

  api.get(
    '/attention',
    handle(async (req, _res, s): Promise<Attention> => {
      const stuck = clampInt(req.query.stuckAfter, 0, 1, 7 * 86400);
      const hours = clampInt(req.query.hours, 0, 1, 24 * 90);
      return readAttention(
        { engine, keys: federationKeys, hub: ctx.role === 'hub', ...(ctx.heldPackages ? { heldPackages: ctx.heldPackages } : {}), ...(ctx.transferLog?.refusals ? { refusals: (f) => ctx.transferLog!.refusals!(f) } : {}), ...(ctx.registry ? { registry: ctx.registry } : {}) },
        { admin: canAdminister(caller(s.user)), now: engine.clock.now(), ...(stuck ? { stuckAfterSeconds: stuck } : {}), ...(hours ? { refusalsHours: hours } : {}) },
      );
    }),
  );

  // Outbox messages given up on (a receiver refused them for good, or they never got through):
  // incidents a person must act on; each row's lastError says what happened and what to do.
  api.get(
    '/outbox/dead',
    handle(async () => {
      const dead = await engine.outbox({ state: 'dead' });
      return {
        dead: dead.slice(0, 500).map((m) => ({ id: m.id, caseId: m.instanceId, kind: m.kind, destination: m.destination, attempts: m.attempts, createdAt: m.createdAt, lastError: m.lastError ?? null })),
        total: dead.length,
      };
    }),
  );
}

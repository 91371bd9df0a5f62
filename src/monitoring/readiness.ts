import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { WorkflowEngine } from '../engine';
import type { FindBusinessRequest } from '../registry';

/** One dependency the server needs to do useful work. `check` rejects when it is not usable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface ReadinessReport {
  status: 'ready' | 'not ready';
  checks: Record<string, { ok: boolean; ms: number; error?: string }>;
}

export const DEFAULT_READY_TIMEOUT_MS = 2000;

/** A primary-key lookup of an id that never exists: touches the database and nothing else. */
export function databaseCheck(engine: WorkflowEngine): ReadinessCheck {
  return {
    name: 'database',
    check: async () => {
      await engine.store.read((tx) => tx.findInstance('~readiness-probe~'));
    },
  };
}

/** A one-row inquiry; works for a local store and a remote node alike. */
export function registryCheck(registry: { findBusiness(request: FindBusinessRequest): Promise<unknown> }): ReadinessCheck {
  return {
    name: 'registry',
    check: async () => {
      await registry.findBusiness({ names: [{ value: '%' }], findQualifiers: ['approximateMatch'], maxRows: 1 });
    },
  };
}

/** Runs every check concurrently; a check slower than the timeout counts as failed. */
export async function runReadiness(checks: readonly ReadinessCheck[], timeoutMs = DEFAULT_READY_TIMEOUT_MS): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      const started = process.hrtime.bigint();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          c.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
            timer.unref();
          }),
        ]);
        return [c.name, { ok: true, ms: elapsedMs(started) }] as const;
      } catch (e) {
        return [c.name, { ok: false, ms: elapsedMs(started), error: shortMessage(e) }] as const;
      } finally {
        if (timer) clearTimeout(timer);
      }
    }),
  );
  const report: ReadinessReport = { status: 'ready', checks: {} };
  for (const [name, r] of results) {
    report.checks[name] = r;
    if (!r.ok) report.status = 'not ready';
  }
  return report;
}

/** GET /ready: 200 when every check passes, else 503; the body says which failed and why. */
export function readinessHandler(checks: () => readonly ReadinessCheck[], log: Logger, timeoutMs?: number) {
  return async (_req: Request, res: Response): Promise<void> => {
    const report = await runReadiness(checks(), timeoutMs);
    if (report.status !== 'ready') log.warn({ readiness: report.checks }, 'not ready');
    res.status(report.status === 'ready' ? 200 : 503).setHeader('Cache-Control', 'no-store');
    res.json(report);
  };
}

function elapsedMs(started: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
}

/** The first line of the error, bounded: enough to act on, never a stack. */
function shortMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { WorkflowEngine } from '../engine';
import type { FindBusinessRequest } from '../registry';

/**
 * One dependency the server needs to do useful work. `check` rejects when it is not usable.
 * A check marked `degradedOnly` names something the server can work without for a while (the
 * registry, while bindings are cached): its failure makes the server degraded, not unready.
 */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
  degradedOnly?: boolean;
}

export interface ReadinessReport {
  /** ready: everything answers; degraded: it can work, but something it uses is down (still 200); not ready: 503. */
  status: 'ready' | 'degraded' | 'not ready';
  checks: Record<string, { ok: boolean; ms: number; error?: string; degradedOnly?: true }>;
  /** The failed checks the server can work without, when there are any. */
  degraded?: string[];
}

export const DEFAULT_READY_TIMEOUT_MS = 2000;

/** How long one write probe's outcome stands for the next probes (a write per probe would cost). */
export const DEFAULT_WRITE_PROBE_INTERVAL_MS = 5000;
const PROBE_TIMER_ID = '~readiness-probe~';

/**
 * The database can be read and written: a primary-key lookup on every probe, and a tiny write
 * transaction (insert and delete one timer row due in the year 9999, so it is never seen as due),
 * at most once per `writeIntervalMs`; between writes the last write's outcome stands. A disk
 * that is full (or a database that went read-only) fails the write while reads still answer.
 */
export function databaseCheck(engine: Pick<WorkflowEngine, 'store'>, options: { writeIntervalMs?: number } = {}): ReadinessCheck {
  const interval = options.writeIntervalMs ?? DEFAULT_WRITE_PROBE_INTERVAL_MS;
  let last: { at: number; error?: Error } | undefined;
  let inFlight: Promise<void> | undefined;
  const write = async (): Promise<void> => {
    await engine.store.transaction(async (tx) => {
      await tx.saveTimers([{ id: PROBE_TIMER_ID, instanceId: PROBE_TIMER_ID, activityInstanceId: PROBE_TIMER_ID, dueAt: new Date(Date.UTC(9999, 0, 1)), kind: 'deadline' }]);
      await tx.deleteTimers([PROBE_TIMER_ID]);
    });
  };
  return {
    name: 'database',
    check: async () => {
      await engine.store.read((tx) => tx.findInstance(PROBE_TIMER_ID));
      const now = Date.now();
      if (!last || now - last.at >= interval) {
        inFlight ??= write().then(
          () => void (last = { at: Date.now() }),
          (e: unknown) => void (last = { at: Date.now(), error: e instanceof Error ? e : new Error(String(e)) }),
        ).finally(() => (inFlight = undefined));
        await inFlight;
      }
      if (last?.error) throw new Error(`the database cannot be written: ${last.error.message}`);
    },
  };
}

/**
 * A one-row inquiry; works for a local store and a remote node alike. `degradedOnly` for a
 * department that uses a remote registry: transfers go on from cached bindings while it is down.
 */
export function registryCheck(registry: { findBusiness(request: FindBusinessRequest): Promise<unknown> }, options: { degradedOnly?: boolean } = {}): ReadinessCheck {
  return {
    name: 'registry',
    ...(options.degradedOnly ? { degradedOnly: true } : {}),
    check: async () => {
      await registry.findBusiness({ names: [{ value: '%' }], findQualifiers: ['approximateMatch'], maxRows: 1 });
    },
  };
}

/**
 * The department's bindings (degraded only): fails while its binder finds the registry unreachable,
 * saying that transfers go on with the last known good bindings, and how many of those were read
 * back from the database (persisted before a restart). What to do: docs/operations.md.
 */
export function bindingsCheck(binder: { health(): { registryUnreachableSince?: Date; lastRegistryError?: string; fromSnapshots: number } }): ReadinessCheck {
  return {
    name: 'bindings',
    degradedOnly: true,
    check: async () => {
      const h = binder.health();
      if (!h.registryUnreachableSince) return;
      throw new Error(
        `the registry has been unreachable since ${h.registryUnreachableSince.toISOString()} (${h.lastRegistryError ?? 'no answer'}): sending with the last known good bindings${h.fromSnapshots ? `, ${h.fromSnapshots} of them read back from the database` : ''}; lapsed leases are not held against them until it answers again`,
      );
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
        return [c, { ok: true, ms: elapsedMs(started) }] as const;
      } catch (e) {
        return [c, { ok: false, ms: elapsedMs(started), error: shortMessage(e) }] as const;
      } finally {
        if (timer) clearTimeout(timer);
      }
    }),
  );
  const report: ReadinessReport = { status: 'ready', checks: {} };
  const degraded: string[] = [];
  let unready = false;
  for (const [c, r] of results) {
    report.checks[c.name] = c.degradedOnly ? { ...r, degradedOnly: true } : r;
    if (r.ok) continue;
    if (c.degradedOnly) degraded.push(c.name);
    else unready = true;
  }
  if (unready) report.status = 'not ready';
  else if (degraded.length) report.status = 'degraded';
  if (degraded.length) report.degraded = degraded;
  return report;
}

/**
 * GET /ready: 200 when the server can do its work (status ready, or degraded when only checks it
 * can work without failed), else 503; the body says which failed and why.
 */
export function readinessHandler(checks: () => readonly ReadinessCheck[], log: Logger, timeoutMs?: number) {
  return async (_req: Request, res: Response): Promise<void> => {
    const report = await runReadiness(checks(), timeoutMs);
    if (report.status !== 'ready') log.warn({ readiness: report.checks }, report.status);
    res.status(report.status === 'not ready' ? 503 : 200).setHeader('Cache-Control', 'no-store');
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

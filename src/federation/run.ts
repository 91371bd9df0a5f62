import type { Output } from './summary';
import { runLicenceCase } from './demo-case';
import { Federation } from './launcher';
import { printEndpoints, printStep, printTrace } from './summary';

export interface RunOptions {
  dataDir: string;
  basePort: number;
  fresh?: boolean;
  /** Run one licence case end to end, print its trace, stop (CI). */
  once?: boolean;
  logLevel?: string;
  /** Tuning settings for every member (INTERFLOW_SIGNING_THREADS, the outbox settings, …). */
  memberEnv?: Record<string, string>;
}

/**
 * `interflow federation up`: launch, print where everything is, then either run one case and stop
 * (--once) or keep running until SIGINT/SIGTERM/SIGHUP (a closed terminal stops the children too:
 * they run in process groups of their own, so only the launcher hears the hang-up). Resolves false when the once-case did not
 * complete; launch failures (a port taken, a child that died) are thrown with their explanation.
 */
export async function runFederation(out: Output, o: RunOptions): Promise<boolean> {
  const stop = new AbortController();
  const onSignal = (signal: string) => {
    if (stop.signal.aborted) return;
    out.stderr(`\n${signal}: stopping the federation…\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  let federation: Federation | undefined;
  try {
    out.stdout(`Interflow federation — data in ${o.dataDir}\n`);
    if (o.memberEnv && Object.keys(o.memberEnv).length) out.stdout(`  every member also gets ${Object.entries(o.memberEnv).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
    const t0 = Date.now();
    federation = await Federation.launch({
      dataDir: o.dataDir,
      basePort: o.basePort,
      fresh: o.fresh,
      logLevel: o.logLevel ?? 'info',
      ...(o.memberEnv && Object.keys(o.memberEnv).length ? { extraEnv: o.memberEnv } : {}),
      signal: stop.signal,
      progress: (line) => out.stdout(`  ${line}\n`),
    });
    printEndpoints(out, federation);
    out.stdout(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const f = federation;
    if (o.once) {
      out.stdout('\nA business licence case through the ProcessService endpoints of market and fire, as legacy clients:\n');
      const result = await runLicenceCase(
        { market: f.client('market', 'market-clerk'), fire: f.client('fire', 'fire-inspector'), marketAdmin: f.client('market') },
        { onStep: (s) => printStep(out, s) },
      );
      await printTrace(out, f, result.caseId);
      out.stdout(`\ncase ${result.caseId} ${result.instance.state} in ${((Date.now() - t0) / 1000).toFixed(1)} s from launch\n`);
      return result.instance.state === 'closed.completed';
    }
    f.onCrash((m) => {
      out.stderr(`\n${m.name} stopped unexpectedly; nothing is restarted. Its log: ${m.logFile}. Stop the rest with Ctrl-C and start again.\n`);
    });
    await new Promise<void>((resolve) => (stop.signal.aborted ? resolve() : stop.signal.addEventListener('abort', () => resolve(), { once: true })));
    return true;
  } catch (error) {
    if (stop.signal.aborted) return true;
    throw error;
  } finally {
    await federation?.stop();
    if (federation) out.stdout('stopped: registry hub and departments\n');
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

/**
 * bench/federation, the deployment row: the federation people run. `npm start` is
 * `interflow federation up`: a registry hub and the market, tax and fire engines as separate
 * `node bin/interflow.js` processes (src/federation/launcher.ts, started here from dist/ exactly as
 * npm start does), each with its own SQLite file, every transfer signed, verified, written durably
 * on both sides and in the message log, request logs on at `info`.
 *
 * - Idle: express licence cases one at a time through market's ProcessService; the case's
 *   start-to-close time by the engine's own timestamps, and one hop as half of it (hand-overs to
 *   tax and fire go out together, their results come back together: two sequential signed hops).
 * - Load: `BENCH_CLIENTS` (32) concurrent legacy SOAP clients in another process
 *   (bench/servers/federation-load.ts) start `BENCH_CASES` (400) express cases at market; completed
 *   cases per second from the first start until the last case closed (counted through market's
 *   ListProcessInstances), and each case's start-to-close by the engine's timestamps.
 * - How long each Deliver took to handle at the receiving departments, from their request logs.
 *
 * The baseline, same run: a bare node-soap echo hop (bench/echo-service.ts), one request at a time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Federation as FederationType } from '../src/federation/launcher';

const ROOT = resolve(__dirname, '..');
const CASES = Number(process.env.BENCH_CASES ?? 400);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const IDLE_CASES = Number(process.env.BENCH_IDLE_CASES ?? 30);

export interface DeploymentBench {
  idleCase: { p50: number; p99: number };
  hop: { p50: number; p99: number };
  casesPerSecond: number;
  completed: number;
  loadCase: { p50: number; p99: number };
  deliverMs: { p50: number; p99: number; count: number };
  /** CPU ms per completed case, hub and departments together, and per process. */
  cpuPerCase: number;
  cpuByProcess: Record<string, number>;
  startP50: number;
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc: on a shared machine the
 * CPU a case costs is the figure that does not depend on what else runs, unlike its wall time.
 */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return 0;
  }
}

function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds dist/ when a source changed (what npm start does first), then loads the launcher from it. */
async function loadLauncher(): Promise<{ Federation: typeof FederationType }> {
  await new Promise<void>((res, rej) => {
    const built = spawn(process.execPath, [join(ROOT, 'scripts', 'build-if-changed.js')], { stdio: 'inherit' });
    built.on('exit', (code) => (code === 0 ? res() : rej(new Error(`the build failed (exit ${code})`))));
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(ROOT, 'dist', 'federation', 'launcher.js')) as { Federation: typeof FederationType };
}

function runLoad(baseUrl: string, username: string, password: string): Promise<{ started: number; ms: number; cpuMs: number; startP50: number; errorCount: number; errors: string[] }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'servers', 'federation-load.ts'), baseUrl, username, password, String(CASES), String(CLIENTS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? res(JSON.parse(out.trim().split('\n').pop()!)) : rej(new Error(`the load process exited with ${code}`))));
  });
}

/** Deliver handling times (ms) a department's request log recorded. */
function deliverTimes(logFile: string): number[] {
  const out: number[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"operation":"Deliver"')) continue;
    try {
      const rec = JSON.parse(line) as { ms?: number };
      if (typeof rec.ms === 'number') out.push(rec.ms);
    } catch {
      // a line of another format
    }
  }
  return out;
}

export async function benchFederationDeployment(): Promise<DeploymentBench> {
  const { Federation } = await loadLauncher();
  const dataDir = mkdtempSync(join(tmpdir(), 'if-bench-federation-'));
  console.log(`bench/federation (deployment): federation up — hub + market + tax + fire as separate processes from dist/, SQLite files, every transfer signed; data in ${dataDir}`);
  // Tuning settings for an A/B run (INTERFLOW_SIGNING_THREADS=0, say) go to every member; the
  // launcher itself passes no INTERFLOW_* variable of its parent on.
  const extraEnv = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('INTERFLOW_') && e[1] !== undefined));
  if (Object.keys(extraEnv).length) console.log(`  members also get ${Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const fed = await Federation.launch({ dataDir, fresh: true, logLevel: 'info', progress: () => undefined, extraEnv });
  try {
    const clerk = fed.client('market', 'market-clerk');
    const admin = fed.client('market');
    // Idle: one case at a time. The wait polls, but the figure is the engine's own start-to-close.
    // Measured twice: right after start (code still cold: compiled as it runs) and after the load
    // phase, as a server that has been running answers; the second is the figure.
    const members = [fed.hub, ...fed.departments.values()];
    const idleRound = async (label: string, warmUp: number): Promise<{ p50: number; p99: number }> => {
      const idle: number[] = [];
      let cpu0: number[] = [];
      for (let i = 0; i < IDLE_CASES + warmUp; i++) {
        if (i === warmUp) cpu0 = members.map((m) => cpuMs(m.process?.pid));
        const { id } = await clerk.startProcess('business_licence_express', { applicantId: `IDLE-${label}-${i}`, businessName: 'Idle', address: 'street' });
        for (;;) {
          await sleep(20);
          const inst = await admin.getProcessInstance(id);
          if (!inst.state.startsWith('closed.')) continue;
          const times = inst.history.map((h) => Date.parse(h.at));
          if (i >= warmUp) idle.push(Math.max(...times) - Math.min(...times));
          break;
        }
      }
      const r = { p50: percentile(idle, 50), p99: percentile(idle, 99) };
      // CPU an idle case costs, the polling at market included (a GetProcessInstance every 20 ms).
      const cpu = members.map((m, i) => (cpuMs(m.process?.pid) - cpu0[i]) / Math.max(1, IDLE_CASES));
      console.log(`  idle express case, ${label.padEnd(11)} (engine timestamps) p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; CPU per case ${members.map((m, i) => `${m.name} ${cpu[i].toFixed(1)}`).join(', ')} ms`);
      return r;
    };
    await idleRound('cold start', 5);

    // Load: the clients in their own process; completion counted here.
    const closedCount = async () => (await admin.listProcessInstances({ processId: 'business_licence_express', state: 'closed.completed', limit: 1 })).total;
    const base = await closedCount();
    const market = fed.department('market');
    const clerkUser = market.credentials.users.find((u) => u.username === 'market-clerk')!;
    const cpuBefore = members.map((m) => cpuMs(m.process?.pid));
    // This process is the launcher npm start runs (it carries every member's log lines to its file).
    const launcherCpu0 = process.cpuUsage();
    const t0 = Date.now();
    const load = runLoad(market.placement.url, clerkUser.username, clerkUser.password);
    let completed = 0;
    let loadResult: Awaited<ReturnType<typeof runLoad>> | undefined;
    void load.then((r) => (loadResult = r));
    const deadline = t0 + Math.max(120_000, CASES * 500);
    while (Date.now() < deadline) {
      await sleep(100);
      completed = (await closedCount()) - base;
      if (loadResult && completed >= loadResult.started) break;
    }
    const elapsed = (Date.now() - t0) / 1000;
    const cpuByProcess = Object.fromEntries(members.map((m, i) => [m.name, (cpuMs(m.process?.pid) - cpuBefore[i]) / Math.max(1, completed)]));
    const cpuPerCase = Object.values(cpuByProcess).reduce((a, b) => a + b, 0);
    const started = (await load).started;
    const casesPerSecond = completed / elapsed;
    console.log(`  load: ${CLIENTS} SOAP clients in another process started ${started} cases in ${((await load).ms / 1000).toFixed(1)} s (StartProcess p50 ${(await load).startP50.toFixed(1)} ms, ${(await load).errorCount} errors)`);
    console.log(`  completed express cases under load: ${completed} in ${elapsed.toFixed(1)} s = ${casesPerSecond.toFixed(1)} cases/s`);
    console.log(`  CPU per completed case: ${cpuPerCase.toFixed(1)} ms (${Object.entries(cpuByProcess).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}); ${(2000 / cpuPerCase).toFixed(0)} cases/s if the federation had both cores to itself`);
    const launcherCpu = process.cpuUsage(launcherCpu0);
    console.log(`  the launcher's CPU per case (its log relay, and this bench's polling): ${((launcherCpu.user + launcherCpu.system) / 1000 / Math.max(1, completed)).toFixed(2)} ms`);
    const clientCpu = (await load).cpuMs / Math.max(1, started);
    console.log(`  the SOAP clients' own CPU per case: ${clientCpu.toFixed(1)} ms; federation and clients together: ${(2000 / (cpuPerCase + clientCpu)).toFixed(0)} cases/s on two free cores`);

    // The engine's timestamps of the cases the load started, read from market's database.
    const db = new Database(market.placement.databaseUrl.replace(/^sqlite:/, ''), { readonly: true });
    const rows = db.prepare("SELECT created_at AS c, completed_at AS d FROM if_instance WHERE process_id = 'business_licence_express' AND completed_at IS NOT NULL ORDER BY created_at DESC LIMIT ?").all(completed) as Array<{ c: string; d: string }>;
    db.close();
    const loadTimes = rows.map((r) => Date.parse(`${r.d.replace(' ', 'T')}Z`) - Date.parse(`${r.c.replace(' ', 'T')}Z`));
    const loadCase = { p50: percentile(loadTimes, 50), p99: percentile(loadTimes, 99) };
    console.log(`  express case under load (engine timestamps) p50 ${loadCase.p50.toFixed(0)} ms, p99 ${loadCase.p99.toFixed(0)} ms`);
    const delivers = [...fed.departments.values()].flatMap((d) => deliverTimes(d.logFile));
    const deliverMs = { p50: percentile(delivers, 50), p99: percentile(delivers, 99), count: delivers.length };
    console.log(`  Deliver handled at the receiver (request logs, all runs) p50 ${deliverMs.p50.toFixed(1)} ms, p99 ${deliverMs.p99.toFixed(1)} ms over ${deliverMs.count} messages`);
    const idleCase = await idleRound('warm', 5);
    const hop = { p50: idleCase.p50 / 2, p99: idleCase.p99 / 2 };
    console.log(`  one hop (half a warm idle case) p50 ${hop.p50.toFixed(1)} ms`);
    return { idleCase, hop, casesPerSecond, completed, loadCase, deliverMs, cpuPerCase, cpuByProcess, startP50: (await load).startP50 };
  } finally {
    await fed.stop();
    if (!process.env.BENCH_KEEP) rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchFederationDeployment().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

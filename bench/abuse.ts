/**
 * bench/abuse — does one caller's hostile requests slow everyone else down? The server
 * (`interflow serve`, a users file, a SQLite file) runs in its own process; this process measures
 * GET /health latency one request at a time, first idle (the baseline, same run), then while six
 * connections from a third process (bench/servers/abuse-load.ts) keep posting unauthenticated 1 MiB envelopes with 50,000 attributes each (the finding
 * of issue 10: ~3.9 s of parsing apiece, /health from 6 ms to 11.6 s). The figure is /health p99
 * under the burst against the idle p99, and how long each hostile request took to be refused.
 *
 *   npm run bench:abuse        (BENCH_SECONDS, default 5, per phase)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { makeUser, demoSecurityConfig, writeUsersFile } from '../src/services/security';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const ATTACKERS = 6;

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function get(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolveMs, reject) => {
    const started = process.hrtime.bigint();
    const req = request({ agent, host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolveMs(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`${path} answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function healthFor(port: number, durationS: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: number[] = [];
  const deadline = Date.now() + durationS * 1000;
  while (Date.now() < deadline) {
    out.push(await get(agent, port, '/health'));
    await new Promise((r) => setTimeout(r, 5));
  }
  agent.destroy();
  return out;
}

export interface AbuseResult {
  idle: { p50: number; p99: number; n: number };
  burst: { p50: number; p99: number; n: number };
  refusal: { p50: number; p99: number; n: number; statuses: string };
}

export async function benchAbuse(): Promise<AbuseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'interflow-bench-abuse-'));
  const usersFile = join(dir, 'users.json');
  writeUsersFile(usersFile, demoSecurityConfig([makeUser({ username: 'bench-clerk', password: 'bench-password-1234', participants: ['clerk'] })]));
  const port = await freePort();
  const root = resolve(__dirname, '..');
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'servers', 'interflow-cli.ts'), '--db', `sqlite:${join(dir, 'bench.sqlite')}`, 'serve', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, INTERFLOW_USERS_FILE: usersFile, INTERFLOW_PRODUCTION: '', INTERFLOW_LOG_LEVEL: 'error' },
  });
  try {
    await new Promise<void>((ok, fail) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('listening on')) ok();
      });
      child.once('exit', (code) => fail(new Error(`interflow serve exited with ${code} before listening`)));
    });
    await healthFor(port, 1); // warm-up
    const idle = await healthFor(port, seconds);

    // The load runs in a third process: the prober's timings are then not its event loop's.
    const load = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'servers', 'abuse-load.ts'), String(port), String(seconds + 1), String(ATTACKERS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let loadOut = '';
    const loadDone = new Promise<void>((ok) => load.once('exit', () => ok()));
    await new Promise<void>((ok) => {
      load.stdout!.on('data', (c: Buffer) => {
        loadOut += c.toString();
        if (loadOut.includes('started')) ok();
      });
    });
    await new Promise((r) => setTimeout(r, 500));
    const burst = await healthFor(port, seconds);
    await loadDone;
    const { times: refusals, statuses } = JSON.parse(loadOut.slice(loadOut.indexOf('{'))) as { times: number[]; statuses: Record<string, number> };

    const summary = (v: number[]) => ({ p50: percentile(v, 50), p99: percentile(v, 99), n: v.length });
    const result: AbuseResult = { idle: summary(idle), burst: summary(burst), refusal: { ...summary(refusals), statuses: Object.entries(statuses).map(([s, n]) => `${n}×${s}`).join(', ') } };
    console.log(`abuse: /health idle p50 ${result.idle.p50.toFixed(2)} ms, p99 ${result.idle.p99.toFixed(2)} ms (${result.idle.n} requests)`);
    console.log(`abuse: /health under ${ATTACKERS} hostile 1 MiB / 50,000-attribute posters p50 ${result.burst.p50.toFixed(2)} ms, p99 ${result.burst.p99.toFixed(2)} ms (${result.burst.n} requests)`);
    console.log(`abuse: each hostile request refused in p50 ${result.refusal.p50.toFixed(1)} ms, p99 ${result.refusal.p99.toFixed(1)} ms (${result.refusal.n} requests: ${result.refusal.statuses})`);
    console.log(`abuse: /health p99 under the burst / idle p99 = ${(result.burst.p99 / result.idle.p99).toFixed(1)}x`);
    return result;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchAbuse().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

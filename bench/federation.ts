/**
 * bench/federation — completed cross-department cases per second, and the latency of one transfer.
 *
 * A registry hub and three department engines (market, tax, fire), each with its own SQLite file,
 * on loopback in this process; every hand-over and result is signed (RSA-SHA256), verified against
 * the registry's certificate, written durably on both sides and logged. The express licence case
 * is all automatic: market checks, hands "register taxpayer" to tax and "fire check" to fire in
 * parallel, joins their results, decides and issues — four signed transfers per case.
 *
 * Baseline in the same run: a bare node-soap echo hop (one request at a time), the cost floor of
 * one SOAP round trip here. One transfer's latency is measured on the same shape of work: a case
 * with a single remote automatic activity, one at a time; half its start-to-close time is one
 * signed hop (hand-over there, result back).
 */
import 'reflect-metadata';
import { echoRequest, startNodeSoapEcho } from './echo-service';
import { TransferFederation, closedCase } from '../test/transfer/federation-support';
import { loadavg } from 'node:os';
import { benchFederationDeployment } from './federation-deployment';
import { benchSigning } from './signing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/persistence';
import { soapCall } from '../src/services/soap';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 256);

const ECHO_REQUEST = echoRequest('hop');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long the deployment row's idle cases leave a department idle between two hops (a case takes
 * 10–20 ms, the bench polls every 20 ms): the paced floor's pause before each operation.
 */
export const IDLE_PACE_MS = 30;

export async function echoHop(options: { paceMs?: number } = {}): Promise<{ p50: number; p99: number }> {
  const pace = options.paceMs ?? 0;
  const echo = await startNodeSoapEcho();
  const url = echo.url;
  const times: number[] = [];
  const until = Date.now() + (pace ? 0 : Math.min(3000, seconds * 300));
  for (let i = 0; Date.now() < until || i < (pace ? 80 : 50); i++) {
    if (pace) await sleep(pace);
    const t = process.hrtime.bigint();
    // The SOAP client a transfer uses: the floor is a round trip as cheap as Interflow can make one.
    const reply = await soapCall({ url, envelope: ECHO_REQUEST, soapAction: 'urn:bench:echo:Echo' });
    if (reply.status !== 200) throw new Error(`the echo answered HTTP ${reply.status}`);
    if (i >= 20) times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await echo.close();
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** The median time of one small durable SQLite transaction (WAL, synchronous=NORMAL), as a hop's commits are. */
async function commitMs(paceMs = 0): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'if-bench-commit-'));
  const store = await openStore(`sqlite:${join(dir, 'floor.sqlite')}`);
  try {
    const times: number[] = [];
    for (let i = 0; i < (paceMs ? 110 : 300); i++) {
      if (paceMs) await sleep(paceMs);
      const t = process.hrtime.bigint();
      await store.transaction((tx) => tx.recordInbox(`floor-${i}`, 'bench', new Date()));
      if (i >= 50) times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    return percentile(times, 50);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The floor of one signed hop, measured in this run: a signature, its verification, one SOAP
 * round trip (the node-soap echo) and two commits (the receiver takes the item, the sender marks it
 * sent). Nothing a signed, durable hop does can cost less.
 */
export async function hopFloor(echoP50: number, options: { paceMs?: number } = {}): Promise<{ floor: number; referenceFloor: number; sign: number; verify: number; commit: number }> {
  const pace = options.paceMs ?? 0;
  const signing = await benchSigning({ paceMs: pace });
  const commit = await commitMs(pace);
  const floor = signing.signMs + signing.verifyMs + echoP50 + 2 * commit;
  const how = pace ? `, each part after ${pace} ms idle as the idle cases meet them` : ', hot loops';
  console.log(`floor of one signed hop (same run${how}): sign ${signing.signMs.toFixed(2)} + verify ${signing.verifyMs.toFixed(2)} + echo ${echoP50.toFixed(2)} + 2 × commit ${commit.toFixed(2)} = ${floor.toFixed(2)} ms`);
  // The floor as issue 16 defines it ("about 8 ms here": sign + verify with xml-crypto, a round
  // trip, two commits): the same parts, the signature's made and checked by the reference library.
  const referenceFloor = signing.referenceSignMs + signing.referenceVerifyMs + echoP50 + 2 * commit;
  console.log(`  the same floor with xml-crypto's sign ${signing.referenceSignMs.toFixed(2)} + verify ${signing.referenceVerifyMs.toFixed(2)} (issue 16's definition) = ${referenceFloor.toFixed(2)} ms`);
  return { floor, referenceFloor, sign: signing.signMs, verify: signing.verifyMs, commit };
}

export interface FederationBench {
  casesPerSecond: number;
  completed: number;
  transfers: number;
  echo: { p50: number; p99: number };
  transfer: { p50: number; p99: number };
}

export async function benchFederation(): Promise<FederationBench> {
  console.log(`bench/federation: hub + market + tax + fire in this process, SQLite files, every transfer signed; ${IN_FLIGHT} cases in flight, ~${seconds} s`);
  const echo = await echoHop();
  console.log(`  node-soap echo hop (one at a time)                  p50 ${echo.p50.toFixed(2)} ms, p99 ${echo.p99.toFixed(2)} ms`);

  const fed = await TransferFederation.open();
  try {
    const market = fed.dept('market');
    // Latency of one transfer, unloaded: the express case's tax hop alone is not separable, so a
    // case of the express flow is timed one at a time and divided by its two sequential hops
    // (hand-overs to tax and fire go out together; their results come back together).
    const lat: number[] = [];
    for (let i = 0; i < 60; i++) {
      const c = await market.engine.startProcess('business_licence_express', { data: { applicantId: `L${i}`, businessName: 'Latency', address: 'x' } });
      const done = await closedCase(market, c.id, 30_000);
      // The engine's own timestamps: the poll interval of the wait above does not count.
      if (i >= 10) lat.push((done.completedAt!.getTime() - done.createdAt.getTime()) / 2);
    }
    lat.sort((a, b) => a - b);
    const transfer = { p50: percentile(lat, 50), p99: percentile(lat, 99) };
    console.log(`  one signed transfer (half an express case's round trip) p50 ${transfer.p50.toFixed(2)} ms, p99 ${transfer.p99.toFixed(2)} ms`);

    // Throughput: keep IN_FLIGHT cases running; count the ones that closed.
    const closedCount = async () => (await market.engine.listInstances({ statePrefix: 'closed.', processId: 'business_licence_express', limit: 1 })).total;
    const base = await closedCount();
    let started = 0;
    let completed = 0;
    const deadline = Date.now() + seconds * 1000;
    const t0 = process.hrtime.bigint();
    while (Date.now() < deadline) {
      while (started - completed < IN_FLIGHT) {
        await market.engine.startProcess('business_licence_express', { data: { applicantId: `T${started}`, businessName: 'Throughput', address: started % 10 === 0 ? 'basement' : 'street' } });
        started++;
      }
      await new Promise((r) => setTimeout(r, 50));
      completed = (await closedCount()) - base;
    }
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    const casesPerSecond = completed / elapsed;
    const sent = await market.engine.outbox({ state: 'sent' });
    const transfers = sent.filter((m) => m.kind === 'transfer').length * 2;
    console.log(`  completed express licence cases: ${completed} in ${elapsed.toFixed(1)} s = ${casesPerSecond.toFixed(1)} cases/s (target >= 100), ${started} started`);
    console.log(`  transfer p50 / echo hop p50: ${(transfer.p50 / echo.p50).toFixed(1)}x (target <= 3x)`);
    return { casesPerSecond, completed, transfers, echo, transfer };
  } finally {
    await fed.close();
  }
}

/** `npm run bench:federation`: the deployment (separate processes) first, then the in-process row. */
async function main(): Promise<void> {
  const only = process.env.BENCH_FEDERATION; // deployment | in-process
  const date = new Date().toISOString().slice(0, 10);
  const rows: string[] = [];
  if (only !== 'in-process') {
    const echo = await echoHop();
    console.log(`node-soap echo hop (one at a time, same run)            p50 ${echo.p50.toFixed(2)} ms, p99 ${echo.p99.toFixed(2)} ms`);
    const { floor, referenceFloor } = await hopFloor(echo.p50);
    // The same parts met as the idle cases meet them: one at a time, after a pause. A hot loop
    // runs on warm caches and a CPU that never slept; an idle hop has neither (bench/RESULTS.md).
    const pacedEcho = await echoHop({ paceMs: IDLE_PACE_MS });
    const { floor: pacedFloor } = await hopFloor(pacedEcho.p50, { paceMs: IDLE_PACE_MS });
    const d = await benchFederationDeployment();
    console.log(`  one hop / floor: ${(d.hop.p50 / referenceFloor).toFixed(2)}× the floor as issue 16 defines it (xml-crypto's sign and verify, hot: ${referenceFloor.toFixed(1)} ms; the issue asks ≤ 3×); with Interflow's own signing as the floor: ${(d.hop.p50 / floor).toFixed(1)}× hot, ${(d.hop.p50 / pacedFloor).toFixed(1)}× paced`);
    rows.push(
      `| ${date} | deployment (federation up, 4 processes; ${process.env.BENCH_CLIENTS ?? 32} clients in a 5th) | ${echo.p50.toFixed(2)} ms | ${d.idleCase.p50.toFixed(0)} / ${d.idleCase.p99.toFixed(0)} ms | ${d.hop.p50.toFixed(1)} ms (${(d.hop.p50 / referenceFloor).toFixed(2)}× the ${referenceFloor.toFixed(1)} ms xml-crypto floor; own signing: ${(d.hop.p50 / floor).toFixed(1)}× the ${floor.toFixed(1)} ms hot floor, ${(d.hop.p50 / pacedFloor).toFixed(1)}× the ${pacedFloor.toFixed(1)} ms paced floor) | ${d.deliverMs.p50.toFixed(1)} / ${d.deliverMs.p99.toFixed(1)} ms | **${d.casesPerSecond.toFixed(1)}** (${d.completed} cases; case p50 ${d.loadCase.p50.toFixed(0)} ms) | ${d.cpuPerCase.toFixed(1)} ms |`,
    );
  }
  if (only !== 'deployment') {
    const f = await benchFederation();
    rows.push(`| ${date} | in one process (${IN_FLIGHT} in flight) | ${f.echo.p50.toFixed(2)} ms | — | ${f.transfer.p50.toFixed(1)} ms (${(f.transfer.p50 / f.echo.p50).toFixed(0)}× echo) | — | ${f.casesPerSecond.toFixed(1)} | — |`);
  }
  console.log(`\nRESULTS.md rows (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
  for (const r of rows) console.log(r);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

/**
 * bench/growth — does the engine slow down as its database fills? The same work is measured on a
 * SQLite file (WAL) preloaded with `BENCH_SMALL` (1,000) and then `BENCH_LARGE` (1,000,000) stored
 * cases, each closed, with two history events, an inbox entry (a taken hand-over) and a sent
 * outbox row — bulk-inserted straight into the tables for speed, after the migrations made them.
 * Measured on each, in the same run: the 5-step automatic process of bench/engine one instance at
 * a time (start → 5 script activities → end, durable); a hand-over taken (inbox insert + new
 * performing instance); a ListProcessInstances page (20 newest of a process and state, with the
 * total). Target: each rate within ±20 % between the two sizes. A first round on the small file
 * warms the JIT up and is not compared.
 *
 * The second half, 3 vs 300 registered departments, is bench/growth-departments.ts.
 *
 *   npm run bench:growth        (both halves; BENCH_GROWTH=cases or departments for one; BENCH_SECONDS per measurement)
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WorkflowEngine, type DefinitionPackage, type ProcessDefinition } from '../src/engine';
import { openStore } from '../src/persistence';
import { recountInstances } from '../src/persistence/instance-counts';
import { interflowDefinition, timed } from './engine';
import { benchGrowthDepartments } from './growth-departments';

const SMALL = Number(process.env.BENCH_SMALL ?? 1_000);
const LARGE = Number(process.env.BENCH_LARGE ?? 1_000_000);

async function preload(file: string, cases: number): Promise<void> {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const instance = db.prepare(
    'INSERT INTO if_instance (id, process_id, version, state, subject, parent_instance_id, parent_activity_instance_id, observer, data, runtime, created_at, updated_at, completed_at, started_by, revision) VALUES (?, ?, 1, ?, NULL, NULL, NULL, NULL, ?, ?, ?, ?, ?, ?, 1)',
  );
  const history = db.prepare('INSERT INTO if_history (instance_id, at, type, activity_id, work_item_id, actor, detail) VALUES (?, ?, ?, NULL, NULL, NULL, NULL)');
  const inbox = db.prepare('INSERT INTO if_inbox (message_id, source, received_at) VALUES (?, ?, ?)');
  const outbox = db.prepare(
    "INSERT INTO if_outbox (id, instance_id, kind, destination, payload, state, attempts, next_attempt_at, created_at, sent_at, last_error, claimed_until) VALUES (?, ?, 'transfer', 'tax', '{}', 'sent', 1, ?, ?, ?, NULL, NULL)",
  );
  const base = Date.now() - cases * 1000;
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = `pre-${String(i).padStart(8, '0')}`;
      const at = new Date(base + i * 1000).toISOString().replace('T', ' ').replace('Z', '');
      instance.run(id, 'five_steps', 'closed.completed', '{"n":5}', '{}', at, at, at, 'bench');
      history.run(id, at, 'instance.created');
      history.run(id, at, 'instance.completed');
      inbox.run(`item-${id}`, 'tax', at);
      outbox.run(`out-${id}`, id, at, at, at);
    }
  });
  for (let i = 0; i < cases; i += 20_000) batch(i, Math.min(cases, i + 20_000));
  // The case counts the store keeps, made as the migration makes them for cases stored before it.
  await recountInstances(async (sql) => db.prepare(sql).run());
  db.close();
}

export interface GrowthRates {
  cases: number;
  steps: number;
  handOvers: number;
  listPages: number;
  /** CPU µs of this process per operation (warm-up included): what the machine's load distorts least. */
  stepsCpuUs: number;
  handOversCpuUs: number;
  listPagesCpuUs: number;
}

/** bench/engine's timed(), with the process's CPU time per call beside the rate. */
async function timedCpu(label: string, runOne: () => Promise<void>): Promise<{ perSecond: number; cpuUs: number }> {
  const cpu0 = process.cpuUsage();
  const r = await timed(label, runOne);
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = (cpu.user + cpu.system) / (r.count + 20);
  console.log(`  ${''.padEnd(44)} CPU ${cpuUs.toFixed(0)} µs per call`);
  return { perSecond: r.perSecond, cpuUs };
}

/** bench/engine's package, plus a process whose automatic step fire performs for market (market's own step comes first). */
function growthPackage(): DefinitionPackage {
  const pkg = interflowDefinition();
  const [five] = pkg.processes;
  const nodes = ['start', 'receive', 'check', 'end'];
  const handed: ProcessDefinition = {
    ...five,
    id: 'handed',
    activities: nodes.map((id) => ({
      id, kind: id === 'start' ? 'start' : id === 'end' ? 'end' : 'automatic', join: 'none', split: 'none', performers: [], fireRule: 'last',
      ...(id === 'receive' ? { department: 'market', application: { id: 'inc', parameters: [] } } : id === 'check' ? { department: 'fire', application: { id: 'inc', parameters: [] } } : {}),
    })) as ProcessDefinition['activities'],
    transitions: nodes.slice(1).map((to, i) => ({ id: `f${i}`, from: nodes[i], to, kind: 'normal' })) as ProcessDefinition['transitions'],
  };
  return { ...pkg, processes: [five, handed] };
}

async function measure(cases: number): Promise<GrowthRates> {
  const dir = mkdtempSync(join(tmpdir(), 'interflow-growth-'));
  const file = join(dir, 'growth.sqlite');
  try {
    let store = await openStore(`sqlite:${file}`);
    let engine = new WorkflowEngine({ store, department: 'fire' });
    await engine.deploy(growthPackage());
    await store.close();
    const t = Date.now();
    await preload(file, cases);
    console.log(`  ${cases.toLocaleString('en')} stored cases preloaded in ${((Date.now() - t) / 1000).toFixed(1)} s (${(statSync(file).size / 1e6).toFixed(0)} MB)`);
    store = await openStore(`sqlite:${file}`);
    engine = new WorkflowEngine({ store, department: 'fire' });
    const steps = await timedCpu(`5-step process, ${cases.toLocaleString('en')} stored`, async () => {
      const inst = await engine.startProcess('five_steps');
      if (inst.state !== 'closed.completed') throw new Error(`ended ${inst.state}`);
    });
    let n = 0;
    const handOvers = await timedCpu(`hand-over taken, ${cases.toLocaleString('en')} stored`, async () => {
      n++;
      const receipt = await engine.acceptHandOver({ itemId: `h-${n}`, sender: 'market', home: 'market', caseId: `case-${n}`, processId: 'handed', version: 1, activityId: 'check', activityInstanceId: `ai-${n}`, data: {} });
      if (!receipt.accepted) throw new Error('hand-over not accepted');
    });
    const listPages = await timedCpu(`ListProcessInstances page, ${cases.toLocaleString('en')} stored`, async () => {
      const page = await engine.listInstances({ processId: 'five_steps', state: 'closed.completed', limit: 20 });
      if (page.items.length !== 20 || page.total < cases) throw new Error(`short page (${page.items.length} of ${page.total})`);
    });
    await store.close();
    return { cases, steps: steps.perSecond, handOvers: handOvers.perSecond, listPages: listPages.perSecond, stepsCpuUs: steps.cpuUs, handOversCpuUs: handOvers.cpuUs, listPagesCpuUs: listPages.cpuUs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchGrowth(): Promise<{ small: GrowthRates; large: GrowthRates }> {
  console.log(`bench/growth: the same work on ${SMALL.toLocaleString('en')} and ${LARGE.toLocaleString('en')} stored cases (SQLite file, WAL)`);
  // The first round warms the JIT and caches up; the comparison is between the two rounds after it.
  await measure(SMALL);
  const small = await measure(SMALL);
  const large = await measure(LARGE);
  for (const k of ['steps', 'handOvers', 'listPages'] as const) {
    const cpu = `${k}CpuUs` as const;
    console.log(`  ${k.padEnd(10)} ${(large[k] / small[k]).toFixed(2)}x the rate, ${(large[cpu] / small[cpu]).toFixed(2)}x the CPU per call at ${LARGE.toLocaleString('en')} vs ${SMALL.toLocaleString('en')} (target 0.8–1.2)`);
  }
  return { small, large };
}

async function main(): Promise<void> {
  const only = process.env.BENCH_GROWTH;
  if (only !== 'departments') await benchGrowth();
  if (only !== 'cases') await benchGrowthDepartments();
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

/**
 * bench/engine — completed instances per second of a 5-activity automatic sequence.
 * Interflow writes every step durably to a SQLite file (WAL); bpmn-engine runs the same 5-step
 * process in memory. Both run one instance at a time, in the same process, in the same run, so the
 * ratio holds on a shared, noisy machine even when the absolute figures move.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowEngine, type DefinitionPackage } from '../src/engine';
import { openStore } from '../src/persistence';

const TASKS = 5;
const seconds = Number(process.env.BENCH_SECONDS ?? 5);

export function interflowDefinition(): DefinitionPackage {
  const ids = Array.from({ length: TASKS }, (_, i) => `task${i + 1}`);
  const nodes = ['start', ...ids, 'end'];
  return {
    id: 'bench',
    warnings: [],
    processes: [{
      id: 'five_steps',
      dataFields: [{ id: 'n', type: 'INTEGER', initialValue: '0' }],
      participants: [],
      applications: [{ id: 'inc', formalParameters: [], script: 'n = n + 1' }],
      activities: nodes.map((id) => ({
        id, kind: id === 'start' ? 'start' : id === 'end' ? 'end' : 'automatic', join: 'none', split: 'none', performers: [], fireRule: 'last',
        ...(id.startsWith('task') ? { application: { id: 'inc', parameters: [] } } : {}),
      })),
      transitions: nodes.slice(1).map((to, i) => ({ id: `f${i}`, from: nodes[i], to, kind: 'normal' })),
    }],
  };
}

const bpmnSource = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" targetNamespace="bench">
  <process id="five_steps" isExecutable="true">
    <startEvent id="start" />
${Array.from({ length: TASKS }, (_, i) => `    <scriptTask id="task${i + 1}" scriptFormat="javascript"><script>environment.output.n = (environment.output.n || 0) + 1; next();</script></scriptTask>`).join('\n')}
    <endEvent id="end" />
${['start', ...Array.from({ length: TASKS }, (_, i) => `task${i + 1}`), 'end'].slice(1).map((to, i, arr) => `    <sequenceFlow id="f${i}" sourceRef="${i === 0 ? 'start' : arr[i - 1]}" targetRef="${to}" />`).join('\n')}
  </process>
</definitions>`;

export async function timed(label: string, runOne: () => Promise<void>): Promise<{ perSecond: number; count: number; cpuMicros: number }> {
  for (let i = 0; i < 20; i++) await runOne(); // warm-up: JIT, caches, prepared statements
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  let count = 0;
  while (process.hrtime.bigint() < deadline) {
    await runOne();
    count++;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  // The process's CPU (every thread: a checkpoint thread's work counts) per instance: on a shared
  // machine the rate follows the load, the CPU an instance costs much less so.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMicros = (cpu.user + cpu.system) / count;
  const perSecond = count / elapsed;
  console.log(`  ${label.padEnd(44)} ${perSecond.toFixed(1).padStart(9)} instances/s  (${count} in ${elapsed.toFixed(2)} s, CPU ${cpuMicros.toFixed(0)} µs each)`);
  return { perSecond, count, cpuMicros };
}

export async function benchEngine(): Promise<{ baseline: number; interflow: number; ratio: number }> {
  console.log(`bench/engine: ${TASKS} automatic activities in sequence, one instance at a time, ~${seconds} s each`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Engine } = require('bpmn-engine');
  let bpmnDone = 0;
  const baseline = await timed('bpmn-engine (in memory)', async () => {
    const engine = new Engine({ name: 'bench', source: bpmnSource });
    const ended = new Promise((resolve, reject) => {
      engine.once('end', resolve);
      engine.once('error', reject);
    });
    const execution = await engine.execute();
    await ended;
    if (execution.environment.output.n !== TASKS) throw new Error(`bpmn-engine ran ${execution.environment.output.n} tasks`);
    bpmnDone++;
  });

  const dir = mkdtempSync(join(tmpdir(), 'interflow-bench-'));
  const file = join(dir, 'bench.sqlite');
  const store = await openStore(`sqlite:${file}`);
  const engine = new WorkflowEngine({ store });
  await engine.deploy(interflowDefinition());
  const interflow = await timed('Interflow (durable SQLite file, WAL)', async () => {
    const inst = await engine.startProcess('five_steps');
    if (inst.state !== 'closed.completed' || inst.data.n !== TASKS) throw new Error(`Interflow instance ended ${inst.state} with n=${inst.data.n}`);
  });
  const counts = await engine.countByState();
  const history = (await engine.listInstances({ limit: 1 })).items[0];
  const events = (await engine.history(history.id)).length;
  await store.close();
  const size = statSync(file).size;
  rmSync(dir, { recursive: true, force: true });
  const ratio = interflow.perSecond / baseline.perSecond;
  console.log(`  durable check: ${counts['closed.completed']} completed instances stored, ${events} audit events each, ${(size / 1e6).toFixed(1)} MB file`);
  console.log(`  ratio Interflow / bpmn-engine: ${ratio.toFixed(1)}x (target >= 50x); by CPU per instance: ${(baseline.cpuMicros / interflow.cpuMicros).toFixed(1)}x`);
  void bpmnDone;
  return { baseline: baseline.perSecond, interflow: interflow.perSecond, ratio };
}

if (require.main === module) {
  benchEngine().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

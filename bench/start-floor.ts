/**
 * The floor under StartProcess (bench/services): what its durable writes alone cost, with no SOAP,
 * no engine and no JavaScript between the statements. The rows are the ones a real StartProcess
 * of the bench's process wrote (read back from the database, copied with new ids), written with
 * prepared statements in groups of eight per transaction, as the group commit does under wrk's
 * eight connections. The SOAP layer's echo plus this is the least a durable StartProcess can cost.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WorkflowEngine, type DefinitionPackage } from '../src/engine';
import { openStore } from '../src/persistence';

/** The bench's process: start → one manual activity (a work item for clerk) → end. */
export function oneManualActivity(): DefinitionPackage {
  const node = (id: string, kind: string) => ({ id, kind, join: 'none', split: 'none', performers: kind === 'manual' ? ['clerk'] : [], fireRule: 'last' });
  return {
    id: 'bench',
    warnings: [],
    processes: [{
      id: 'one_step',
      dataFields: [{ id: 'caseRef', type: 'STRING' }],
      participants: [{ id: 'clerk', type: 'ROLE' }],
      applications: [],
      activities: [node('start', 'start'), node('review', 'manual'), node('end', 'end')],
      transitions: [{ id: 't1', from: 'start', to: 'review', kind: 'normal' }, { id: 't2', from: 'review', to: 'end', kind: 'normal' }],
    }],
  } as unknown as DefinitionPackage;
}

const GROUP = 8;

/** CPU µs per StartProcess's writes alone (user + system of this process). */
export async function startWritesFloorUs(starts = 16_000): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'if-bench-start-floor-'));
  const file = join(dir, 'floor.sqlite');
  try {
    const store = await openStore(`sqlite:${file}`);
    const engine = new WorkflowEngine({ store });
    await engine.deploy(oneManualActivity());
    const started = await engine.startProcess('one_step', { data: { caseRef: 'BP-2026-0042' }, subject: 'bench' });
    await store.close();

    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const instance = db.prepare('SELECT * FROM if_instance WHERE id = ?').get(started.id) as Record<string, unknown>;
    const history = db.prepare('SELECT * FROM if_history WHERE instance_id = ? ORDER BY id').all(started.id) as Array<Record<string, unknown>>;
    const item = db.prepare('SELECT * FROM if_work_item WHERE instance_id = ?').get(started.id) as Record<string, unknown>;
    for (const row of history) delete row.id; // the store assigns it
    const insert = (table: string, row: Record<string, unknown>, rows = 1) => {
      const cols = Object.keys(row);
      const tuple = `(${cols.map(() => '?').join(', ')})`;
      return db.prepare(`INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}`);
    };
    const insInstance = insert('if_instance', instance);
    const insHistory = insert('if_history', history[0], history.length);
    const insItem = insert('if_work_item', item);
    const count = db.prepare('INSERT INTO if_instance_count (process_id, state, slot, n) VALUES (?, ?, ?, 1) ON CONFLICT (process_id, state, slot) DO UPDATE SET n = n + excluded.n');
    const begin = db.prepare('BEGIN IMMEDIATE');
    const commit = db.prepare('COMMIT');
    const one = (n: number) => {
      const id = `${String(n).padStart(12, '0')}-${started.id.slice(13)}`;
      insInstance.run(...Object.values({ ...instance, id }));
      insHistory.run(...history.flatMap((h) => Object.values({ ...h, instance_id: id })));
      insItem.run(...Object.values({ ...item, id: `${id}-w`, instance_id: id, activity_instance_id: `${id}/a` }));
      count.run(instance.process_id, instance.state, n % 16); // the store spreads counts over slots by a hash of the id
    };
    const run = (from: number, to: number) => {
      for (let n = from; n < to; n += GROUP) {
        begin.run();
        for (let k = n; k < n + GROUP; k++) one(k);
        commit.run();
      }
    };
    run(0, 2_000); // warm-up: statements prepared, pages cached
    const before = process.cpuUsage();
    run(2_000, 2_000 + starts);
    const used = process.cpuUsage(before);
    db.close();
    return (used.user + used.system) / starts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  startWritesFloorUs().then((us) => console.log(`StartProcess's durable writes alone: ${us.toFixed(0)} µs CPU each`), (e) => {
    console.error(e);
    process.exit(1);
  });
}

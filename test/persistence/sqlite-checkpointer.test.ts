import { expect } from 'chai';
import Database from 'better-sqlite3';
import { openStore, type TypeormStore } from '../../src/persistence';
import { freshSqlitePath } from '../support/test-store';
import { waitFor } from '../support/wait-for';

/**
 * WAL checkpoints run in a worker thread (src/persistence/sqlite-checkpointer.ts): a checkpoint
 * inside a COMMIT stalled the whole event loop for 40–100 ms under load (bench/RESULTS.md).
 */
describe('SQLite WAL checkpoints in their own thread', () => {
  const stores: TypeormStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  async function storeAt(path: string, afterCommits: number): Promise<TypeormStore> {
    const store = await openStore(`sqlite:${path}`, { checkpoints: { afterCommits, intervalMs: 20 } });
    stores.push(store);
    return store;
  }

  const commit = (store: TypeormStore, n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => store.transaction((tx) => tx.recordInbox(`m-${Math.random()}-${i}`, 'test', new Date()))));

  it('a short-lived store never starts the thread and keeps SQLite\'s own threshold', async () => {
    const store = await storeAt(freshSqlitePath(), 1_000);
    await commit(store, 5);
    expect(store.checkpointer).to.equal(undefined);
    // The threshold is per connection: read it from the writer's own.
    const writer = (store.dataSource.driver as unknown as { databaseConnection: Database.Database }).databaseConnection;
    expect(writer.pragma('wal_autocheckpoint', { simple: true })).to.equal(1000);
  });

  it('after enough commits the thread checkpoints everything committed, and the writer keeps only a backstop', async () => {
    const path = freshSqlitePath();
    const store = await storeAt(path, 3);
    // Sequential commits: each group is one transaction, so the third starts the thread.
    for (let i = 0; i < 4; i++) await commit(store, 1);
    expect(store.checkpointer, 'the checkpoint thread').to.not.equal(undefined);
    const writer = (store.dataSource.driver as unknown as { databaseConnection: Database.Database }).databaseConnection;
    expect(writer.pragma('wal_autocheckpoint', { simple: true })).to.equal(10_000);
    await commit(store, 20);
    const before = store.checkpointer!.checkpoints;
    await waitFor(() => store.checkpointer!.checkpoints >= before + 2, 'two more checkpoints by the thread');
    // Every frame of the WAL has been copied back: a checkpoint from outside finds nothing left.
    const probe = new Database(path);
    try {
      const [r] = probe.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
      expect(r.log).to.equal(r.checkpointed);
    } finally {
      probe.close();
    }
    expect(store.checkpointer!.lastError).to.equal(undefined);
    const rows = await store.read(async (tx) => (tx as unknown as { entityManager(): { query(sql: string): Promise<Array<{ n: number }>> } }).entityManager().query('SELECT COUNT(*) AS n FROM if_inbox'));
    expect(Number(rows[0].n)).to.equal(24);
  });

  it('should the thread die, the writer checkpoints by itself again', async () => {
    const store = await storeAt(freshSqlitePath(), 1);
    await commit(store, 1);
    const writer = (store.dataSource.driver as unknown as { databaseConnection: Database.Database }).databaseConnection;
    expect(writer.pragma('wal_autocheckpoint', { simple: true })).to.equal(10_000);
    await (store.checkpointer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await waitFor(() => writer.pragma('wal_autocheckpoint', { simple: true }) === 1000, 'the writer\'s own threshold back');
  });

  it('closing the store stops the thread', async () => {
    const store = await storeAt(freshSqlitePath(), 1);
    await commit(store, 1);
    const worker = (store.checkpointer as unknown as { worker: { threadId: number; once(e: string, f: () => void): void } }).worker;
    const exited = new Promise<void>((r) => worker.once('exit', r));
    stores.splice(stores.indexOf(store), 1);
    await store.close();
    await exited;
  });
});

describe('regression: closing a store with a checkpoint thread let the process exit mid-await', () => {
  it('code after store.close() still runs in a process with nothing else to do', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `
      const { openStore } = require('./src/persistence');
      const { freshSqlitePath } = require('./test/support/test-store');
      (async () => {
        const store = await openStore('sqlite:' + freshSqlitePath(), { checkpoints: { afterCommits: 1, intervalMs: 20 } });
        await store.transaction((tx) => tx.recordInbox('m', 'test', new Date()));
        await store.close();
        console.log('after close');
      })();`;
    const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).to.equal('');
    expect(r.stdout.trim()).to.equal('after close');
  });
});

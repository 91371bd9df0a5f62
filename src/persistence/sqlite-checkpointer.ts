import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints of a SQLite file, in a worker thread of their own.
 *
 * Why: SQLite checkpoints automatically inside whichever COMMIT takes the WAL past
 * wal_autocheckpoint pages, and a checkpoint at synchronous=NORMAL is two fsyncs plus copying the
 * pages back into the database file. better-sqlite3 is synchronous, so that COMMIT stalled the
 * whole event loop: under load a department's commits had a p50 of 0.07–0.25 ms and a maximum of
 * 40–100 ms, and every request in the process waited behind them. Here a second connection runs
 * PASSIVE checkpoints on a timer in another thread (PASSIVE never waits for, nor blocks, the
 * writer or readers); the writer keeps a high wal_autocheckpoint only as a backstop should this
 * thread fall behind or die.
 *
 * Durability is unchanged in kind: commits are durable against a crash of the process at once,
 * and against a power loss once a checkpoint has synced them (now within `intervalMs`, before
 * within wal_autocheckpoint pages).
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private stopped?: Promise<void>;
  private exited = false;
  /** The last failure the worker reported, for diagnostics; checkpoints go on regardless. */
  lastError?: string;
  /** Checkpoints run so far (counted by the worker, reported after each). */
  checkpoints = 0;

  constructor(path: string, intervalMs: number, onExit: () => void = () => undefined) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: require.resolve('better-sqlite3'), path, intervalMs },
    });
    this.worker.on('message', (m: { error?: string; done?: number }) => {
      if (m.error) this.lastError = m.error;
      if (m.done !== undefined) this.checkpoints = m.done;
    });
    this.worker.on('error', (e) => (this.lastError = e.message));
    this.worker.on('exit', () => {
      this.exited = true;
      if (!this.stopped) onExit();
    });
    // A checkpointer never keeps the process alive on its own.
    this.worker.unref();
  }

  /** Stops the timer and closes the worker's connection (before the writer closes the file). */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      this.worker.once('exit', () => resolve());
      // Whoever awaits the stop keeps the process alive until the thread is gone.
      this.worker.ref();
      this.worker.postMessage('stop');
      // A worker stuck in a checkpoint still ends: terminate() after a grace period.
      setTimeout(() => void this.worker.terminate(), 2_000).unref();
    });
    return this.stopped;
  }
}

/** WAL pages at which the writer checkpoints by itself anyway (~40 MB at 4 KiB pages). */
export const WAL_BACKSTOP_PAGES = 10_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
let done = 0;
const tick = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ done: ++done });
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.message) || e) });
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  try { db.close(); } catch {}
  parentPort.close();
});
`;

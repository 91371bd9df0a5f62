import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { ConcurrencyError, type Store, type StoreTx } from '../engine';
import { AsyncMutex } from './async-mutex';
import type { DatabaseConfig } from './database-url';
import { TypeormStoreTx, type Dialect } from './typeorm-store-tx';
import { SqliteStatements } from './sqlite-statements';
import { SqliteCheckpointer, WAL_BACKSTOP_PAGES } from './sqlite-checkpointer';

export interface TypeormStoreOptions {
  /**
   * SQLite: a second connection to the same file for `read()`. Without it (`:memory:`), reads go
   * through the writer connection and wait for the running transaction, so they still never see
   * uncommitted work.
   */
  reader?: DataSource;
  config?: DatabaseConfig;
  /**
   * SQLite files: WAL checkpoints in a worker thread (SqliteCheckpointer), started once this many
   * transactions have committed (a short-lived store never starts one), every `intervalMs`.
   */
  checkpoints?: { afterCommits: number; intervalMs: number };
}

/**
 * One mutex per SQLite file for the whole process, shared by every store opened on that file:
 * two stores in one process would otherwise meet in SQLite's busy handler, which better-sqlite3
 * runs synchronously, stalling the event loop, and with it the transaction that holds the lock,
 * for the full busy_timeout.
 */
const fileMutexes = new Map<string, AsyncMutex>();

function mutexFor(config: DatabaseConfig | undefined, dataSource: DataSource): AsyncMutex {
  const file = config?.kind === 'sqlite' ? config.path : String(dataSource.options.database);
  if (file === ':memory:') return new AsyncMutex();
  let mutex = fileMutexes.get(file);
  if (!mutex) {
    mutex = new AsyncMutex();
    fileMutexes.set(file, mutex);
  }
  return mutex;
}

export class TypeormStore implements Store {
  readonly kind: Dialect;
  private readonly reader?: DataSource;
  private readonly writeMutex?: AsyncMutex;
  /**
   * Marks async work started inside one of this store's transactions, to catch nesting. The flag
   * is switched off when the transaction ends, because callbacks scheduled from inside it (timers,
   * fire-and-forget promises) inherit the context and may legitimately open a transaction later.
   */
  private readonly transactionContext = new AsyncLocalStorage<{ active: boolean }>();
  private closed = false;
  private checkpointPlan?: { path: string; afterCommits: number; intervalMs: number };
  private commits = 0;
  /** The checkpoint thread, once started; exposed for diagnostics and tests. */
  checkpointer?: SqliteCheckpointer;
  /**
   * SQLite: the latest version of each process as the writer last read it. Every started case
   * asked the database (SELECT MAX(version)); a deploy through this connection updates the entry
   * itself, and a deploy through any other (another replica on the file, another store in this
   * process) changes the file's data_version, which each group checks once it holds the write lock.
   */
  private readonly latestVersions = new Map<string, number>();
  private dataVersion?: number;

  constructor(
    readonly dataSource: DataSource,
    options: TypeormStoreOptions = {},
  ) {
    const type = dataSource.options.type;
    if (type === 'better-sqlite3') this.kind = 'sqlite';
    else if (type === 'mysql' || type === 'mariadb') this.kind = 'mysql';
    else throw new Error(`TypeormStore supports better-sqlite3, mysql and mariadb data sources, not ${type}`);
    this.reader = options.reader;
    if (this.kind === 'sqlite') this.writeMutex = mutexFor(options.config, dataSource);
    if (this.kind === 'sqlite' && options.config?.kind === 'sqlite' && options.config.path !== ':memory:' && options.checkpoints) {
      this.checkpointPlan = { path: options.config.path, ...options.checkpoints };
    }
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.insideTransaction()) {
      // On SQLite this would wait forever for our own mutex; on MySQL it would silently commit
      // separately from the outer transaction. Either way the caller meant to pass its tx down.
      throw new Error('Store.transaction() called inside a transaction of the same store; use the outer StoreTx');
    }
    const context = { active: true };
    try {
      return await this.transactionContext.run(context, () =>
        this.kind === 'sqlite' ? this.sqliteTransaction(fn, context) : this.mysqlTransaction(fn),
      );
    } catch (error) {
      throw asConcurrencyError(error) ?? error;
    } finally {
      context.active = false;
    }
  }

  /**
   * Runs `fn` with an entity manager inside one of this store's write transactions. SQLite has one
   * writer connection: anything that writes to it must queue here, not open a transaction of its own.
   */
  managed<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.transaction((tx) => fn((tx as TypeormStoreTx).entityManager()));
  }

  async read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.kind === 'mysql') {
      // One pooled connection for the whole read instead of one per statement; autocommit, so
      // every statement sees what was committed when it ran.
      const queryRunner = this.dataSource.createQueryRunner('slave');
      try {
        return await this.withTx(queryRunner, 'read', fn);
      } finally {
        await queryRunner.release();
      }
    }
    if (this.reader) return this.withTx(this.reader.createQueryRunner(), 'read', fn);
    // :memory: has a single connection. From inside one of our transactions, waiting for the
    // mutex would deadlock, so the read shares the connection and sees the transaction's own work
    // (unlike file databases and MySQL); anywhere else it waits, so as not to see half-done work.
    if (this.insideTransaction()) return this.withTx(this.dataSource.createQueryRunner(), 'read', fn);
    return this.writeMutex!.runExclusive(() => this.withTx(this.dataSource.createQueryRunner(), 'read', fn));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let a running SQLite transaction finish rather than pull the connection from under it.
    const release = this.writeMutex ? await this.writeMutex.acquire() : undefined;
    try {
      await this.checkpointer?.stop();
      if (this.reader?.isInitialized) await this.reader.destroy();
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
    } finally {
      release?.();
    }
  }

  /**
   * Group commit. A SQLite commit costs far more than the small transactions the engine runs (it
   * writes the WAL), so transactions that arrive while another is running are queued and then run
   * one after another inside one BEGIN IMMEDIATE … COMMIT, each in a SAVEPOINT of its own: a failing
   * one rolls back only itself. Nobody is answered before the shared COMMIT, so an acknowledged
   * transaction is as durable as one committed alone, and they still run strictly one at a time
   * (each sees the work of those before it, as serial transactions would).
   */
  private sqliteTransaction<T>(fn: (tx: StoreTx) => Promise<T>, context: { active: boolean }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ fn: fn as (tx: StoreTx) => Promise<unknown>, context, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        void this.drainQueue();
      }
    });
  }

  private readonly queued: QueuedTransaction[] = [];
  private draining = false;

  private async drainQueue(): Promise<void> {
    // better-sqlite3 runs statements synchronously, so a transaction never yields to I/O: without
    // this one turn of the event loop, requests already waiting on their sockets would never get
    // the chance to join the group, and every transaction would commit alone.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const release = await this.writeMutex!.acquire();
    try {
      while (this.queued.length) await this.runGroup(this.queued.splice(0, MAX_GROUP_SIZE));
    } finally {
      this.draining = false;
      release();
    }
  }

  private async runGroup(group: QueuedTransaction[]): Promise<void> {
    // better-sqlite3 has one connection and TypeORM one query runner for it. TypeORM's own
    // startTransaction() issues a deferred BEGIN, which takes the write lock only at the first
    // write; two processes that both read first would then deadlock on the upgrade and one gets
    // SQLITE_BUSY at once, without the busy handler. BEGIN IMMEDIATE takes the write lock up
    // front (waiting up to busy_timeout).
    const queryRunner = this.dataSource.createQueryRunner();
    // Transaction control straight on the connection: four of these per group otherwise went
    // through TypeORM's query() (logging hooks, broadcaster, a few awaits) for nothing.
    const sql = new SqliteStatements(queryRunner.manager);
    const exec = async (statement: string): Promise<void> => void sql.run(statement);
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await exec('BEGIN IMMEDIATE');
    } catch (error) {
      for (const job of group) job.reject(error);
      return;
    }
    // Holding the write lock, nobody else can commit until we do: a data_version unchanged since
    // our last look means no other connection has written, so what we cached still holds.
    const dataVersion = sql.get<{ data_version: number }>('PRAGMA data_version')?.data_version;
    if (dataVersion !== this.dataVersion) {
      this.latestVersions.clear();
      this.dataVersion = dataVersion;
    }
    const alone = group.length === 1;
    for (const job of group) {
      try {
        if (!alone) await exec('SAVEPOINT if_job');
        const value = await this.transactionContext.run(job.context, () => this.withTx(queryRunner, 'write', job.fn));
        if (!alone) await exec('RELEASE if_job');
        outcomes.push({ ok: true, value });
      } catch (error) {
        outcomes.push({ ok: false, error });
        // What the failed job read may be rolled back with it (a version it deployed, say).
        this.latestVersions.clear();
        const undone = alone ? false : await exec('ROLLBACK TO if_job').then(() => exec('RELEASE if_job')).then(() => true, () => false);
        if (!undone) {
          // The whole transaction is gone (a lone job, or SQLite rolled back by itself): nothing
          // of this group was committed, so everyone hears of a failure.
          await rollbackSqlite(queryRunner);
          group.forEach((j, i) => j.reject(outcomes[i] && !outcomes[i].ok ? (outcomes[i] as { error: unknown }).error : error));
          return;
        }
      }
    }
    try {
      await exec('COMMIT');
    } catch (error) {
      this.latestVersions.clear();
      await rollbackSqlite(queryRunner);
      for (const job of group) job.reject(error);
      return;
    }
    this.afterCommit(sql);
    group.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  private mysqlTransaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return mysqlTransaction(this.dataSource, (queryRunner) => this.withTx(queryRunner, 'write', fn));
  }

  private afterCommit(sql: SqliteStatements): void {
    const plan = this.checkpointPlan;
    if (!plan || this.checkpointer || ++this.commits < plan.afterCommits) return;
    // From here the writer leaves checkpoints to the thread, keeping its own only as a backstop;
    // should the thread die, the writer's usual threshold comes back.
    this.checkpointer = new SqliteCheckpointer(plan.path, plan.intervalMs, () => {
      if (!this.closed) sql.pragma(`wal_autocheckpoint = ${DEFAULT_WAL_AUTOCHECKPOINT}`);
    });
    sql.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP_PAGES}`);
  }

  private async withTx<T>(queryRunner: QueryRunner, mode: 'write' | 'read', fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    // Only the writer's transactions share the version cache: runGroup keeps it valid for them.
    const tx = new TypeormStoreTx(queryRunner.manager, this.kind, mode, this.kind === 'sqlite' && mode === 'write' ? this.latestVersions : undefined);
    try {
      return await fn(tx);
    } finally {
      tx.close();
    }
  }

  private insideTransaction(): boolean {
    return this.transactionContext.getStore()?.active === true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The store has been closed');
  }
}

/**
 * One MySQL/MariaDB transaction on a pooled connection of its own, committed when `fn` resolves and
 * rolled back when it throws. READ COMMITTED: rows are locked explicitly where it matters
 * (lockInstance, the registry's entries), so the stronger default buys nothing and would add gap
 * locks that make concurrent inserts wait.
 */
export async function mysqlTransaction<T>(dataSource: DataSource, fn: (queryRunner: QueryRunner) => Promise<T>): Promise<T> {
  const queryRunner = dataSource.createQueryRunner('master');
  try {
    await queryRunner.startTransaction('READ COMMITTED');
    try {
      const result = await fn(queryRunner);
      await queryRunner.commitTransaction();
      return result;
    } catch (error) {
      if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  } finally {
    await queryRunner.release();
  }
}

/** SQLite's own default threshold, in WAL pages. */
const DEFAULT_WAL_AUTOCHECKPOINT = 1000;

/** Enough to amortise the commit; small enough that one group never holds the file for long. */
const MAX_GROUP_SIZE = 32;

interface QueuedTransaction {
  fn: (tx: StoreTx) => Promise<unknown>;
  context: { active: boolean };
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

async function rollbackSqlite(queryRunner: QueryRunner): Promise<void> {
  // SQLite rolls back by itself on some errors (SQLITE_FULL, SQLITE_IOERR...); a second ROLLBACK
  // would then fail and hide the original error.
  const connection = (await queryRunner.connect()) as { inTransaction?: boolean };
  if (connection.inTransaction === false) return;
  await queryRunner.query('ROLLBACK').catch(() => undefined);
}

/**
 * Lock conflicts the database resolved by aborting our statement or transaction: retrying the
 * whole transaction is the remedy, exactly as for a stale revision, so callers get one error type.
 */
function asConcurrencyError(error: unknown): ConcurrencyError | undefined {
  if (error instanceof ConcurrencyError) return undefined;
  const e = error as { code?: unknown; errno?: unknown; driverError?: { code?: unknown; errno?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  const errno = e?.driverError?.errno ?? e?.errno;
  let reason: string | undefined;
  if (code === 'ER_LOCK_DEADLOCK' || errno === 1213) reason = 'deadlock detected; the transaction was rolled back';
  else if (code === 'ER_LOCK_WAIT_TIMEOUT' || errno === 1205) reason = 'lock wait timeout';
  else if (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT') reason = 'database file is locked by another process';
  if (!reason) return undefined;
  const converted = new ConcurrencyError(`Transaction aborted by a concurrent writer: ${reason}`);
  Object.defineProperty(converted, 'cause', { value: error, enumerable: false, configurable: true, writable: true });
  return converted;
}

import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type BetterSqlite3 from 'better-sqlite3';
import { ENTITIES } from './entities';
import { InitialSchema1732190000000 } from './migrations/1732190000000-initial-schema';
import { UddiRegistry1795290000000 } from './migrations/1795290000000-uddi-registry';
import { MessageLog1795300000000 } from './migrations/1795300000000-message-log';
import { UddiPublisherDepartment1795305000000 } from './migrations/1795305000000-uddi-publisher-department';
import { Trust1795310000000 } from './migrations/1795310000000-trust';
import { TimerClaim1795320000000 } from './migrations/1795320000000-timer-claim';
import { InstanceHomeClientKey1795334000001 } from './migrations/1795334000001-instance-home-client-key';
import { OutboxWorker1795336000001 } from './migrations/1795336000001-outbox-worker';
import { SharedState1795337000001 } from './migrations/1795337000001-shared-state';
import { BindingCache1795337000002 } from './migrations/1795337000002-binding-cache';
import { InstanceListIndexes1795338000001 } from './migrations/1795338000001-instance-list-indexes';
import { SparseInstanceIndexes1795339000001 } from './migrations/1795339000001-sparse-instance-indexes';
import { InstanceCounts1795339000002 } from './migrations/1795339000002-instance-counts';
import { HandOverActivityKeys1795340000001 } from './migrations/1795340000001-hand-over-activity-keys';
import { ExactKeys1795341000001 } from './migrations/1795341000001-exact-keys';
import {
  DEFAULT_DATABASE_URL,
  parseDatabaseUrl,
  type DatabaseConfig,
  type MysqlDatabaseConfig,
  type SqliteDatabaseConfig,
} from './database-url';
import { MIGRATIONS_TABLE } from './schema-types';
import { TypeormStore } from './typeorm-store';

/**
 * Listed explicitly rather than globbed from the migrations directory, so they load the same way
 * under tsx, ts-node and compiled JavaScript.
 */
export const MIGRATIONS = [InitialSchema1732190000000, UddiRegistry1795290000000, MessageLog1795300000000, UddiPublisherDepartment1795305000000, Trust1795310000000, TimerClaim1795320000000, InstanceHomeClientKey1795334000001, OutboxWorker1795336000001, SharedState1795337000001, BindingCache1795337000002, InstanceListIndexes1795338000001, SparseInstanceIndexes1795339000001, InstanceCounts1795339000002, HandOverActivityKeys1795340000001, ExactKeys1795341000001];

export const DEFAULT_POOL_SIZE = 10;
const SQLITE_BUSY_TIMEOUT_MS = 5000;

export interface CreateDataSourceOptions {
  /** Accept `:memory:` (tests only). */
  allowMemory?: boolean;
  /**
   * SQLite only. 'reader' opens a second connection that refuses writes (query_only), so reads
   * outside transactions see committed data only instead of whatever the writer connection has
   * half-done. MySQL ignores it: its pool already gives each caller its own connection.
   */
  role?: 'writer' | 'reader';
  /** MySQL/MariaDB connection pool size (INTERFLOW_DB_POOL, parsed by src/app); default DEFAULT_POOL_SIZE. */
  poolSize?: number;
}

export interface OpenStoreOptions extends Omit<CreateDataSourceOptions, 'role'> {
  /** Run pending migrations before returning (default true). */
  migrate?: boolean;
  /** SQLite files: when WAL checkpoints move to their own thread, and how often they run. */
  checkpoints?: { afterCommits: number; intervalMs: number };
}

/** A store that has committed 100 transactions is a server's; checkpoints twice a second. */
const DEFAULT_CHECKPOINTS = { afterCommits: 100, intervalMs: 500 };

function resolveConfig(url: string | DatabaseConfig | undefined, options: CreateDataSourceOptions): DatabaseConfig {
  if (typeof url === 'object') return url;
  return parseDatabaseUrl(url ?? DEFAULT_DATABASE_URL, { allowMemory: options.allowMemory });
}

/** Builds (does not initialise) a DataSource. `synchronize` is off: the migrations own the schema. */
export function createDataSource(url?: string | DatabaseConfig, options: CreateDataSourceOptions = {}): DataSource {
  const config = resolveConfig(url, options);
  return new DataSource(
    config.kind === 'sqlite'
      ? sqliteOptions(config, options.role ?? 'writer')
      : mysqlOptions(config, options.poolSize ?? DEFAULT_POOL_SIZE),
  );
}

const common = {
  entities: ENTITIES,
  migrations: MIGRATIONS,
  migrationsTableName: MIGRATIONS_TABLE,
  synchronize: false,
  migrationsRun: false,
  logging: false,
} as const;

/**
 * The database holds cases, credentials' hashes and messages: its folder is made 0700 when we
 * create it, and the file 0600 (created so before SQLite opens it; an existing one is tightened).
 * SQLite gives the -wal and -shm files the mode of the database file; they are tightened as well.
 */
export function protectSqliteFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, 0o600);
    } catch {
      // not there (yet), or not ours to change: SQLite creates -wal/-shm with the file's mode
    }
  }
}

function sqliteOptions(config: SqliteDatabaseConfig, role: 'writer' | 'reader'): DataSourceOptions {
  if (config.path !== ':memory:' && role === 'writer') protectSqliteFile(config.path);
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.path,
    timeout: SQLITE_BUSY_TIMEOUT_MS,
    prepareDatabase: (db: BetterSqlite3.Database) => {
      if (role === 'writer') {
        // WAL lets readers (this process's reader connection, other processes) run while one
        // writer commits; the mode is persistent in the file, so only the writer needs to set it.
        db.pragma('journal_mode = WAL');
        // In WAL mode NORMAL only risks the last commits on power loss, never corruption, and
        // saves an fsync per transaction: it is what makes ~1,000 small transactions/s possible.
        db.pragma('synchronous = NORMAL');
        if (config.path !== ':memory:') protectSqliteFile(config.path);
      } else {
        db.pragma('query_only = ON');
      }
      db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      db.pragma('foreign_keys = ON');
    },
  };
}

function mysqlOptions(config: MysqlDatabaseConfig, poolSize: number): DataSourceOptions {
  return {
    ...common,
    type: config.flavor,
    host: config.host,
    port: config.port,
    username: config.user,
    password: config.password,
    database: config.database,
    poolSize,
    charset: 'utf8mb4',
    // DATETIME carries no zone: writing and reading in UTC keeps Dates exact whatever the server's zone.
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
    // COUNT(*) and BIGINT ids come back as numbers while they fit in a double.
    bigNumberStrings: false,
  };
}

export function poolSizeFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.INTERFLOW_DB_POOL?.trim();
  if (!raw) return DEFAULT_POOL_SIZE;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > 1000) {
    throw new Error(`INTERFLOW_DB_POOL must be an integer between 1 and 1000, got "${raw}"`);
  }
  return size;
}

/**
 * Runs pending migrations so that several processes starting at once cannot apply the same one
 * twice: SQLite holds the file's write lock (BEGIN IMMEDIATE) across all of them, which also makes
 * the whole batch atomic; MySQL holds a named server lock (its DDL commits implicitly, so no
 * transaction could cover it anyway). Returns the names of the migrations applied.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const type = dataSource.options.type;
  if (type === 'better-sqlite3') {
    // The better-sqlite3 driver has a single connection and query runner, which the migration
    // executor will use too, so the transaction opened here is the one the migrations run in.
    const queryRunner = dataSource.createQueryRunner();
    await queryRunner.query('BEGIN IMMEDIATE');
    try {
      const applied = await dataSource.runMigrations({ transaction: 'none' });
      await queryRunner.query('COMMIT');
      return applied.map((m) => m.name);
    } catch (error) {
      await queryRunner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  if (type === 'mysql' || type === 'mariadb') {
    const lockName = `interflow_migrate_${String(dataSource.options.database)}`.slice(0, 64);
    const queryRunner = dataSource.createQueryRunner();
    try {
      const [row] = (await queryRunner.query('SELECT GET_LOCK(?, 120) AS got', [lockName])) as Array<{ got: number | null }>;
      if (Number(row?.got) !== 1) throw new Error('Timed out waiting for another process to finish migrating the database');
      try {
        const applied = await dataSource.runMigrations({ transaction: 'each' });
        return applied.map((m) => m.name);
      } finally {
        await queryRunner.query('SELECT RELEASE_LOCK(?)', [lockName]);
      }
    } finally {
      await queryRunner.release();
    }
  }
  const applied = await dataSource.runMigrations();
  return applied.map((m) => m.name);
}

/**
 * Opens the store: initialises the data source(s), applies pending migrations unless told not
 * to, and on SQLite (file databases) opens the separate reader connection used by `read()`.
 */
export async function openStore(url?: string | DatabaseConfig, options: OpenStoreOptions = {}): Promise<TypeormStore> {
  const config = resolveConfig(url, options);
  const writer = createDataSource(config, { ...options, role: 'writer' });
  await writer.initialize();
  let reader: DataSource | undefined;
  try {
    if (options.migrate ?? true) await runMigrations(writer);
    if (config.kind === 'sqlite' && config.path !== ':memory:') {
      reader = createDataSource(config, { ...options, role: 'reader' });
      await reader.initialize();
    }
  } catch (error) {
    await writer.destroy().catch(() => undefined);
    throw error;
  }
  return new TypeormStore(writer, { reader, config, checkpoints: options.checkpoints ?? DEFAULT_CHECKPOINTS });
}

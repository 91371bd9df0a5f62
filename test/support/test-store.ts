import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Store } from '../../src/engine/ports/store';
import { createDataSource, openStore, type TypeormStore } from '../../src/persistence';
import { parseDatabaseUrl, type DatabaseConfig } from '../../src/persistence/database-url';

/**
 * Stores for tests. INTERFLOW_TEST_DB selects the database (`npm run test:mysql` sets a mysql:// URL naming a database of the run's own);
 * without it every store gets a fresh SQLite file under the OS temp directory.
 */

export function testDatabaseKind(): 'sqlite' | 'mysql' {
  const url = process.env.INTERFLOW_TEST_DB?.trim();
  return url && parseDatabaseUrl(url, { allowMemory: true }).kind === 'mysql' ? 'mysql' : 'sqlite';
}

let tempDir: string | undefined;
let counter = 0;

/** A new, empty SQLite file path (the directory is removed when the process exits). */
export function freshSqlitePath(): string {
  if (!tempDir) {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'interflow-test-'));
    const dir = tempDir;
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  counter += 1;
  return path.join(tempDir, `store-${process.pid}-${counter}.sqlite`);
}

/**
 * The database a test suite should use: the MySQL one from INTERFLOW_TEST_DB, or a fresh SQLite
 * file. Several stores opened on the returned config share one database.
 */
export function testDatabaseConfig(): DatabaseConfig {
  const url = process.env.INTERFLOW_TEST_DB?.trim();
  if (url) return parseDatabaseUrl(url, { allowMemory: true });
  return { kind: 'sqlite', path: freshSqlitePath() };
}

/** Drops every Interflow table (if_%, including if_migrations) so migrations start from nothing. */
export async function resetMysqlDatabase(config: DatabaseConfig): Promise<void> {
  if (config.kind !== 'mysql') return;
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  try {
    const tables = (await dataSource.query(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND (table_name LIKE 'if\\_%' OR table_name = 'migrations')`,
    )) as Array<{ name: string }>;
    for (const { name } of tables) await dataSource.query(`DROP TABLE IF EXISTS \`${name.replace(/`/g, '``')}\``);
  } finally {
    await dataSource.destroy();
  }
}

/** A clean store with every migration applied. */
export async function createTestStore(): Promise<Store> {
  return createTypeormTestStore();
}

export async function createTypeormTestStore(config: DatabaseConfig = testDatabaseConfig()): Promise<TypeormStore> {
  await resetMysqlDatabase(config);
  return openStore(config, { migrate: true, allowMemory: true });
}

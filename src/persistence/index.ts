export { openStore, createDataSource, runMigrations, poolSizeFromEnv, MIGRATIONS, type OpenStoreOptions, type CreateDataSourceOptions } from './data-source';
export { TypeormStore } from './typeorm-store';
export { TypeormStoreTx } from './typeorm-store-tx';
export {
  parseDatabaseUrl,
  redactDatabaseUrl,
  databaseUrlFromEnv,
  describeDatabase,
  DatabaseUrlError,
  DEFAULT_DATABASE_URL,
  withDatabasePasswordFile,
  type DatabaseConfig,
} from './database-url';
// The registry's repository port (src/registry) on the engine's database.
export { openRegistryStore, TypeormRegistryRepository } from './registry-repository';
// The transfer layer's repository ports (src/transfer/repository.ts): message log, held packages.
export { transferRepositories, TypeormMessageLogRepository, TypeormHeldPackageRepository } from './transfer-repositories';
export { SharedState, sharedKeyHash } from './shared-state';
export type { ClaimResult, StoredSession } from './shared-state';

export { openStore, createDataSource, runMigrations, MIGRATIONS, type OpenStoreOptions, type CreateDataSourceOptions } from './data-source';
export { TypeormStore } from './typeorm-store';
export { TypeormStoreTx } from './typeorm-store-tx';
export {
  parseDatabaseUrl,
  redactDatabaseUrl,
  databaseUrlFromEnv,
  describeDatabase,
  DatabaseUrlError,
  DEFAULT_DATABASE_URL,
  type DatabaseConfig,
} from './database-url';

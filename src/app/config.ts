import { DEFAULT_DATABASE_URL, parseDatabaseUrl, poolSizeFromEnv, withDatabasePasswordFile } from '../persistence';

/**
 * Configuration comes from environment variables, overridable by CLI flags. Defaults are chosen so
 * that a fresh checkout works with nothing set: an embedded SQLite file under ./data.
 */
export interface InterflowConfig {
  /** INTERFLOW_DB: sqlite:PATH (default sqlite:./data/interflow.sqlite) or mysql://user:pass@host:port/db */
  databaseUrl: string;
  /** INTERFLOW_DEPARTMENT: this engine's department code; unset = perform every department's work locally. */
  department?: string;
  /** INTERFLOW_LOG_LEVEL: fatal, error, warn, info (default), debug, trace, silent. */
  logLevel: string;
  /** INTERFLOW_DB_POOL: connections per MySQL/MariaDB pool; read only for a MySQL URL. */
  databasePoolSize?: number;
}

export { DEFAULT_DATABASE_URL };

/** The log levels --log-level and INTERFLOW_LOG_LEVEL accept (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A setting that cannot work as given: the CLI prints its message as one line and exits 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<InterflowConfig> = {}): InterflowConfig {
  const config: InterflowConfig = {
    databaseUrl: withDatabasePasswordFile(overrides.databaseUrl ?? env.INTERFLOW_DB ?? DEFAULT_DATABASE_URL, env),
    department: overrides.department ?? (env.INTERFLOW_DEPARTMENT || undefined),
    logLevel: overrides.logLevel ?? env.INTERFLOW_LOG_LEVEL ?? 'info',
  };
  // fail early, with the accepted forms, on a bad setting
  if (parseDatabaseUrl(config.databaseUrl).kind !== 'sqlite') config.databasePoolSize = overrides.databasePoolSize ?? poolSizeFromEnv(env);
  if (!(LOG_LEVELS as readonly string[]).includes(config.logLevel)) {
    const from = overrides.logLevel !== undefined ? '--log-level' : 'INTERFLOW_LOG_LEVEL';
    throw new ConfigError(`${from} "${config.logLevel}" is not a log level; use one of ${LOG_LEVELS.join(', ')}`);
  }
  return config;
}

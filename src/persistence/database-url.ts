import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_DATABASE_URL = 'sqlite:./data/interflow.sqlite';

export interface SqliteDatabaseConfig {
  kind: 'sqlite';
  /** Absolute file path, or `:memory:`. */
  path: string;
}

export interface MysqlDatabaseConfig {
  kind: 'mysql';
  /** Which TypeORM driver type to use; both speak through mysql2. */
  flavor: 'mysql' | 'mariadb';
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

export type DatabaseConfig = SqliteDatabaseConfig | MysqlDatabaseConfig;

export interface ParseDatabaseUrlOptions {
  /**
   * Accept `:memory:`. Off by default because an in-memory database silently loses every
   * instance on restart, which is only ever what a test wants.
   */
  allowMemory?: boolean;
  /** Base for relative SQLite paths (default: the working directory). */
  cwd?: string;
}

const ACCEPTED_FORMS =
  'accepted forms: sqlite:PATH, a bare path ending in .sqlite, .sqlite3 or .db, ' +
  'mysql://user:password@host:port/database, mariadb://user:password@host:port/database';

export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

/** The configured database URL: INTERFLOW_DB, or the default file database (with INTERFLOW_DB_PASSWORD_FILE applied). */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv): string {
  const value = env.INTERFLOW_DB?.trim();
  return withDatabasePasswordFile(value ? value : DEFAULT_DATABASE_URL, env);
}

/**
 * INTERFLOW_DB_PASSWORD_FILE: the MySQL password is the first line of that file (a container
 * secret), so it never sits in a URL or an environment listing, and any character survives. It is
 * put into the URL percent-encoded, which parseDatabaseUrl decodes. A URL that has a password of its
 * own, or is not MySQL, is refused rather than silently using one of the two.
 */
export function withDatabasePasswordFile(url: string, env: NodeJS.ProcessEnv): string {
  const file = env.INTERFLOW_DB_PASSWORD_FILE?.trim();
  if (!file) return url;
  const lower = url.trim().toLowerCase();
  if (!lower.startsWith('mysql://') && !lower.startsWith('mariadb://')) throw new DatabaseUrlError('INTERFLOW_DB_PASSWORD_FILE is set, but the database is not a mysql:// URL');
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new DatabaseUrlError(`Malformed database URL "${redactDatabaseUrl(url)}"; ${ACCEPTED_FORMS}`);
  }
  if (parsed.password) throw new DatabaseUrlError(`Database URL "${redactDatabaseUrl(url)}" has a password and INTERFLOW_DB_PASSWORD_FILE is set: give it in one place`);
  let password: string;
  try {
    password = fs.readFileSync(file, 'utf8').split(/\r?\n/)[0];
  } catch (e) {
    throw new DatabaseUrlError(`INTERFLOW_DB_PASSWORD_FILE: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!password) throw new DatabaseUrlError(`INTERFLOW_DB_PASSWORD_FILE: ${file} is empty`);
  if (!parsed.username) parsed.username = 'root';
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/**
 * Parses the INTERFLOW_DB setting. Errors never echo a password: they quote the redacted form.
 */
export function parseDatabaseUrl(url: string | undefined, options: ParseDatabaseUrlOptions = {}): DatabaseConfig {
  const raw = (url ?? '').trim() || DEFAULT_DATABASE_URL;
  const lower = raw.toLowerCase();

  if (lower.startsWith('mysql://') || lower.startsWith('mariadb://')) {
    return parseMysql(raw, lower.startsWith('mariadb://') ? 'mariadb' : 'mysql');
  }

  let sqlitePath: string | undefined;
  if (lower.startsWith('sqlite:')) {
    sqlitePath = raw.slice('sqlite:'.length);
    // Tolerate the URL-ish spelling sqlite://relative and sqlite:///absolute.
    if (sqlitePath.startsWith('//')) sqlitePath = sqlitePath.slice(2);
    if (!sqlitePath) throw new DatabaseUrlError(`INTERFLOW_DB "${raw}" names no file; ${ACCEPTED_FORMS}`);
  } else if (raw === ':memory:' || /\.(sqlite|sqlite3|db)$/i.test(raw)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
      throw new DatabaseUrlError(`Unsupported database URL "${redactDatabaseUrl(raw)}"; ${ACCEPTED_FORMS}`);
    }
    sqlitePath = raw;
  }

  if (sqlitePath === undefined) {
    throw new DatabaseUrlError(`Unsupported database URL "${redactDatabaseUrl(raw)}"; ${ACCEPTED_FORMS}`);
  }
  if (sqlitePath === ':memory:') {
    if (!options.allowMemory) {
      throw new DatabaseUrlError(
        'INTERFLOW_DB=:memory: is only allowed in tests (everything would be lost on restart); use sqlite:PATH',
      );
    }
    return { kind: 'sqlite', path: ':memory:' };
  }
  return { kind: 'sqlite', path: path.resolve(options.cwd ?? process.cwd(), sqlitePath) };
}

function parseMysql(raw: string, flavor: 'mysql' | 'mariadb'): MysqlDatabaseConfig {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new DatabaseUrlError(`Malformed database URL "${redactDatabaseUrl(raw)}"; ${ACCEPTED_FORMS}`);
  }
  const where = redactDatabaseUrl(raw);
  if (!parsed.hostname) throw new DatabaseUrlError(`Database URL "${where}" names no host; ${ACCEPTED_FORMS}`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) {
    throw new DatabaseUrlError(`Database URL "${where}" must name exactly one database; ${ACCEPTED_FORMS}`);
  }
  if (parsed.search) {
    // Silently ignoring e.g. ?ssl=true would connect without the protection the operator asked for.
    throw new DatabaseUrlError(`Database URL "${where}" has query parameters, which are not supported`);
  }
  const port = parsed.port ? Number(parsed.port) : 3306;
  const config: MysqlDatabaseConfig = {
    kind: 'mysql',
    flavor,
    // URL keeps IPv6 literals bracketed; the driver wants them bare.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    user: decodeURIComponent(parsed.username) || 'root',
    database,
  };
  if (parsed.password) config.password = decodeURIComponent(parsed.password);
  return config;
}

/**
 * The URL with any password replaced by `***`, for logs and error messages. Works on strings that
 * do not parse, because those are exactly the ones that end up in error messages.
 */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@').replace(
    // A password containing an unescaped '/' or '#' defeats the pattern above; when an '@' follows
    // the scheme at all, hide everything between the user name and the last '@'.
    /^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):(?!\*\*\*@).*@/i,
    '$1:***@',
  );
}

/** A short description for logs: never contains a password. */
export function describeDatabase(config: DatabaseConfig): string {
  if (config.kind === 'sqlite') return `sqlite:${config.path}`;
  return `${config.flavor}://${encodeURIComponent(config.user)}${config.password ? ':***' : ''}@${config.host}:${config.port}/${config.database}`;
}

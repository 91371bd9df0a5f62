import type { QueryRunner, TableColumnOptions } from 'typeorm';

/**
 * Column shapes shared by the entities and the migrations, so the two cannot drift apart on
 * lengths. The migrations own the real schema (synchronize is never on); the entities only drive
 * value conversion, which is why an entity can say `text` where MySQL actually has `longtext`.
 */

export const TABLE_PREFIX = 'if_';
export const MIGRATIONS_TABLE = 'if_migrations';

export const Len = {
  /** Instance ids: the engine's own ids (uuid-ish). */
  instanceId: 64,
  /** Ids of work items, outbox messages, timers, activity instances: may be composed from an instance id. */
  id: 128,
  /** XPDL ids (process, activity, participant, department). */
  name: 200,
  /** Incoming message ids from other engines (WS-Addressing MessageID, URNs). */
  messageId: 255,
  /** Small enumerations: instance state, kinds, outbox state. */
  code: 64,
  hash: 100,
  /** User names and similar principals. */
  actor: 255,
} as const;

/**
 * lastError is free text from remote failures (stack traces, HTML error pages). Stored as TEXT,
 * whose MySQL limit is 65,535 bytes: 16,000 characters fit even at four bytes each.
 */
export const MAX_ERROR_LENGTH = 16_000;

export function isMysqlFamily(queryRunner: QueryRunner): boolean {
  const type = queryRunner.connection.driver.options.type;
  return type === 'mysql' || type === 'mariadb';
}

/** The collation of every MySQL string column (ColumnKit), except the exact ones below. */
export const MYSQL_COLLATION = 'utf8mb4_bin';

/**
 * utf8mb4_bin is PAD SPACE: it ignores trailing spaces, so 'k1' = 'k1 ' and the two collide in a
 * unique index. Columns whose values a caller sends as is and whose equality decides identity
 * (idempotency keys, log ids; migration 1795341000001) need a binary collation that is NO PAD, as
 * SQLite compares: MariaDB (10.2+) calls it utf8mb4_nopad_bin, MySQL 8 utf8mb4_0900_bin. A new
 * column of that kind gets it in its migration too, by ALTER after the ColumnKit definition.
 */
export async function exactCollation(queryRunner: QueryRunner): Promise<string> {
  const candidates = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin'];
  const rows = (await queryRunner.query(`SHOW COLLATION WHERE Collation IN (${candidates.map(() => '?').join(', ')})`, candidates)) as Array<{ Collation: string }>;
  const found = candidates.find((c) => rows.some((r) => r.Collation === c));
  if (!found) throw new Error(`the database server offers neither ${candidates.join(' nor ')}: Interflow needs MariaDB 10.6+ or MySQL 8`);
  return found;
}

/**
 * Builds column definitions for one database. MySQL gets explicit utf8mb4 with a binary collation
 * on every string column: the server's default character set may be latin1, and the default
 * utf8mb4 collation is case-insensitive, which would make ids 'A1' and 'a1' collide and would
 * make the two databases answer the same query differently (SQLite compares binary).
 */
export class ColumnKit {
  readonly mysql: boolean;

  constructor(queryRunner: QueryRunner) {
    this.mysql = isMysqlFamily(queryRunner);
  }

  private text(options: TableColumnOptions): TableColumnOptions {
    return this.mysql ? { ...options, charset: 'utf8mb4', collation: MYSQL_COLLATION } : options;
  }

  varchar(name: string, length: number, nullable = false, extra: Partial<TableColumnOptions> = {}): TableColumnOptions {
    return this.text({ name, type: 'varchar', length: String(length), isNullable: nullable, ...extra });
  }

  /** Unbounded free text that is never indexed (TEXT on both databases). */
  freeText(name: string, nullable = true): TableColumnOptions {
    return this.text({ name, type: 'text', isNullable: nullable });
  }

  /** JSON documents and source files: LONGTEXT on MySQL (TEXT stops at 64 KB), TEXT on SQLite. */
  document(name: string, nullable = false): TableColumnOptions {
    return this.text({ name, type: this.mysql ? 'longtext' : 'text', isNullable: nullable });
  }

  /**
   * Millisecond timestamps. MySQL: DATETIME(3), written and read in UTC (the pool uses timezone Z).
   * SQLite: TypeORM's `datetime` representation, a fixed-width UTC text 'YYYY-MM-DD HH:MM:SS.SSS'.
   * We keep that rather than epoch numbers because TypeORM converts Date parameters to exactly this
   * form in every query builder, so the same query code compares dates on both databases; being
   * fixed-width UTC it sorts and compares correctly as text, and stays readable in the sqlite3 shell.
   */
  timestamp(name: string, nullable = false): TableColumnOptions {
    return this.mysql
      ? { name, type: 'datetime', precision: 3, isNullable: nullable }
      : { name, type: 'datetime', isNullable: nullable };
  }

  int(name: string, nullable = false): TableColumnOptions {
    return { name, type: 'int', isNullable: nullable };
  }

  boolean(name: string, nullable = true): TableColumnOptions {
    return { name, type: 'boolean', isNullable: nullable };
  }

  /**
   * Auto-increment key. SQLite only accepts AUTOINCREMENT on a column typed exactly INTEGER; on
   * MySQL a BIGINT, as history grows by a dozen rows per instance.
   */
  autoIncrementKey(name: string): TableColumnOptions {
    return {
      name,
      type: this.mysql ? 'bigint' : 'integer',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    };
  }
}

import type BetterSqlite3 from 'better-sqlite3';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';

/**
 * The SQLite side of the engine's hot path: prepared better-sqlite3 statements on the connection
 * TypeORM opened, with values converted by TypeORM's own driver in both directions.
 *
 * Why: profiling the federation under load showed TypeORM's query builder (building SQL, mapping
 * property names, hydrating entities, a few awaits per statement) costing more CPU than SQLite
 * spent executing the statements. The statements here are the same SQL, built once per entity
 * from its metadata, prepared once per connection, and bound with the values TypeORM itself would
 * bind (driver.preparePersistentValue: dates as UTC text, booleans as 0/1); rows come back through
 * driver.prepareHydratedValue, so a record read here equals one read by the query builder.
 * MariaDB keeps the query builder: there the round trip, not the builder, is the cost.
 */
export class SqliteStatements {
  private readonly db: BetterSqlite3.Database;

  constructor(private readonly manager: EntityManager) {
    const driver = manager.connection.driver as unknown as { databaseConnection?: BetterSqlite3.Database };
    if (!driver.databaseConnection) throw new Error('SqliteStatements: the data source has no open better-sqlite3 connection');
    this.db = driver.databaseConnection;
  }

  /** Runs a statement that writes; the number of rows it changed. */
  run(sql: string, params: readonly unknown[] = []): number {
    return this.statement(sql).run(params).changes;
  }

  /** A PRAGMA on this connection (it may return rows, which run() refuses). */
  pragma(text: string): unknown {
    return this.db.pragma(text);
  }

  all<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): R[] {
    return this.statement(sql).all(params) as R[];
  }

  get<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): R | undefined {
    return this.statement(sql).get(params) as R | undefined;
  }

  table(entity: EntityTarget<ObjectLiteral>): EntityShape {
    return shapeOf(this.manager, entity);
  }

  /** A value as TypeORM binds it for SQLite (a Date as UTC text, a boolean as 0/1). */
  param(value: unknown): unknown {
    if (value instanceof Date) return DateUtils.mixedDateToUtcDatetimeString(value);
    if (typeof value === 'boolean') return value ? 1 : 0;
    return value ?? null;
  }

  /** Whole rows of `entity`, hydrated as the query builder's getMany() would. */
  rows<E extends ObjectLiteral>(entity: EntityTarget<E>, where: string, params: readonly unknown[]): E[] {
    const shape = this.table(entity);
    return this.all(`SELECT * FROM ${shape.table} WHERE ${where}`, params.map((p) => this.param(p))).map((raw) => shape.hydrate(raw) as E);
  }

  private statement(sql: string): BetterSqlite3.Statement {
    let byConnection = statements.get(this.db);
    if (!byConnection) statements.set(this.db, (byConnection = new Map()));
    let stmt = byConnection.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      // Bounded: every statement here comes from a fixed set of shapes, but an IN list of any
      // length is a new text; those are prepared again rather than kept for ever.
      if (byConnection.size < MAX_STATEMENTS) byConnection.set(sql, stmt);
    }
    return stmt;
  }
}

const MAX_STATEMENTS = 500;
const statements = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

/** An entity's table and columns, as the statements above need them. */
export interface EntityShape {
  /** The quoted table name. */
  table: string;
  /** Columns that are written (generated ones are left to the database). */
  written: ColumnMetadata[];
  /** The quoted name of a column, by property name. */
  column(property: string): string;
  /**
   * A multi-row INSERT of `count` rows (with `upsert`, one that overwrites existing rows by id),
   * built once per shape and row count: the engine writes the same few shapes on every command.
   */
  insert(count: number, upsert: boolean): string;
  /**
   * UPDATE … SET the columns `changes` defines (not undefined) WHERE each of `where` equals a
   * parameter, with those columns in parameter order; made once per combination: an instance's
   * update, on every command that moves a case, always sets the same columns.
   */
  update(changes: ObjectLiteral, where: readonly string[]): { sql: string; set: ColumnMetadata[] };
  /** The values of rows[start, start + count) for insert(), in order, as TypeORM would bind them. */
  rowValues(rows: readonly ObjectLiteral[], start: number, count: number): unknown[];
  /** A raw row (database column names) as an entity object (property names, hydrated values). */
  hydrate(raw: Record<string, unknown>): ObjectLiteral;
}

const shapes = new WeakMap<object, Map<EntityTarget<ObjectLiteral>, EntityShape>>();

function shapeOf(manager: EntityManager, entity: EntityTarget<ObjectLiteral>): EntityShape {
  const dataSource = manager.connection;
  let byEntity = shapes.get(dataSource);
  if (!byEntity) shapes.set(dataSource, (byEntity = new Map()));
  let shape = byEntity.get(entity);
  if (shape) return shape;
  const meta = dataSource.getMetadata(entity);
  const driver = dataSource.driver;
  const columns = meta.columns;
  const written = columns.filter((c) => !c.isGenerated);
  const byProperty = new Map(columns.map((c) => [c.propertyName, driver.escape(c.databaseName)]));
  // What driver.preparePersistentValue does, without its chain of type tests per value: a history
  // batch is two dozen rows carrying the same timestamp, converted to text once.
  const converters = written.map((c): ((v: unknown) => unknown) => {
    if (c.transformer) return (v) => driver.preparePersistentValue(v ?? null, c) as unknown;
    if (c.type === 'datetime') {
      let lastTime = Number.NaN;
      let lastText = '';
      return (v) => {
        if (!(v instanceof Date)) return v === undefined || v === null ? null : driver.preparePersistentValue(v, c);
        const t = v.getTime();
        if (t !== lastTime) {
          lastText = DateUtils.mixedDateToUtcDatetimeString(v) as string;
          lastTime = t;
        }
        return lastText;
      };
    }
    if (c.type === 'varchar' || c.type === 'text' || c.type === 'int' || c.type === 'integer') return (v) => (v === undefined ? null : v);
    return (v) => driver.preparePersistentValue(v ?? null, c) as unknown;
  });
  const table = driver.escape(meta.tableName);
  const names = written.map((c) => byProperty.get(c.propertyName)!);
  const tuple = `(${written.map(() => '?').join(', ')})`;
  const insertSql: [Map<number, string>, Map<number, string>] = [new Map(), new Map()];
  const updates = new Map<string, { sql: string; set: ColumnMetadata[] }>();
  shape = {
    table,
    written,
    column(property) {
      const name = byProperty.get(property);
      if (!name) throw new Error(`${meta.name} has no column ${property}`);
      return name;
    },
    insert(count, upsert) {
      const memo = insertSql[upsert ? 1 : 0];
      let sql = memo.get(count);
      if (sql === undefined) {
        const overwrite = upsert ? ` ON CONFLICT(${this.column('id')}) DO UPDATE SET ${written.filter((c) => !c.isPrimary).map((c) => `${this.column(c.propertyName)} = excluded.${this.column(c.propertyName)}`).join(', ')}` : '';
        sql = `INSERT INTO ${table} (${names.join(', ')}) VALUES ${Array.from({ length: count }, () => tuple).join(', ')}${overwrite}`;
        // Bounded like the statements: batches of a few sizes recur, a one-off size need not stay.
        if (memo.size < 64) memo.set(count, sql);
      }
      return sql;
    },
    update(changes, where) {
      let key = `${where.join(',')}|`;
      for (const c of written) key += changes[c.propertyName] === undefined ? '0' : '1';
      let found = updates.get(key);
      if (!found) {
        const set = written.filter((c) => changes[c.propertyName] !== undefined);
        const sql = `UPDATE ${table} SET ${set.map((c) => `${this.column(c.propertyName)} = ?`).join(', ')} WHERE ${where.map((k) => `${this.column(k)} = ?`).join(' AND ')}`;
        found = { sql, set };
        if (updates.size < 64) updates.set(key, found);
      }
      return found;
    },
    rowValues: (rows, start, count) => {
      const width = written.length;
      const out = new Array<unknown>(count * width);
      for (let r = 0; r < count; r++) {
        const row = rows[start + r];
        for (let i = 0; i < width; i++) out[r * width + i] = converters[i](row[written[i].propertyName]);
      }
      return out;
    },
    hydrate(raw) {
      const out: ObjectLiteral = {};
      for (const c of columns) out[c.propertyName] = driver.prepareHydratedValue(raw[c.databaseName], c);
      return out;
    },
  };
  byEntity.set(entity, shape);
  return shape;
}

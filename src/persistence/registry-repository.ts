import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { ConcurrencyError } from '../engine';
import { createDataSource } from './data-source';
import { mysqlTransaction, type TypeormStore } from './typeorm-store';
import { UddiAuthTokenEntity, UddiEntityEntity, UddiPublisherEntity } from './entities';
import { findQualifiers, RegistryStore, uddiError, type RegistryOptions } from '../registry';
import type { CategoryBag, KeyedReference, LocalizedText, TypedText } from '../registry';
import type {
  BagCriterion,
  EntityKind,
  FindQuery,
  MatchOptions,
  PublisherRecord,
  RegistryRepository,
  RegistryTx,
  StoredEntity,
  TokenRecord,
} from '../registry';

const { fold, isLiteral, literalPrefix, parsePattern, toGlob, toLike } = findQualifiers;

type Dialect = 'sqlite' | 'mysql';

/** Rows per multi-row INSERT, and keys per IN list: far below SQLite's 32,766 bound parameters. */
const CHUNK = 400;
/** An upper bound for "starts with": no real text holds U+10FFFF. */
const MAX_CHAR = '\u{10FFFF}';
const GENERAL_KEYWORDS = 'uddi:uddi.org:categorization:general_keywords';
const RETRIES = 3;

/**
 * A registry in the engine's database (the store must have run its migrations): the registry's
 * service over its repository port, implemented here on the store's tables.
 */
export async function openRegistryStore(store: TypeormStore, options: RegistryOptions = {}): Promise<RegistryStore> {
  return new RegistryStore(await TypeormRegistryRepository.open(store), options);
}

/**
 * The registry's tables (src/persistence/entities/uddi-*.entity.ts) in the engine's database, on
 * SQLite and MySQL/MariaDB. Statements are plain SQL with `?` parameters, which both drivers take;
 * the few dialect differences (case-sensitive wildcard matching, locking) are spelled out where
 * they occur. Matching is exact in SQL on both databases, so counts and pages come from the
 * database and never from filtering in JavaScript.
 */
export class TypeormRegistryRepository implements RegistryRepository {
  private constructor(
    private readonly store: TypeormStore,
    private readonly dialect: Dialect,
    /** SQLite file databases: a read-only connection, so reads never see a writer's half-done work. */
    private readonly reader?: DataSource,
  ) {}

  static async open(store: TypeormStore): Promise<TypeormRegistryRepository> {
    const options = store.dataSource.options;
    if (store.kind === 'sqlite') {
      const path = String(options.database);
      if (path === ':memory:') return new TypeormRegistryRepository(store, 'sqlite');
      const reader = createDataSource({ kind: 'sqlite', path }, { role: 'reader' });
      await reader.initialize();
      return new TypeormRegistryRepository(store, 'sqlite', reader);
    }
    return new TypeormRegistryRepository(store, 'mysql');
  }

  async read<T>(fn: (tx: RegistryTx) => Promise<T>): Promise<T> {
    if (this.dialect === 'sqlite') {
      if (this.reader) return fn(new TypeormRegistryTx(this.reader.manager, 'sqlite'));
      // :memory: has one connection: wait for the writer like the engine's own reads do.
      return this.store.read(() => fn(new TypeormRegistryTx(this.store.dataSource.manager, 'sqlite')));
    }
    const queryRunner = this.store.dataSource.createQueryRunner('slave');
    try {
      return await fn(new TypeormRegistryTx(queryRunner.manager, 'mysql'));
    } finally {
      await queryRunner.release();
    }
  }

  async write<T>(fn: (tx: RegistryTx) => Promise<T>): Promise<T> {
    try {
      if (this.dialect === 'sqlite') {
        // The engine store's transaction holds the file's writer mutex and BEGIN IMMEDIATE on the
        // single writer connection, which is also the one behind dataSource.manager: running our
        // statements inside it keeps registry and engine writes from interleaving.
        return await this.store.transaction(() => fn(new TypeormRegistryTx(this.store.dataSource.manager, 'sqlite')));
      }
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.mysqlTransaction(fn);
        } catch (error) {
          // A deadlock, or two publishers inserting the same new key at once: run again, and the
          // second one then sees the first one's row and gets the answer a serial run would give.
          if (!isRetryable(error) || attempt >= RETRIES) throw error;
        }
      }
    } catch (error) {
      if (error instanceof ConcurrencyError || isLockConflict(error)) {
        throw uddiError('E_busy', 'the registry is busy with concurrent changes to the same entries; send the request again');
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.reader?.isInitialized) await this.reader.destroy();
  }

  private mysqlTransaction<T>(fn: (tx: RegistryTx) => Promise<T>): Promise<T> {
    return mysqlTransaction(this.store.dataSource, (queryRunner) => fn(new TypeormRegistryTx(queryRunner.manager, 'mysql')));
  }
}

function driverCode(error: unknown): { code: unknown; errno: unknown } {
  const e = error as { code?: unknown; errno?: unknown; driverError?: { code?: unknown; errno?: unknown } };
  return { code: e?.driverError?.code ?? e?.code, errno: e?.driverError?.errno ?? e?.errno };
}

function isLockConflict(error: unknown): boolean {
  const { code, errno } = driverCode(error);
  return code === 'ER_LOCK_DEADLOCK' || errno === 1213 || code === 'ER_LOCK_WAIT_TIMEOUT' || errno === 1205;
}

function isRetryable(error: unknown): boolean {
  const { code, errno } = driverCode(error);
  return isLockConflict(error) || code === 'ER_DUP_ENTRY' || errno === 1062;
}

interface EntityRowRaw {
  entity_key: string;
  kind: string;
  parent_key: string | null;
  business_key: string | null;
  position: number | string;
  owner: string;
  deleted: number | string;
  created_at: unknown;
  modified_at: unknown;
  document: string;
}

const ENTITY_COLUMNS = 'entity_key, kind, parent_key, business_key, position, owner, deleted, created_at, modified_at, document';

/** A SQL fragment and its parameters, in order. */
interface Sql {
  sql: string;
  params: unknown[];
}

class TypeormRegistryTx implements RegistryTx {
  constructor(
    private readonly manager: EntityManager,
    private readonly dialect: Dialect,
  ) {}

  // ------------------------------------------------------------------ entities

  async getEntities(keys: readonly string[], options: { forUpdate?: boolean } = {}): Promise<StoredEntity[]> {
    // SQLite needs no row locks: the writer holds the whole file for the transaction.
    const lock = options.forUpdate && this.dialect === 'mysql' ? ' FOR UPDATE' : '';
    return this.selectEntities('entity_key', keys, lock);
  }

  async getBusinessTrees(businessKeys: readonly string[]): Promise<StoredEntity[]> {
    return this.selectEntities('business_key', businessKeys);
  }

  async getChildren(kind: 'service' | 'binding', parentKeys: readonly string[]): Promise<StoredEntity[]> {
    const rows = await this.selectEntities('parent_key', parentKeys);
    const parentOrder = new Map(parentKeys.map((k, i) => [k, i]));
    return rows
      .filter((r) => r.kind === kind)
      .sort((a, b) => (parentOrder.get(a.parentKey!) ?? 0) - (parentOrder.get(b.parentKey!) ?? 0) || a.position - b.position);
  }

  async insertEntities(rows: readonly StoredEntity[]): Promise<void> {
    const entityRows: unknown[][] = [];
    const nameRows: unknown[][] = [];
    const refRows: unknown[][] = [];
    const instanceRows: unknown[][] = [];
    for (const row of rows) {
      const names = namesOf(row);
      entityRows.push([
        row.key, row.kind, row.parentKey ?? null, row.businessKey ?? null, row.position, row.owner,
        names[0]?.value ?? null, names[0] ? fold(names[0].value) : null,
        row.kind === 'tModel' && row.data.deleted ? 1 : 0,
        this.date(row.createdAt), this.date(row.modifiedAt), JSON.stringify(row.data),
      ]);
      names.forEach((n, i) => nameRows.push([row.key, i, row.kind, fold(n.lang ?? ''), n.value, fold(n.value)]));
      referencesOf(row).forEach((r, i) => refRows.push([row.key, i, row.kind, r.bag, r.groupSeq, r.tModelKey, r.keyName, fold(r.keyName), r.keyValue, fold(r.keyValue)]));
      if (row.kind === 'binding') {
        row.data.tModelInstanceDetails.forEach((t, i) => instanceRows.push([row.key, i, row.parentKey, row.businessKey, t.tModelKey]));
      }
    }
    await this.insertRows('if_uddi_entity', 'entity_key, kind, parent_key, business_key, position, owner, sort_name, sort_name_lc, deleted, created_at, modified_at, document', entityRows);
    await this.insertRows('if_uddi_name', 'entity_key, seq, kind, lang, name, name_lc', nameRows);
    await this.insertRows('if_uddi_keyed_ref', 'entity_key, seq, kind, bag, group_seq, tmodel_key, key_name, key_name_lc, key_value, key_value_lc', refRows);
    await this.insertRows('if_uddi_tmodel_instance', 'binding_key, seq, service_key, business_key, tmodel_key', instanceRows);
  }

  async deleteEntities(keys: readonly string[]): Promise<void> {
    for (const chunk of chunks(keys)) {
      const list = placeholders(chunk.length);
      await this.manager.query(`DELETE FROM if_uddi_name WHERE entity_key IN (${list})`, [...chunk]);
      await this.manager.query(`DELETE FROM if_uddi_keyed_ref WHERE entity_key IN (${list})`, [...chunk]);
      await this.manager.query(`DELETE FROM if_uddi_tmodel_instance WHERE binding_key IN (${list})`, [...chunk]);
      await this.manager.query(`DELETE FROM if_uddi_entity WHERE entity_key IN (${list})`, [...chunk]);
    }
  }

  async find(query: FindQuery): Promise<{ keys: string[]; total: number }> {
    const where = this.findConditions(query);
    const whereSql = where.map((w) => w.sql).join(' AND ');
    const params = where.flatMap((w) => w.params);
    const order = query.sort.map((s) => {
      const column = s.field === 'date' ? 'e.modified_at' : s.caseInsensitive ? 'e.sort_name_lc' : 'e.sort_name';
      return `${column} ${s.descending ? 'DESC' : 'ASC'}`;
    });
    // Ties keep the publisher's order (bindings of one service), then a stable key order.
    order.push('e.position ASC', 'e.entity_key ASC');
    const keys = query.limit <= 0 ? [] : ((await this.manager.query(
      `SELECT e.entity_key FROM if_uddi_entity e WHERE ${whereSql} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`,
      [...params, query.limit, query.offset],
    )) as Array<{ entity_key: string }>).map((r) => r.entity_key);
    // A page that is not full is the end of the result: no need to count (most finds end here).
    if (keys.length < query.limit && (keys.length > 0 || query.offset === 0)) return { keys, total: query.offset + keys.length };
    const countRows = (await this.manager.query(`SELECT COUNT(*) AS n FROM if_uddi_entity e WHERE ${whereSql}`, params)) as Array<{ n: number | string }>;
    return { keys, total: Number(countRows[0]?.n ?? 0) };
  }

  async entitiesUnder(root: string): Promise<Array<{ key: string; kind: EntityKind; owner: string }>> {
    // ';' follows ':' in code point order: the range is exactly the keys beginning "root:", and the primary key index serves it.
    const rows = (await this.manager.query(
      'SELECT entity_key, kind, owner FROM if_uddi_entity WHERE entity_key = ? OR (entity_key > ? AND entity_key < ?) ORDER BY entity_key',
      [root, `${root}:`, `${root};`],
    )) as Array<{ entity_key: string; kind: EntityKind; owner: string }>;
    return rows.map((r) => ({ key: r.entity_key, kind: r.kind, owner: r.owner }));
  }

  async ownedBy(owner: string): Promise<Array<{ key: string; kind: EntityKind }>> {
    const rows = (await this.manager.query(
      `SELECT entity_key, kind FROM if_uddi_entity WHERE owner = ? AND kind IN ('business', 'tModel') ORDER BY kind, sort_name, entity_key`,
      [owner],
    )) as Array<{ entity_key: string; kind: EntityKind }>;
    return rows.map((r) => ({ key: r.entity_key, kind: r.kind }));
  }

  // ------------------------------------------------------------------ publishers and tokens

  async findPublisher(username: string): Promise<PublisherRecord | undefined> {
    const rows = (await this.manager.query('SELECT username, password_hash, department, created_at FROM if_uddi_publisher WHERE username = ?', [username])) as Array<{ username: string; password_hash: string; department: string | null; created_at: unknown }>;
    const row = rows[0];
    if (!row) return undefined;
    return { username: row.username, passwordHash: row.password_hash, ...(row.department ? { department: row.department } : {}), createdAt: this.hydrate(UddiPublisherEntity, row.created_at) };
  }

  async insertPublisher(record: PublisherRecord): Promise<void> {
    await this.manager.query('INSERT INTO if_uddi_publisher (username, password_hash, department, created_at) VALUES (?, ?, ?, ?)', [record.username, record.passwordHash, record.department ?? null, this.date(record.createdAt)]);
  }

  async updatePublisherDepartment(username: string, department: string | undefined): Promise<void> {
    await this.manager.query('UPDATE if_uddi_publisher SET department = ? WHERE username = ?', [department ?? null, username]);
  }

  async updatePublisherPassword(username: string, passwordHash: string): Promise<void> {
    await this.manager.query('UPDATE if_uddi_publisher SET password_hash = ? WHERE username = ?', [passwordHash, username]);
  }

  async insertToken(record: TokenRecord): Promise<void> {
    await this.manager.query('INSERT INTO if_uddi_auth_token (token_hash, publisher, created_at, expires_at) VALUES (?, ?, ?, ?)', [
      record.tokenHash, record.publisher, this.date(record.createdAt), this.date(record.expiresAt),
    ]);
  }

  async findToken(tokenHash: string): Promise<TokenRecord | undefined> {
    const rows = (await this.manager.query('SELECT token_hash, publisher, created_at, expires_at FROM if_uddi_auth_token WHERE token_hash = ?', [tokenHash])) as Array<{ token_hash: string; publisher: string; created_at: unknown; expires_at: unknown }>;
    const row = rows[0];
    if (!row) return undefined;
    return { tokenHash: row.token_hash, publisher: row.publisher, createdAt: this.hydrate(UddiAuthTokenEntity, row.created_at), expiresAt: this.hydrate(UddiAuthTokenEntity, row.expires_at) };
  }

  async deleteToken(tokenHash: string): Promise<void> {
    await this.manager.query('DELETE FROM if_uddi_auth_token WHERE token_hash = ?', [tokenHash]);
  }

  async deleteTokensExpiredBefore(at: Date): Promise<number> {
    const before = (await this.manager.query('SELECT COUNT(*) AS n FROM if_uddi_auth_token WHERE expires_at < ?', [this.date(at)])) as Array<{ n: number | string }>;
    await this.manager.query('DELETE FROM if_uddi_auth_token WHERE expires_at < ?', [this.date(at)]);
    return Number(before[0]?.n ?? 0);
  }

  // ------------------------------------------------------------------ search

  private findConditions(q: FindQuery): Sql[] {
    // On SQLite, "+e.kind" keeps the planner from walking every row of the kind through the kind
    // index when a criterion below is selective: it then looks the matching keys up by primary key
    // instead (a name prefix among 10,000 businesses: ~0.2 ms instead of ~3 ms). MySQL ignores it.
    const selective = Boolean(q.names?.length || q.categoryBag || q.identifierBag || q.tModelBag?.keys.length || q.discoveryURLs?.length);
    const where: Sql[] = [{ sql: selective && this.dialect === 'sqlite' ? '+e.kind = ?' : 'e.kind = ?', params: [q.kind] }];
    if (q.kind === 'tModel' && !q.includeDeleted) where.push({ sql: 'e.deleted = 0', params: [] });
    if (q.parentKey !== undefined) where.push({ sql: 'e.parent_key = ?', params: [q.parentKey] });
    if (q.names?.length) {
      const any = q.names.map((n) => this.nameCondition(n, q.match));
      where.push({
        sql: `e.entity_key IN (SELECT n.entity_key FROM if_uddi_name n WHERE n.kind = ? AND (${any.map((c) => `(${c.sql})`).join(' OR ')}))`,
        params: [q.kind, ...any.flatMap((c) => c.params)],
      });
    }
    if (q.categoryBag) where.push(...this.bagConditions(q.kind, 'c', q.categoryBag, q.match));
    if (q.identifierBag) where.push(...this.bagConditions(q.kind, 'i', q.identifierBag, q.match));
    if (q.tModelBag?.keys.length) {
      const column = q.kind === 'business' ? 'business_key' : q.kind === 'service' ? 'service_key' : 'binding_key';
      const keys = [...new Set(q.tModelBag.keys)];
      if (q.tModelBag.mode === 'or') {
        where.push({ sql: `e.entity_key IN (SELECT t.${column} FROM if_uddi_tmodel_instance t WHERE t.tmodel_key IN (${placeholders(keys.length)}))`, params: keys });
      } else {
        for (const key of keys) where.push({ sql: `e.entity_key IN (SELECT t.${column} FROM if_uddi_tmodel_instance t WHERE t.tmodel_key = ?)`, params: [key] });
      }
    }
    if (q.discoveryURLs?.length) {
      const any = q.discoveryURLs.map((u) => (u.useType ? { sql: '(d.key_value = ? AND d.key_name = ?)', params: [sha256(u.value), u.useType] } : { sql: 'd.key_value = ?', params: [sha256(u.value)] }));
      where.push({
        sql: `e.entity_key IN (SELECT d.entity_key FROM if_uddi_keyed_ref d WHERE d.kind = ? AND d.bag = 'd' AND (${any.map((c) => c.sql).join(' OR ')}))`,
        params: [q.kind, ...any.flatMap((c) => c.params)],
      });
    }
    return where;
  }

  private nameCondition(name: LocalizedText, match: MatchOptions): Sql {
    const parts: Sql[] = [this.textCondition('n.name', 'n.name_lc', name.value, match)];
    if (name.lang) parts.push(this.textCondition('n.lang', 'n.lang', fold(name.lang), { ...match, caseInsensitive: false }));
    return and(parts);
  }

  /**
   * `column` holds the value as given, `foldedColumn` the same value through fold(). Exact matches
   * compare with `=`; approximate ones with LIKE, except case-sensitive ones on SQLite, whose LIKE
   * ignores ASCII case: GLOB there. A pattern's literal prefix becomes a range on the folded column
   * so that an index narrows the scan (LIKE alone cannot use one on SQLite's binary collation).
   */
  private textCondition(column: string, foldedColumn: string, value: string, match: MatchOptions): Sql {
    const tokens = match.approximate ? parsePattern(value) : [{ kind: 'literal' as const, text: value }];
    if (isLiteral(tokens)) {
      const literal = tokens.map((t) => (t.kind === 'literal' ? t.text : '')).join('');
      if (match.caseInsensitive || column === foldedColumn) return { sql: `${foldedColumn} = ?`, params: [fold(literal)] };
      return { sql: `${foldedColumn} = ? AND ${column} = ?`, params: [fold(literal), literal] };
    }
    const parts: Sql[] = [];
    const prefix = fold(literalPrefix(tokens));
    if (prefix) parts.push({ sql: `${foldedColumn} >= ? AND ${foldedColumn} < ?`, params: [prefix, prefix + MAX_CHAR] });
    if (match.caseInsensitive || column === foldedColumn) {
      parts.push({ sql: `${foldedColumn} LIKE ? ESCAPE '!'`, params: [toLike(parsePattern(fold(value)))] });
    } else if (this.dialect === 'sqlite') {
      parts.push({ sql: `${column} GLOB ?`, params: [toGlob(tokens)] });
    } else {
      // utf8mb4_bin: LIKE compares code points, so it is case-sensitive here.
      parts.push({ sql: `${column} LIKE ? ESCAPE '!'`, params: [toLike(tokens)] });
    }
    return and(parts);
  }

  private bagConditions(kind: EntityKind, bag: 'c' | 'i', criterion: BagCriterion, match: MatchOptions): Sql[] {
    const atoms: Array<{ tModelKey: string; sql: Sql }> = [];
    for (const ref of criterion.keyedReferences) {
      const cond = this.referenceCondition('r', ref, match);
      atoms.push({
        tModelKey: ref.tModelKey,
        sql: { sql: `e.entity_key IN (SELECT r.entity_key FROM if_uddi_keyed_ref r WHERE r.kind = ? AND r.bag = ? AND ${cond.sql})`, params: [kind, bag, ...cond.params] },
      });
    }
    for (const group of criterion.keyedReferenceGroups) {
      // Every reference of the queried group must be in one and the same group of the entity.
      const members = group.keyedReferences.map((ref) => {
        const cond = this.referenceCondition('m', ref, match);
        return { sql: `EXISTS (SELECT 1 FROM if_uddi_keyed_ref m WHERE m.entity_key = g.entity_key AND m.bag = 'gr' AND m.group_seq = g.group_seq AND ${cond.sql})`, params: cond.params };
      });
      atoms.push({
        tModelKey: group.tModelKey,
        sql: {
          sql: `e.entity_key IN (SELECT g.entity_key FROM if_uddi_keyed_ref g WHERE g.kind = ? AND g.bag = 'g' AND g.tmodel_key = ?${members.map((m) => ` AND ${m.sql}`).join('')})`,
          params: [kind, group.tModelKey, ...members.flatMap((m) => m.params)],
        },
      });
    }
    if (atoms.length === 0) return [];
    if (criterion.mode === 'and') return atoms.map((a) => a.sql);
    if (criterion.mode === 'or') return [or(atoms.map((a) => a.sql))];
    const byTModel = new Map<string, Sql[]>();
    for (const a of atoms) byTModel.set(a.tModelKey, [...(byTModel.get(a.tModelKey) ?? []), a.sql]);
    return [...byTModel.values()].map(or);
  }

  /** keyName only counts for uddi:uddi.org:categorization:general_keywords (UDDI v3 §5.1.7). */
  private referenceCondition(alias: string, ref: KeyedReference, match: MatchOptions): Sql {
    const parts: Sql[] = [{ sql: `${alias}.tmodel_key = ?`, params: [ref.tModelKey] }];
    parts.push(this.textCondition(`${alias}.key_value`, `${alias}.key_value_lc`, ref.keyValue, match));
    if (ref.tModelKey === GENERAL_KEYWORDS) parts.push(this.textCondition(`${alias}.key_name`, `${alias}.key_name_lc`, ref.keyName ?? '', match));
    return and(parts);
  }

  // ------------------------------------------------------------------ plumbing

  private async selectEntities(column: string, keys: readonly string[], suffix = ''): Promise<StoredEntity[]> {
    const out: StoredEntity[] = [];
    for (const chunk of chunks([...new Set(keys)])) {
      const rows = (await this.manager.query(`SELECT ${ENTITY_COLUMNS} FROM if_uddi_entity WHERE ${column} IN (${placeholders(chunk.length)})${suffix}`, chunk)) as EntityRowRaw[];
      for (const row of rows) out.push(this.toStored(row));
    }
    return out;
  }

  private toStored(row: EntityRowRaw): StoredEntity {
    const base = {
      key: row.entity_key,
      position: Number(row.position),
      owner: row.owner,
      createdAt: this.hydrate(UddiEntityEntity, row.created_at),
      modifiedAt: this.hydrate(UddiEntityEntity, row.modified_at),
      ...(row.parent_key !== null ? { parentKey: row.parent_key } : {}),
      ...(row.business_key !== null ? { businessKey: row.business_key } : {}),
    };
    const data = JSON.parse(row.document) as never;
    return { ...base, kind: row.kind as EntityKind, data } as StoredEntity;
  }

  private async insertRows(table: string, columns: string, rows: unknown[][]): Promise<void> {
    if (rows.length === 0) return;
    const tuple = `(${placeholders(rows[0].length)})`;
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      await this.manager.query(`INSERT INTO ${table} (${columns}) VALUES ${chunk.map(() => tuple).join(', ')}`, chunk.flat());
    }
  }

  private dateColumn?: ColumnMetadata;

  /** A Date as the driver stores a `datetime` column (UTC text on SQLite), like the engine's rows. */
  private date(value: Date): unknown {
    this.dateColumn ??= this.manager.connection.getMetadata(UddiEntityEntity).findColumnWithPropertyName('createdAt')!;
    return this.manager.connection.driver.preparePersistentValue(value, this.dateColumn);
  }

  private hydrate(entity: typeof UddiEntityEntity | typeof UddiAuthTokenEntity | typeof UddiPublisherEntity, value: unknown): Date {
    const column = this.manager.connection.getMetadata(entity).findColumnWithPropertyName('createdAt')!;
    const hydrated = this.manager.connection.driver.prepareHydratedValue(value, column) as unknown;
    return hydrated instanceof Date ? hydrated : new Date(String(hydrated));
  }
}

function and(parts: Sql[]): Sql {
  return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params) };
}

function or(parts: Sql[]): Sql {
  return { sql: `(${parts.map((p) => `(${p.sql})`).join(' OR ')})`, params: parts.flatMap((p) => p.params) };
}

function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

function namesOf(row: StoredEntity): LocalizedText[] {
  switch (row.kind) {
    case 'business':
    case 'service':
      return row.data.names;
    case 'tModel':
      return [row.data.name];
    default:
      return [];
  }
}

interface ReferenceRow {
  bag: 'c' | 'i' | 'g' | 'gr' | 'd';
  groupSeq: number;
  tModelKey: string;
  keyName: string;
  keyValue: string;
}

function referencesOf(row: StoredEntity): ReferenceRow[] {
  const out: ReferenceRow[] = [];
  const category = (bag: CategoryBag | undefined): void => {
    if (!bag) return;
    for (const r of bag.keyedReferences) out.push({ bag: 'c', groupSeq: 0, tModelKey: r.tModelKey, keyName: r.keyName ?? '', keyValue: r.keyValue });
    bag.keyedReferenceGroups.forEach((g, i) => {
      out.push({ bag: 'g', groupSeq: i + 1, tModelKey: g.tModelKey, keyName: '', keyValue: '' });
      for (const r of g.keyedReferences) out.push({ bag: 'gr', groupSeq: i + 1, tModelKey: r.tModelKey, keyName: r.keyName ?? '', keyValue: r.keyValue });
    });
  };
  const identifiers = (refs: KeyedReference[]): void => {
    for (const r of refs) out.push({ bag: 'i', groupSeq: 0, tModelKey: r.tModelKey, keyName: r.keyName ?? '', keyValue: r.keyValue });
  };
  const discovery = (urls: TypedText[]): void => {
    for (const u of urls) out.push({ bag: 'd', groupSeq: 0, tModelKey: '', keyName: u.useType ?? '', keyValue: sha256(u.value) });
  };
  switch (row.kind) {
    case 'business':
      category(row.data.categoryBag);
      identifiers(row.data.identifierBag);
      discovery(row.data.discoveryURLs);
      break;
    case 'service':
    case 'binding':
      category(row.data.categoryBag);
      break;
    case 'tModel':
      category(row.data.categoryBag);
      identifiers(row.data.identifierBag);
      break;
  }
  return out;
}

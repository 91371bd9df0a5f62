import type { EntityManager, EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type {
  DefinitionRecord,
  HistoryRecord,
  InstanceRecord,
  OutboxRecord,
  TimerRecord,
  WorkItemRecord,
} from '../engine';
import { ConcurrencyError, type InstanceFilter, type OutboxClaimOptions, type OutboxDepth, type OutboxPayload, type StoreTx, type WorkItemFilter } from '../engine';
import {
  DefinitionEntity,
  HistoryEntity,
  InboxEntity,
  InstanceEntity,
  OutboxEntity,
  TimerEntity,
  WorkItemEntity,
} from './entities';
import * as map from './mappers';
import { countedByState, countedInstances, InstanceCounts } from './instance-counts';
import { SqliteStatements } from './sqlite-statements';

export type Dialect = 'sqlite' | 'mysql';

/**
 * Rows per multi-row statement. SQLite binds at most 32,766 parameters per statement and our
 * widest table has 16 columns; MySQL's limit (65,535 placeholders) is looser.
 */
const ROWS_PER_STATEMENT = 500;

/** Columns an upsert overwrites, per entity class (the same for every data source). */
const overwriteColumns = new Map<EntityTarget<ObjectLiteral>, string[]>();

/**
 * One StoreTx per transaction (or per read). All statements go through the EntityManager of the
 * transaction's query runner. Queries use the query builder throughout, never raw SQL with
 * parameters: on SQLite it converts Date parameters to the stored text form, so date comparisons
 * are written once for both databases.
 */
export class TypeormStoreTx implements StoreTx {
  private open = true;
  /** Prepared statements for the hot path on SQLite; undefined on MySQL (the query builder serves). */
  private readonly sqlite?: SqliteStatements;
  private countsOfTx?: InstanceCounts;

  constructor(
    private readonly manager: EntityManager,
    private readonly dialect: Dialect,
    /** 'read' transactions reject writes: they run outside any transaction. */
    private readonly mode: 'write' | 'read',
    /**
     * SQLite write transactions: the latest version of each process, kept by the store across
     * transactions and emptied whenever another connection may have deployed (TypeormStore.runGroup).
     */
    private readonly latestVersions?: Map<string, number>,
  ) {
    if (dialect === 'sqlite') this.sqlite = new SqliteStatements(manager);
  }

  /**
   * The transaction's entity manager, for Interflow's own tables beyond the engine's ports (the
   * message log, the registry): their writes then commit with, and queue behind, everything else.
   */
  entityManager(): EntityManager {
    if (!this.open) throw new Error('this transaction has ended');
    return this.manager;
  }

  /**
   * Rows of one of Interflow's own tables (the message log, say) in one plain multi-row INSERT, the
   * way the engine's hot path writes its own: not through the entity manager's insert(), whose
   * entity bookkeeping cost more than the statement.
   */
  async insertRows<E extends ObjectLiteral>(entity: EntityTarget<E>, rows: ObjectLiteral[]): Promise<void> {
    this.writable('insertRows');
    if (rows.length) await this.insertPlain(entity, rows);
  }

  /** A statement with positional parameters; the number of rows it changed. */
  async execute(sql: string, params: unknown[]): Promise<number> {
    this.writable('execute');
    if (this.sqlite) return this.sqlite.run(sql, params.map((p) => this.sqlite!.param(p)));
    const r = (await this.manager.queryRunner!.query(sql, params, true)) as { affected?: number };
    return r.affected ?? 0;
  }

  /** Called when the transaction or read ends; a StoreTx kept beyond that must not keep working. */
  close(): void {
    this.open = false;
  }

  // ------------------------------------------------------------------ definitions

  async insertDefinition(record: DefinitionRecord): Promise<void> {
    try {
      await this.insert(DefinitionEntity, [map.definitionToRow(record)]);
    } catch (error) {
      // Another process deployed the same version number first (two replicas taking one publish,
      // say): deploying again sees its row, so the caller retries rather than failing.
      if (isDuplicateKeyError(error)) throw new ConcurrencyError(`process ${record.processId} version ${record.version} was deployed concurrently`);
      throw error;
    }
    this.latestVersions?.delete(record.processId);
  }

  async latestDefinitionVersion(processId: string): Promise<number | undefined> {
    if (this.sqlite) {
      this.assertOpen();
      const cached = this.latestVersions?.get(processId);
      if (cached !== undefined) return cached;
      const d = this.sqlite.table(DefinitionEntity);
      const found = this.sqlite.get<{ v: number | null }>(`SELECT MAX(${d.column('version')}) AS v FROM ${d.table} WHERE ${d.column('processId')} = ?`, [processId]);
      const version = found?.v ?? undefined;
      if (version !== undefined) this.latestVersions?.set(processId, version);
      return version;
    }
    const row = (await this.select(DefinitionEntity, 'd')
      .select('MAX(d.version)', 'version')
      .where('d.processId = :processId', { processId })
      .getRawOne()) as { version: number | string | null } | undefined;
    return row?.version === null || row?.version === undefined ? undefined : Number(row.version);
  }

  async findDefinition(processId: string, version?: number): Promise<DefinitionRecord | undefined> {
    const qb = this.select(DefinitionEntity, 'd').where('d.processId = :processId', { processId });
    if (version !== undefined) qb.andWhere('d.version = :version', { version });
    const row = await qb.orderBy('d.version', 'DESC').limit(1).getOne();
    return row ? map.definitionFromRow(row) : undefined;
  }

  async findDefinitionByHash(processId: string, contentHash: string): Promise<DefinitionRecord | undefined> {
    const row = await this.select(DefinitionEntity, 'd')
      .where('d.processId = :processId AND d.contentHash = :contentHash', { processId, contentHash })
      .orderBy('d.version', 'DESC')
      .limit(1)
      .getOne();
    return row ? map.definitionFromRow(row) : undefined;
  }

  async listDefinitions(): Promise<DefinitionRecord[]> {
    const rows = await this.select(DefinitionEntity, 'd')
      .orderBy('d.processId', 'ASC')
      .addOrderBy('d.version', 'DESC')
      .getMany();
    return rows.map(map.definitionFromRow);
  }

  // ------------------------------------------------------------------ instances

  async insertInstance(record: InstanceRecord): Promise<void> {
    try {
      await this.insert(InstanceEntity, [map.instanceToRow(record)]);
    } catch (error) {
      // Two starts with one client key (a client retrying while its first start still runs, on
      // another replica perhaps): the unique index lets one in; the other retries and finds it.
      if (record.clientKey !== undefined && isDuplicateKeyError(error)) {
        throw new ConcurrencyError(`a case of ${record.processId} with client key ${JSON.stringify(record.clientKey)} was started concurrently`);
      }
      throw error;
    }
    await this.counts.inserted(record);
  }

  async findInstanceByClientKey(processId: string, clientKey: string): Promise<InstanceRecord | undefined> {
    if (this.sqlite) return this.instanceWhere(['processId', 'clientKey'], [processId, clientKey]);
    const row = await this.select(InstanceEntity, 'i').where('i.processId = :processId AND i.clientKey = :clientKey', { processId, clientKey }).getOne();
    return row ? map.instanceFromRow(row) : undefined;
  }

  async lockInstance(id: string): Promise<InstanceRecord | undefined> {
    // SQLite has no row locks and needs none: the write transaction holds the only write lock on
    // the file.
    if (this.sqlite) return this.instanceWhere(['id'], [id]);
    const qb = this.select(InstanceEntity, 'i').where('i.id = :id', { id });
    // SQLite has no row locks and needs none: the write transaction holds the only write lock on
    // the file. Outside a transaction (read()) there is nothing to hold a lock for.
    if (this.dialect === 'mysql' && this.mode === 'write') qb.setLock('pessimistic_write');
    const row = await qb.getOne();
    this.counts.seen(row);
    return row ? map.instanceFromRow(row) : undefined;
  }

  async findInstance(id: string): Promise<InstanceRecord | undefined> {
    if (this.sqlite) return this.instanceWhere(['id'], [id]);
    const row = await this.select(InstanceEntity, 'i').where('i.id = :id', { id }).getOne();
    this.counts.seen(row);
    return row ? map.instanceFromRow(row) : undefined;
  }

  async updateInstance(record: InstanceRecord): Promise<void> {
    this.writable('updateInstance');
    // createdAt never changes; everything else is written as given.
    const { id, createdAt: _createdAt, ...changes } = map.instanceToRow(record);
    const before = await this.counts.stateBefore(record);
    if (this.sqlite) {
      if (this.updateWhere(InstanceEntity, changes, { id, revision: record.revision - 1 }) === 1) return this.counts.updated(record, before);
    } else {
      const result = await this.manager
      .createQueryBuilder()
      .update(InstanceEntity)
      .set(changes)
      .where({ id, revision: record.revision - 1 })
      .updateEntity(false)
      .callListeners(false)
      .execute();
      if (result.affected === 1) return this.counts.updated(record, before);
    }
    const current = await this.select(InstanceEntity, 'i')
      .select(['i.id', 'i.revision'])
      .where('i.id = :id', { id })
      .getOne();
    throw new ConcurrencyError(
      current
        ? `Instance ${id} was changed concurrently: expected stored revision ${record.revision - 1}, found ${current.revision}`
        : `Instance ${id} cannot be updated: it does not exist`,
    );
  }

  async listInstances(filter: InstanceFilter): Promise<{ items: InstanceRecord[]; total: number }> {
    const qb = this.select(InstanceEntity, 'i');
    if (filter.processId !== undefined) qb.andWhere('i.processId = :processId', { processId: filter.processId });
    if (filter.state !== undefined) qb.andWhere('i.state = :state', { state: filter.state });
    if (filter.statePrefix !== undefined) {
      if (this.dialect === 'mysql') {
        // Index-friendly; the column's binary collation keeps it case-sensitive as on SQLite.
        qb.andWhere(`i.state LIKE :statePattern ESCAPE '!'`, {
          statePattern: `${filter.statePrefix.replace(/[!%_]/g, '!$&')}%`,
        });
      } else {
        // SQLite's LIKE ignores ASCII case; a range of the (binary) state does not, and unlike
        // substr() it can use the state index. [prefix, prefix with its last character + 1).
        const p = filter.statePrefix;
        if (p.length > 0) {
          qb.andWhere('i.state >= :statePrefixLow AND i.state < :statePrefixHigh', {
            statePrefixLow: p,
            statePrefixHigh: p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1),
          });
        }
      }
    }
    if (filter.parentInstanceId !== undefined) {
      qb.andWhere('i.parentInstanceId = :parentInstanceId', { parentInstanceId: filter.parentInstanceId });
    }
    if (filter.homeDepartment !== undefined) qb.andWhere('i.homeDepartment = :homeDepartment', { homeDepartment: filter.homeDepartment });
    if (filter.homeInstanceId !== undefined) qb.andWhere('i.homeInstanceId = :homeInstanceId', { homeInstanceId: filter.homeInstanceId });
    if (filter.clientKey !== undefined) qb.andWhere('i.clientKey = :clientKey', { clientKey: filter.clientKey });
    // Filtered by process and state only, the maintained counts answer; other filters narrow to a case's own few rows.
    const byCounts = filter.parentInstanceId === undefined && filter.homeDepartment === undefined && filter.homeInstanceId === undefined && filter.clientKey === undefined;
    const total = byCounts ? await countedInstances((sql, params) => this.rawQuery(sql, params), this.dialect, filter) : await qb.clone().getCount();
    qb.orderBy('i.createdAt', 'DESC').addOrderBy('i.id', 'DESC');
    page(qb, filter);
    const rows = filter.limit === 0 ? [] : await qb.getMany();
    return { items: rows.map(map.instanceFromRow), total };
  }

  async countInstancesByState(): Promise<Record<string, number>> {
    this.assertOpen();
    return countedByState((sql, params) => this.rawQuery(sql, params));
  }

  // ------------------------------------------------------------------ work items

  async saveWorkItems(items: WorkItemRecord[]): Promise<void> {
    // One multi-row upsert: inserts the new items and overwrites the existing ones by id, without
    // first asking which is which.
    await this.insert(WorkItemEntity, items.map(map.workItemToRow), { upsert: true });
  }


  async insertWorkItems(items: WorkItemRecord[]): Promise<void> {
    await this.insert(WorkItemEntity, items.map(map.workItemToRow));
  }

  async findWorkItem(id: string): Promise<WorkItemRecord | undefined> {
    const row = await this.select(WorkItemEntity, 'w').where('w.id = :id', { id }).getOne();
    return row ? map.workItemFromRow(row) : undefined;
  }

  async listWorkItems(filter: WorkItemFilter): Promise<WorkItemRecord[]> {
    // An empty list means "none of these", not "no restriction".
    if (filter.participants?.length === 0 || filter.states?.length === 0 || filter.limit === 0) return [];
    if (this.sqlite && filter.homeDepartment === undefined && filter.homeInstanceId === undefined) return this.listWorkItemsSqlite(filter);
    const qb = this.select(WorkItemEntity, 'w');
    if (filter.participants) qb.andWhere('w.participant IN (:...participants)', { participants: filter.participants });
    if (filter.instanceId !== undefined) qb.andWhere('w.instanceId = :instanceId', { instanceId: filter.instanceId });
    if (filter.activityId !== undefined) qb.andWhere('w.activityId = :activityId', { activityId: filter.activityId });
    if (filter.homeDepartment !== undefined || filter.homeInstanceId !== undefined) {
      // The home is the instance's: items of performing instances for that department or case.
      const home = this.select(InstanceEntity, 'hi').select('hi.id');
      if (filter.homeDepartment !== undefined) home.andWhere('hi.homeDepartment = :homeDepartment');
      if (filter.homeInstanceId !== undefined) home.andWhere('hi.homeInstanceId = :homeInstanceId');
      qb.andWhere(`w.instanceId IN (${home.getQuery()})`, { homeDepartment: filter.homeDepartment, homeInstanceId: filter.homeInstanceId });
    }
    if (filter.states) qb.andWhere('w.state IN (:...states)', { states: filter.states });
    qb.orderBy('w.createdAt', 'ASC').addOrderBy('w.id', 'ASC');
    page(qb, filter);
    return (await qb.getMany()).map(map.workItemFromRow);
  }

  /** listWorkItems on SQLite for the filters the engine itself uses (everything but the home ones). */
  private listWorkItemsSqlite(filter: WorkItemFilter): WorkItemRecord[] {
    const sqlite = this.sqlite!;
    const w = sqlite.table(WorkItemEntity);
    const where: string[] = [];
    const params: unknown[] = [];
    const inList = (property: string, values: readonly string[]) => {
      where.push(`${w.column(property)} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    if (filter.participants) inList('participant', filter.participants);
    if (filter.instanceId !== undefined) (where.push(`${w.column('instanceId')} = ?`), params.push(filter.instanceId));
    if (filter.activityId !== undefined) (where.push(`${w.column('activityId')} = ?`), params.push(filter.activityId));
    if (filter.states) inList('state', filter.states);
    let sql = `${where.length ? where.join(' AND ') : '1'} ORDER BY ${w.column('createdAt')} ASC, ${w.column('id')} ASC`;
    if (filter.limit !== undefined || filter.offset) sql += ` LIMIT ${Math.trunc(filter.limit ?? -1)} OFFSET ${Math.trunc(filter.offset ?? 0)}`;
    return sqlite.rows(WorkItemEntity, sql, params).map(map.workItemFromRow);
  }

  // ------------------------------------------------------------------ history

  async appendHistory(events: HistoryRecord[]): Promise<void> {
    await this.insert(HistoryEntity, events.map(map.historyToRow));
  }

  async listHistory(instanceId: string): Promise<HistoryRecord[]> {
    const rows = await this.select(HistoryEntity, 'h')
      .where('h.instanceId = :instanceId', { instanceId })
      .orderBy('h.id', 'ASC')
      .getMany();
    return rows.map(map.historyFromRow);
  }

  // ------------------------------------------------------------------ outbox

  async enqueueOutbox(messages: OutboxRecord[]): Promise<void> {
    await this.insert(OutboxEntity, messages.map(map.outboxToRow));
  }

  async claimOutbox(limit: number, now: Date, leaseMs: number, kinds?: readonly string[], options: OutboxClaimOptions = {}): Promise<OutboxRecord[]> {
    this.writable('claimOutbox');
    if (limit <= 0 || (kinds && kinds.length === 0)) return [];
    if (this.sqlite) return this.claimOutboxSqlite(limit, now, leaseMs, kinds, options);
    const qb = this.select(OutboxEntity, 'o')
      .where('o.state = :pending', { pending: 'pending' })
      .andWhere('o.nextAttemptAt <= :now', { now })
      .andWhere('(o.claimedUntil IS NULL OR o.claimedUntil < :now)');
    if (kinds) qb.andWhere('o.kind IN (:...kinds)', { kinds: [...kinds] });
    if (options.skipDestinations?.length) qb.andWhere('o.destination NOT IN (:...skip)', { skip: [...options.skipDestinations] });
    qb.orderBy('o.createdAt', 'ASC')
      .addOrderBy('o.id', 'ASC')
      .limit(limit);
    // Another replica's claim in flight holds row locks: skip those rows rather than wait for them
    // and then find them claimed. SQLite needs no lock clause, the write transaction is exclusive.
    if (this.dialect === 'mysql') qb.setLock('pessimistic_write').setOnLocked('skip_locked');
    const rows = await qb.getMany();
    if (rows.length === 0) return [];
    await this.manager
      .createQueryBuilder()
      .update(OutboxEntity)
      .set({ claimedUntil: new Date(now.getTime() + leaseMs), claimedBy: options.owner ?? null, attempts: () => 'attempts + 1' })
      .where('id IN (:...ids)', { ids: rows.map((r) => r.id) })
      .updateEntity(false)
      .callListeners(false)
      .execute();
    return rows.map((row) => ({ ...map.outboxFromRow(row), attempts: row.attempts + 1 }));
  }

  private claimOutboxSqlite(limit: number, now: Date, leaseMs: number, kinds: readonly string[] | undefined, options: OutboxClaimOptions): OutboxRecord[] {
    const sqlite = this.sqlite!;
    const o = sqlite.table(OutboxEntity);
    const at = sqlite.param(now);
    const where = [`${o.column('state')} = 'pending'`, `${o.column('nextAttemptAt')} <= ?`, `(${o.column('claimedUntil')} IS NULL OR ${o.column('claimedUntil')} < ?)`];
    const params: unknown[] = [at, at];
    if (kinds) (where.push(`${o.column('kind')} IN (${kinds.map(() => '?').join(', ')})`), params.push(...kinds));
    if (options.skipDestinations?.length) (where.push(`${o.column('destination')} NOT IN (${options.skipDestinations.map(() => '?').join(', ')})`), params.push(...options.skipDestinations));
    const rows = sqlite.rows(OutboxEntity, `${where.join(' AND ')} ORDER BY ${o.column('createdAt')} ASC, ${o.column('id')} ASC LIMIT ${Math.trunc(limit)}`, params);
    if (rows.length === 0) return [];
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const ids = rows.slice(i, i + ROWS_PER_STATEMENT).map((r) => r.id);
      sqlite.run(
        `UPDATE ${o.table} SET ${o.column('claimedUntil')} = ?, ${o.column('claimedBy')} = ?, ${o.column('attempts')} = ${o.column('attempts')} + 1 WHERE ${o.column('id')} IN (${ids.map(() => '?').join(', ')})`,
        [sqlite.param(new Date(now.getTime() + leaseMs)), options.owner ?? null, ...ids],
      );
    }
    return rows.map((row) => ({ ...map.outboxFromRow(row), attempts: row.attempts + 1 }));
  }

  async renewOutboxClaims(ids: readonly string[], until: Date, owner: string): Promise<number> {
    this.writable('renewOutboxClaims');
    if (ids.length === 0) return 0;
    const result = await this.manager
      .createQueryBuilder()
      .update(OutboxEntity)
      .set({ claimedUntil: until })
      .where('id IN (:...ids)', { ids: [...ids] })
      .andWhere('state = :pending', { pending: 'pending' })
      .andWhere('claimed_by = :owner', { owner })
      .updateEntity(false)
      .callListeners(false)
      .execute();
    return result.affected ?? 0;
  }

  async markOutboxSent(id: string, at: Date, payload?: OutboxPayload): Promise<void> {
    await this.update(OutboxEntity, id, { state: 'sent', sentAt: at, claimedUntil: null, claimedBy: null, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  }

  async markOutboxRetry(id: string, error: string, nextAttemptAt: Date, dead: boolean, refusals?: number): Promise<void> {
    const lastError = map.truncateError(error);
    await this.update(OutboxEntity, id, {
      ...(dead ? { state: 'dead' } : { state: 'pending', nextAttemptAt }),
      lastError,
      claimedUntil: null,
      claimedBy: null,
      ...(refusals !== undefined ? { refusals } : {}),
    });
  }

  async listOutbox(filter: { instanceId?: string; state?: OutboxRecord['state'] }): Promise<OutboxRecord[]> {
    const qb = this.select(OutboxEntity, 'o');
    if (filter.instanceId !== undefined) qb.andWhere('o.instanceId = :instanceId', { instanceId: filter.instanceId });
    if (filter.state !== undefined) qb.andWhere('o.state = :state', { state: filter.state });
    const rows = await qb.orderBy('o.createdAt', 'ASC').addOrderBy('o.id', 'ASC').getMany();
    return rows.map(map.outboxFromRow);
  }

  async outboxDepth(): Promise<OutboxDepth[]> {
    const rows: Array<{ kind: string; state: string; count: string | number; oldest: Date | string }> = await this.select(OutboxEntity, 'o')
      .select('o.kind', 'kind')
      .addSelect('o.state', 'state')
      .addSelect('COUNT(*)', 'count')
      .addSelect('MIN(o.createdAt)', 'oldest')
      .where('o.state IN (:...states)', { states: ['pending', 'dead'] })
      .groupBy('o.kind')
      .addGroupBy('o.state')
      .getRawMany();
    return rows.map((r) => ({ kind: r.kind, state: r.state as OutboxDepth['state'], count: Number(r.count), oldestCreatedAt: map.toDate(r.oldest) }));
  }

  // ------------------------------------------------------------------ inbox

  async recordInbox(messageId: string, source: string, at: Date): Promise<boolean> {
    try {
      await this.insert(InboxEntity, [map.inboxRow(messageId, source, at)]);
      return true;
    } catch (error) {
      // The primary key decides, so two transactions racing with one id cannot both win: on MySQL
      // the second INSERT waits for the first to commit and then fails with a duplicate key. A
      // failed statement does not abort the surrounding transaction on either database.
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  // ------------------------------------------------------------------ timers

  async saveTimers(timers: TimerRecord[]): Promise<void> {
    await this.insert(TimerEntity, timers.map(map.timerToRow), { upsert: true });
  }

  async deleteTimers(ids: string[]): Promise<void> {
    this.writable('deleteTimers');
    for (let i = 0; i < ids.length; i += ROWS_PER_STATEMENT) {
      await this.manager
        .createQueryBuilder()
        .delete()
        .from(TimerEntity)
        .where('id IN (:...ids)', { ids: ids.slice(i, i + ROWS_PER_STATEMENT) })
        .callListeners(false)
        .execute();
    }
  }

  async deleteTimersOfActivity(activityInstanceId: string): Promise<void> {
    this.writable('deleteTimersOfActivity');
    await this.manager
      .createQueryBuilder()
      .delete()
      .from(TimerEntity)
      .where({ activityInstanceId })
      .callListeners(false)
      .execute();
  }

  async dueTimers(now: Date, limit: number): Promise<TimerRecord[]> {
    if (limit <= 0) return [];
    const rows = await this.select(TimerEntity, 't')
      .where('t.dueAt <= :now', { now })
      .orderBy('t.dueAt', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .limit(limit)
      .getMany();
    return rows.map(map.timerFromRow);
  }

  async claimDueTimers(now: Date, limit: number, leaseMs: number): Promise<TimerRecord[]> {
    this.writable('claimDueTimers');
    if (limit <= 0) return [];
    const qb = this.select(TimerEntity, 't')
      .innerJoin(InstanceEntity, 'i', 'i.id = t.instanceId')
      .where('t.dueAt <= :now', { now })
      .andWhere('i.state = :running', { running: 'open.running' })
      .andWhere('(t.claimedUntil IS NULL OR t.claimedUntil < :now)')
      .orderBy('t.dueAt', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .limit(limit);
    // As claimOutbox: rows another replica is claiming right now are skipped, not waited for.
    if (this.dialect === 'mysql') qb.setLock('pessimistic_write').setOnLocked('skip_locked');
    const rows = await qb.getMany();
    if (rows.length === 0) return [];
    await this.manager
      .createQueryBuilder()
      .update(TimerEntity)
      .set({ claimedUntil: new Date(now.getTime() + leaseMs) })
      .where('id IN (:...ids)', { ids: rows.map((r) => r.id) })
      .updateEntity(false)
      .callListeners(false)
      .execute();
    return rows.map(map.timerFromRow);
  }

  async takeTimer(id: string): Promise<boolean> {
    this.writable('takeTimer');
    const result = await this.manager
      .createQueryBuilder()
      .delete()
      .from(TimerEntity)
      .where({ id })
      .callListeners(false)
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async listTimers(instanceId: string): Promise<TimerRecord[]> {
    const rows = await this.select(TimerEntity, 't')
      .where('t.instanceId = :instanceId', { instanceId })
      .orderBy('t.dueAt', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .getMany();
    return rows.map(map.timerFromRow);
  }

  // ------------------------------------------------------------------ helpers

  /** The case counts this transaction keeps (instance-counts.ts). */
  private get counts(): InstanceCounts {
    return (this.countsOfTx ??= new InstanceCounts((sql, params) => this.rawQuery(sql, params), this.dialect));
  }

  /** A statement with positional parameters, its rows when it is a SELECT; prepared on SQLite. */
  private async rawQuery(sql: string, params: unknown[] = []): Promise<unknown> {
    if (!this.sqlite) return this.manager.query(sql, params);
    return /^\s*SELECT/i.test(sql) ? this.sqlite.all(sql, params) : this.sqlite.run(sql, params);
  }

  private assertOpen(): void {
    if (!this.open) throw new Error('This StoreTx belongs to a transaction that has already ended');
  }

  private writable(operation: string): void {
    this.assertOpen();
    if (this.mode === 'read') {
      throw new Error(`${operation} writes, but this StoreTx comes from Store.read(); use Store.transaction()`);
    }
  }

  private select<E extends ObjectLiteral>(entity: EntityTarget<E>, alias: string) {
    this.assertOpen();
    return this.manager.createQueryBuilder(entity, alias);
  }

  /**
   * Multi-row INSERT (or upsert) without reading anything back: no RETURNING, no reload of
   * generated ids, no subscribers. This is the hot path.
   */
  private async insert<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    rows: ObjectLiteral[],
    options: { upsert?: boolean } = {},
  ): Promise<void> {
    this.writable('insert');
    if (!options.upsert) return this.insertPlain(entity, rows);
    if (this.sqlite) return this.insertSqlite(entity, rows, true);
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const qb = this.manager
        .createQueryBuilder()
        .insert()
        .into(entity)
        .values(rows.slice(i, i + ROWS_PER_STATEMENT) as E[])
        .updateEntity(false)
        .callListeners(false);
      if (options.upsert) qb.orUpdate(this.nonKeyColumns(entity), ['id']);
      await qb.execute();
    }
  }

  /**
   * Plain multi-row INSERT built once from the entity metadata. This is the engine's hot path (an
   * instance row and a batch of history rows per command); the query builder's per-parameter
   * bookkeeping cost more than SQLite itself did. Values still go through the driver's own
   * conversion, so dates and nulls are stored exactly as the query builder would store them.
   */
  private async insertPlain<E extends ObjectLiteral>(entity: EntityTarget<E>, rows: ObjectLiteral[]): Promise<void> {
    if (this.sqlite) return this.insertSqlite(entity, rows, false);
    const meta = this.manager.connection.getMetadata(entity);
    const driver = this.manager.connection.driver;
    const columns = meta.columns.filter((c) => !c.isGenerated);
    const table = driver.escape(meta.tableName);
    const names = columns.map((c) => driver.escape(c.databaseName)).join(', ');
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
      const params: unknown[] = [];
      for (const row of chunk) {
        for (const c of columns) params.push(driver.preparePersistentValue(row[c.propertyName] ?? null, c));
      }
      await this.manager.query(`INSERT INTO ${table} (${names}) VALUES ${chunk.map(() => tuple).join(', ')}`, params);
    }
  }

  private async update<E extends ObjectLiteral>(entity: EntityTarget<E>, id: string, changes: ObjectLiteral): Promise<void> {
    this.writable('update');
    if (this.sqlite) {
      this.updateWhere(entity, changes, { id });
      return;
    }
    await this.manager
      .createQueryBuilder()
      .update(entity)
      .set(changes as E)
      .where({ id })
      .updateEntity(false)
      .callListeners(false)
      .execute();
  }

  /** One instance by equality on the given properties (SQLite). */
  private instanceWhere(properties: string[], values: unknown[]): InstanceRecord | undefined {
    this.assertOpen();
    const i = this.sqlite!.table(InstanceEntity);
    const row = this.sqlite!.rows(InstanceEntity, properties.map((p) => `${i.column(p)} = ?`).join(' AND '), values)[0];
    this.counts.seen(row);
    return row ? map.instanceFromRow(row) : undefined;
  }

  /**
   * UPDATE … SET the defined properties of `changes` WHERE every property of `where` equals its
   * value (SQLite); the number of rows changed. Undefined properties are left alone, as the query
   * builder's set() leaves them.
   */
  private updateWhere(entity: EntityTarget<ObjectLiteral>, changes: ObjectLiteral, where: ObjectLiteral): number {
    this.writable('update');
    const sqlite = this.sqlite!;
    const shape = sqlite.table(entity);
    const keys = Object.keys(where);
    const { sql, set } = shape.update(changes, keys);
    const driver = this.manager.connection.driver;
    const params = new Array<unknown>(set.length + keys.length);
    for (let i = 0; i < set.length; i++) params[i] = driver.preparePersistentValue(changes[set[i].propertyName], set[i]);
    for (let i = 0; i < keys.length; i++) params[set.length + i] = sqlite.param(where[keys[i]]);
    return sqlite.run(sql, params);
  }

  private insertSqlite(entity: EntityTarget<ObjectLiteral>, rows: ObjectLiteral[], upsert: boolean): void {
    const sqlite = this.sqlite!;
    const shape = sqlite.table(entity);
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const count = Math.min(ROWS_PER_STATEMENT, rows.length - i);
      sqlite.run(shape.insert(count, upsert), shape.rowValues(rows, i, count));
    }
  }

  private nonKeyColumns(entity: EntityTarget<ObjectLiteral>): string[] {
    let columns = overwriteColumns.get(entity);
    if (!columns) {
      columns = this.manager.connection
        .getMetadata(entity)
        .columns.filter((c) => !c.isPrimary)
        .map((c) => c.databaseName);
      overwriteColumns.set(entity, columns);
    }
    return columns;
  }
}

function page(qb: SelectQueryBuilder<ObjectLiteral>, filter: { offset?: number; limit?: number }): void {
  if (filter.limit !== undefined) qb.limit(filter.limit);
  if (filter.offset) {
    qb.offset(filter.offset);
    // MySQL has no OFFSET without LIMIT (TypeORM refuses to build it); "no limit" is a huge one.
    if (filter.limit === undefined) qb.limit(Number.MAX_SAFE_INTEGER);
  }
}

/** Duplicate primary/unique key, from better-sqlite3 or mysql2 (wrapped in QueryFailedError or not). */
export function isDuplicateKeyError(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown; driverError?: { code?: unknown; errno?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  const errno = e?.driverError?.errno ?? e?.errno;
  return (
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'ER_DUP_ENTRY' ||
    errno === 1062
  );
}

import type { InstanceRecord } from '../engine';

/**
 * How many cases there are per process and state, kept up to date in `if_instance_count` in the
 * same transaction as the instance rows, so that ListProcessInstances can give an exact Total
 * without counting every matching case (a COUNT over a million rows took ~0.3 s a page,
 * bench/growth). Created and filled from the cases already stored by migration 1795339000002.
 *
 * Each (process, state) count is spread over COUNT_SLOTS rows, picked by the instance id: on
 * MariaDB a row being counted stays locked until its transaction commits, and one row per state
 * would make every transaction starting a case of one process wait for the one before it. A
 * total adds up at most COUNT_SLOTS rows per (process, state).
 *
 * The store calls this per transaction: `seen` for every instance row it reads, `inserted` after
 * an instance insert, `stateBefore` before an instance update and `updated` after it succeeded.
 * Rows written to if_instance any other way are not counted (recountInstances puts that right).
 */
export const INSTANCE_COUNT_TABLE = 'if_instance_count';
export const COUNT_SLOTS = 16;

type Dialect = 'sqlite' | 'mysql';
type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

/** The slot an instance counts in: a hash of its id, stable for the instance's whole life. */
export function slotOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return (h >>> 0) % COUNT_SLOTS;
}

export class InstanceCounts {
  /** The state and revision of instances this transaction read or wrote. */
  private readonly known = new Map<string, { state: string; revision: number }>();

  constructor(
    private readonly query: Query,
    private readonly dialect: Dialect,
  ) {}

  seen(row: { id: string; state: string; revision: number } | null | undefined): void {
    if (row) this.known.set(row.id, { state: row.state, revision: row.revision });
  }

  async inserted(record: Pick<InstanceRecord, 'id' | 'processId' | 'state' | 'revision'>): Promise<void> {
    await this.add(record.processId, slotOf(record.id), [[record.state, 1]]);
    this.seen(record);
  }

  /**
   * The stored state the update will replace. From what this transaction read, when that was the
   * revision the update expects (a revision names one version of the row); otherwise read, and
   * on MariaDB locked, as the update is about to lock it anyway.
   */
  async stateBefore(record: Pick<InstanceRecord, 'id' | 'revision'>): Promise<string | undefined> {
    const known = this.known.get(record.id);
    if (known?.revision === record.revision - 1) return known.state;
    const rows = (await this.query(`SELECT state, revision FROM if_instance WHERE id = ?${this.dialect === 'mysql' ? ' FOR UPDATE' : ''}`, [record.id])) as Array<{ state: string; revision: number | string }>;
    return rows.length && Number(rows[0].revision) === record.revision - 1 ? rows[0].state : undefined;
  }

  /** After the update succeeded: the instance moves from `before` to its new state. */
  async updated(record: Pick<InstanceRecord, 'id' | 'processId' | 'state' | 'revision'>, before: string | undefined): Promise<void> {
    if (before === undefined) throw new Error(`instance ${record.id} was updated but its previous state was not known; the case counts would drift`);
    if (before !== record.state) {
      await this.add(record.processId, slotOf(record.id), [[before, -1], [record.state, 1]]);
    }
    this.seen(record);
  }

  private async add(processId: string, slot: number, changes: Array<[state: string, delta: number]>): Promise<void> {
    // Always in state order: two transactions moving cases between the same two states then lock
    // the two rows in the same order instead of each holding one and waiting for the other.
    changes.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const params = changes.flatMap(([state, delta]) => [processId, state, slot, delta]);
    await this.query(addStatement(this.dialect, changes.length), params);
  }
}

/** The upsert of `rows` count changes, made once: every started case runs the one-row form. */
const addStatements = { sqlite: new Map<number, string>(), mysql: new Map<number, string>() };
function addStatement(dialect: Dialect, rows: number): string {
  let sql = addStatements[dialect].get(rows);
  if (sql === undefined) {
    const values = Array.from({ length: rows }, () => '(?, ?, ?, ?)').join(', ');
    const upsert = dialect === 'mysql' ? 'ON DUPLICATE KEY UPDATE n = n + VALUES(n)' : 'ON CONFLICT (process_id, state, slot) DO UPDATE SET n = n + excluded.n';
    sql = `INSERT INTO ${INSTANCE_COUNT_TABLE} (process_id, state, slot, n) VALUES ${values} ${upsert}`;
    addStatements[dialect].set(rows, sql);
  }
  return sql;
}

/** The filters a maintained count answers; any other filter is counted over the matching rows. */
export interface CountedFilter {
  processId?: string;
  state?: string;
  statePrefix?: string;
}

/** The number of cases of a process and/or state (or state prefix), from the maintained counts. */
export async function countedInstances(query: Query, dialect: Dialect, filter: CountedFilter): Promise<number> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.processId !== undefined) {
    where.push('process_id = ?');
    params.push(filter.processId);
  }
  if (filter.state !== undefined) {
    where.push('state = ?');
    params.push(filter.state);
  }
  if (filter.statePrefix) {
    // As listInstances matches a prefix: a range of the binary-collated state on both databases.
    const p = filter.statePrefix;
    where.push('state >= ? AND state < ?');
    params.push(p, p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1));
  }
  const rows = (await query(`SELECT COALESCE(SUM(n), 0) AS n FROM ${INSTANCE_COUNT_TABLE}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`, params)) as Array<{ n: number | string }>;
  return Number(rows[0]?.n ?? 0);
}

/** Cases per state, from the maintained counts. */
export async function countedByState(query: Query): Promise<Record<string, number>> {
  const rows = (await query(`SELECT state, SUM(n) AS n FROM ${INSTANCE_COUNT_TABLE} GROUP BY state`)) as Array<{ state: string; n: number | string }>;
  const counts: Record<string, number> = {};
  for (const row of rows) if (Number(row.n) > 0) counts[row.state] = Number(row.n);
  return counts;
}

/**
 * Counts every stored case again, replacing the maintained counts: what the migration does once,
 * and the repair for rows written to if_instance outside the store. Run it in a write transaction;
 * it reads every case.
 */
export async function recountInstances(query: Query): Promise<void> {
  await query(`DELETE FROM ${INSTANCE_COUNT_TABLE}`);
  await query(`INSERT INTO ${INSTANCE_COUNT_TABLE} (process_id, state, slot, n) SELECT process_id, state, 0, COUNT(*) FROM if_instance GROUP BY process_id, state`);
}

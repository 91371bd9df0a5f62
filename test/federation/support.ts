import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { parseHandOverObserver } from '../../src/engine';
import { openStore, parseDatabaseUrl, type TypeormStore } from '../../src/persistence';
import type { ProcessServiceClient } from '../../src/federation';
import { testDatabaseKind } from '../support/test-store';

/** Helpers of the multi-process federation tests: databases per process, starting cases, reading what happened. */

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Drops and creates each named database on the MySQL/MariaDB server of `serverUrl` (a mysql:// URL). */
export async function recreateMysqlDatabases(serverUrl: string, names: string[]): Promise<void> {
  const c = parseDatabaseUrl(serverUrl);
  if (c.kind !== 'mysql') throw new Error(`not a MySQL URL: ${serverUrl}`);
  const conn = await createConnection({ host: c.host, port: c.port, user: c.user, ...(c.password ? { password: c.password } : {}) });
  try {
    for (const name of names) {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.query(`CREATE DATABASE \`${name}\``);
    }
  } finally {
    await conn.end();
  }
}

/**
 * The database URL of each federation process for this run of the suite: an SQLite file in the
 * data directory, or, when the suite runs on MariaDB (INTERFLOW_TEST_DB), a database of its own per
 * process on that server — departments never share an outbox.
 */
export async function databasesFor(dataDir: string, names: string[], prefix: string): Promise<(name: string) => string> {
  if (testDatabaseKind() !== 'mysql') return (name) => `sqlite:${join(dataDir, `${name}.sqlite`)}`;
  const base = process.env.INTERFLOW_TEST_DB!.trim();
  const config = parseDatabaseUrl(base);
  if (config.kind !== 'mysql') throw new Error('INTERFLOW_TEST_DB is not MySQL');
  const dbName = (name: string) => `${config.database}_${prefix}_${name}`;
  await recreateMysqlDatabases(base, names.map(dbName));
  return (name) => {
    const url = new URL(base);
    url.pathname = `/${dbName(name)}`;
    return url.toString();
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface ExpressCase {
  applicantId: string;
  address: string;
  safe: boolean;
  id?: string;
}

/** Cases with distinct applicants and addresses; every `rejectEvery`-th premises is in a basement. */
export function expressCases(n: number, tag: string, rejectEvery = 20): ExpressCase[] {
  return Array.from({ length: n }, (_, i) => {
    const safe = (i + 1) % rejectEvery !== 0;
    return { applicantId: `${tag}-${String(i).padStart(4, '0')}`, address: safe ? `${i + 1} Market Street` : `${i + 1} Market Street, basement unit`, safe };
  });
}

/** Starts the cases over SOAP with `workers` concurrent callers, pausing `gapMs` after each start. */
export async function startExpressCases(client: ProcessServiceClient, cases: ExpressCase[], options: { workers?: number; gapMs?: number } = {}): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: options.workers ?? 2 }, async () => {
      while (next < cases.length) {
        const c = cases[next++];
        const r = await client.startProcess('business_licence_express', { applicantId: c.applicantId, businessName: `Shop ${c.applicantId}`, address: c.address });
        c.id = r.id;
        if (options.gapMs) await sleep(options.gapMs);
      }
    }),
  );
}

/** How many express cases are closed.completed at market, asked as a legacy client would. */
export async function completedCount(admin: ProcessServiceClient): Promise<number> {
  return (await admin.listProcessInstances({ processId: 'business_licence_express', state: 'closed.completed', limit: 1 })).total;
}

export async function withStore<T>(url: string, fn: (store: TypeormStore) => Promise<T>): Promise<T> {
  const store = await openStore(url, { migrate: false });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function rows<T = Record<string, unknown>>(store: TypeormStore, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await store.dataSource.query(sql, params)) as T[];
}

export interface PerformingAudit {
  /** Performing instances per hand-over item id. */
  instancesPerItem: Map<string, number>;
  /** Performing instances per home case id. */
  instancesPerCase: Map<string, number>;
  /** Performing instances that did not complete. */
  notCompleted: string[];
  /** activity.completed events of the performed activity per performing instance. */
  completionsPerInstance: Map<string, number>;
  /** Received hand-over items: how often each was acknowledged accepted / duplicate / otherwise. */
  acks: Map<string, { accepted: number; duplicate: number; other: string[] }>;
}

/** What a receiving department did with the hand-overs of `processId`: from its instances, history and message log. */
export async function auditPerformer(store: TypeormStore, processId: string, activityId: string): Promise<PerformingAudit> {
  const instances = await rows<{ id: string; state: string; observer: string }>(store, `SELECT id, state, observer FROM if_instance WHERE process_id = ? AND observer LIKE 'transfer:%'`, [processId]);
  const audit: PerformingAudit = { instancesPerItem: new Map(), instancesPerCase: new Map(), notCompleted: [], completionsPerInstance: new Map(), acks: new Map() };
  for (const i of instances) {
    const target = parseHandOverObserver(i.observer)!;
    audit.instancesPerItem.set(target.itemId, (audit.instancesPerItem.get(target.itemId) ?? 0) + 1);
    audit.instancesPerCase.set(target.caseId, (audit.instancesPerCase.get(target.caseId) ?? 0) + 1);
    if (i.state !== 'closed.completed') audit.notCompleted.push(`${i.id} ${i.state}`);
    audit.completionsPerInstance.set(i.id, 0);
  }
  const completions = await rows<{ instance_id: string; n: number | string }>(
    store,
    `SELECT instance_id, COUNT(*) AS n FROM if_history WHERE type = 'activity.completed' AND activity_id = ? GROUP BY instance_id`,
    [activityId],
  );
  for (const c of completions) if (audit.completionsPerInstance.has(c.instance_id)) audit.completionsPerInstance.set(c.instance_id, Number(c.n));
  const items = await rows<{ item_id: string; outcome: string }>(
    store,
    `SELECT i.item_id, i.outcome FROM if_message_item i INNER JOIN if_message m ON m.log_id = i.log_id WHERE m.direction = 'in' AND i.kind = 'hand-over'`,
  );
  for (const it of items) {
    const a = audit.acks.get(it.item_id) ?? { accepted: 0, duplicate: 0, other: [] };
    if (it.outcome === 'accepted') a.accepted++;
    else if (it.outcome === 'duplicate') a.duplicate++;
    else a.other.push(it.outcome);
    audit.acks.set(it.item_id, a);
  }
  return audit;
}

/** The activities of an express case's path at market, in the order they run. */
export function expressPath(safe: boolean): string[] {
  return ['x_start', 'x_check', 'x_register_taxpayer', 'x_fire_check', 'x_join', 'x_decide', ...(safe ? ['x_issue', 'x_end_issued'] : ['x_reject', 'x_end_rejected'])];
}

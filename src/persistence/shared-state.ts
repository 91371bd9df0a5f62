import { createHash } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import type { TypeormStore } from './typeorm-store';
import type { TypeormStoreTx } from './typeorm-store-tx';
import { OutboxEntity } from './entities';

/**
 * What replicas of one department share through their database (docs/operations.md, "What is
 * shared"): replay keys, console sessions, failed-authentication counts and the binder's last
 * known good registry answers. Each operation is one
 * indexed statement; the races replicas run into (two accept the same nonce, two count a failure)
 * are settled by the primary key inside that statement, never by reading first.
 *
 * Expired rows are swept now and then by whoever writes (at most once per SWEEP_EVERY_MS per
 * table and process), with a bounded DELETE on the expiry index.
 */
const SWEEP_EVERY_MS = 30_000;
const SWEEP_BATCH = 5_000;

export function sharedKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export type ClaimResult = 'fresh' | 'seen';

export interface StoredSession {
  idHash: string;
  username: string;
  userDoc: string;
  csrf: string;
  createdAt: number;
  lastSeen: number;
}

export class SharedState {
  private readonly lastSweep = new Map<string, number>();

  constructor(private readonly store: TypeormStore) {}

  get mysql(): boolean {
    return this.store.kind === 'mysql';
  }

  // ------------------------------------------------------------------ replay keys

  /**
   * Records `key` until `untilMs` unless a live record of it exists. Of two replicas claiming the
   * same key at once, the primary key makes exactly one see 'fresh'. An expired record is taken
   * over in the same statement (its expiry is moved only when it has passed).
   */
  async claim(key: string, untilMs: number, nowMs: number): Promise<ClaimResult> {
    const hash = sharedKeyHash(key);
    let affected: number;
    if (this.mysql) {
      // Two statements, not ON DUPLICATE KEY UPDATE: mysql2 reports found rather than changed rows,
      // so an upsert that left a live key alone would still count 1. The UPDATE re-reads the row
      // under its lock, so of two replicas taking over the same expired key only one matches.
      affected = await this.write('INSERT IGNORE INTO if_replay_key (key_hash, expires_at) VALUES (?, ?)', [hash, untilMs]);
      if (affected === 0) affected = await this.write('UPDATE if_replay_key SET expires_at = ? WHERE key_hash = ? AND expires_at <= ?', [untilMs, hash, nowMs]);
    } else {
      affected = await this.write(
        'INSERT INTO if_replay_key (key_hash, expires_at) VALUES (?, ?) ON CONFLICT(key_hash) DO UPDATE SET expires_at = excluded.expires_at WHERE if_replay_key.expires_at <= ?',
        [hash, untilMs, nowMs],
      );
    }
    this.sweepSoon('if_replay_key', 'DELETE FROM if_replay_key WHERE expires_at <= ?', nowMs, nowMs);
    return affected > 0 ? 'fresh' : 'seen';
  }

  // ------------------------------------------------------- failed-authentication counts

  /** The live counts of `keys` (failures since `since`, a window starting at the first failure). */
  async failures(keys: string[], windowStartMs: number): Promise<Map<string, { count: number; since: number }>> {
    const out = new Map<string, { count: number; since: number }>();
    if (keys.length === 0) return out;
    const byHash = new Map(keys.map((k) => [sharedKeyHash(k), k]));
    const rows = (await this.read(`SELECT key_hash, failures, since FROM if_auth_failure WHERE key_hash IN (${keys.map(() => '?').join(', ')}) AND since > ?`, [
      ...byHash.keys(),
      windowStartMs,
    ])) as Array<{ key_hash: string; failures: number | string; since: number | string }>;
    for (const r of rows) out.set(byHash.get(r.key_hash)!, { count: Number(r.failures), since: Number(r.since) });
    return out;
  }

  /** Counts one failure against each key: a new window when the key's last one has ended. */
  async countFailure(keys: string[], nowMs: number, windowMs: number): Promise<void> {
    const ended = nowMs - windowMs;
    for (const key of keys) {
      const hash = sharedKeyHash(key);
      // MySQL assigns left to right: `failures` is computed while `since` still holds the old value.
      await this.write(
        this.mysql
          ? 'INSERT INTO if_auth_failure (key_hash, failures, since) VALUES (?, 1, ?) ON DUPLICATE KEY UPDATE failures = IF(since <= ?, 1, failures + 1), since = IF(since <= ?, VALUES(since), since)'
          : 'INSERT INTO if_auth_failure (key_hash, failures, since) VALUES (?, 1, ?) ON CONFLICT(key_hash) DO UPDATE SET failures = CASE WHEN since <= ? THEN 1 ELSE failures + 1 END, since = CASE WHEN since <= ? THEN excluded.since ELSE since END',
        [hash, nowMs, ended, ended],
      );
    }
    this.sweepSoon('if_auth_failure', 'DELETE FROM if_auth_failure WHERE since <= ?', ended, nowMs);
  }

  // ------------------------------------------------------------------ console sessions

  async putSession(s: StoredSession): Promise<void> {
    await this.write('INSERT INTO if_console_session (id_hash, username, user_doc, csrf, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)', [
      s.idHash,
      s.username,
      s.userDoc,
      s.csrf,
      s.createdAt,
      s.lastSeen,
    ]);
  }

  async getSession(idHash: string): Promise<StoredSession | undefined> {
    const rows = (await this.read('SELECT id_hash, username, user_doc, csrf, created_at, last_seen FROM if_console_session WHERE id_hash = ?', [idHash])) as Array<
      Record<string, string | number>
    >;
    const r = rows[0];
    if (!r) return undefined;
    return {
      idHash: String(r.id_hash),
      username: String(r.username),
      userDoc: String(r.user_doc),
      csrf: String(r.csrf),
      createdAt: Number(r.created_at),
      lastSeen: Number(r.last_seen),
    };
  }

  async touchSession(idHash: string, lastSeen: number): Promise<void> {
    await this.write('UPDATE if_console_session SET last_seen = ? WHERE id_hash = ? AND last_seen < ?', [lastSeen, idHash, lastSeen]);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.write('DELETE FROM if_console_session WHERE id_hash = ?', [idHash]);
  }

  /** Drops sessions idle since `idleBefore` or created before `createdBefore`. */
  async sweepSessions(idleBefore: number, createdBefore: number, nowMs: number): Promise<void> {
    if (!this.due('if_console_session', nowMs)) return;
    await this.write('DELETE FROM if_console_session WHERE last_seen < ? OR created_at < ?', [idleBefore, createdBefore]);
  }

  // ------------------------------------------------------------- the binding cache

  /** The last known good registry answer saved under `key` (a binder's cache key). */
  async loadSnapshot(key: string): Promise<{ doc: string; fetchedAt: number } | undefined> {
    const rows = (await this.read('SELECT doc, fetched_at FROM if_binding_cache WHERE cache_key = ?', [key.slice(0, 255)])) as Array<{ doc: string; fetched_at: number | string }>;
    return rows[0] ? { doc: String(rows[0].doc), fetchedAt: Number(rows[0].fetched_at) } : undefined;
  }

  async saveSnapshot(key: string, doc: string, fetchedAt: number): Promise<void> {
    await this.write(
      this.mysql
        ? 'INSERT INTO if_binding_cache (cache_key, doc, fetched_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE doc = VALUES(doc), fetched_at = VALUES(fetched_at)'
        : 'INSERT INTO if_binding_cache (cache_key, doc, fetched_at) VALUES (?, ?, ?) ON CONFLICT(cache_key) DO UPDATE SET doc = excluded.doc, fetched_at = excluded.fetched_at',
      [key.slice(0, 255), doc, fetchedAt],
    );
  }

  // ------------------------------------------------------------------------- the outbox

  /**
   * Rows waiting out a retry backoff become due now: after the hub came back, what failed during
   * the outage is sent at once instead of after its backoff (up to a minute). Returns how many.
   */
  async outboxDueNow(now: Date): Promise<number> {
    return this.store.transaction(async (tx) => {
      const r = await (tx as TypeormStoreTx)
        .entityManager()
        .createQueryBuilder()
        .update(OutboxEntity)
        .set({ nextAttemptAt: now })
        .where('state = :pending AND next_attempt_at > :now', { pending: 'pending', now })
        .updateEntity(false)
        .callListeners(false)
        .execute();
      return r.affected ?? 0;
    });
  }

  // ------------------------------------------------------------------------- plumbing

  /** Runs a statement that changes rows and returns how many it changed. */
  private async write(sql: string, params: unknown[]): Promise<number> {
    if (this.mysql) {
      // Autocommit on a pooled connection: one round trip, no transaction to hold locks longer.
      return this.onMysql((qr) => qr.query(sql, params, true).then((r: { affected?: number }) => r.affected ?? 0));
    }
    // SQLite has one writer connection: writes queue with the engine's transactions.
    return this.store.transaction((tx) => (tx as TypeormStoreTx).execute(sql, params));
  }

  private async read(sql: string, params: unknown[]): Promise<unknown[]> {
    if (this.mysql) return this.onMysql((qr) => qr.query(sql, params) as Promise<unknown[]>);
    return this.store.read((tx) => (tx as TypeormStoreTx).entityManager().query(sql, params) as Promise<unknown[]>);
  }

  private async onMysql<T>(fn: (qr: QueryRunner) => Promise<T>): Promise<T> {
    const qr = this.store.dataSource.createQueryRunner('master');
    try {
      return await fn(qr);
    } finally {
      await qr.release();
    }
  }

  private due(table: string, nowMs: number): boolean {
    const last = this.lastSweep.get(table);
    if (last !== undefined && nowMs - last < SWEEP_EVERY_MS && nowMs >= last) return false;
    this.lastSweep.set(table, nowMs);
    return true;
  }

  /** A bounded sweep in the background: the request that triggered it does not wait for it. */
  private sweepSoon(table: string, sql: string, cutoff: number, nowMs: number): void {
    if (!this.due(table, nowMs)) return;
    const bounded = this.mysql ? `${sql} LIMIT ${SWEEP_BATCH}` : sql;
    void this.write(bounded, [cutoff]).catch(() => undefined);
  }
}

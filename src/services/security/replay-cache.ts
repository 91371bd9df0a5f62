/**
 * The one replay cache (docs/security.md, "Replay"): WS-Security UsernameToken nonces and the
 * signature values of signed messages (transfers, Wf-XML between departments) are remembered until
 * the token or message could no longer pass its freshness check; after that a replay is refused as
 * expired anyway. Only authenticated input is remembered, so a caller without credentials cannot
 * fill it.
 *
 * Replicas of a department share it through their database (src/persistence SharedState, wired
 * by `databaseReplayCache`): then of two replicas receiving the same nonce at once exactly one
 * accepts it. `ReplayCache` here is the in-process implementation for servers without a shared
 * store (tests, a single process verifying a log).
 */
export type RememberResult = 'fresh' | 'seen' | 'full';

export interface ReplayCacheLike {
  /**
   * Records `key` until `until` and says whether it was new. Must be atomic: of two concurrent
   * calls with the same key, exactly one may see 'fresh'. 'full' refuses a newcomer rather than
   * forget a live key (which would reopen its replay window).
   */
  remember(key: string, until: Date, now: Date): RememberResult | Promise<RememberResult>;
}

export interface ReplayCacheOptions {
  /** Default 100,000: more than six minutes of messages at 250 signed messages per second. */
  maxEntries?: number;
}

export const DEFAULT_REPLAY_CACHE_ENTRIES = 100_000;

// Each call drops up to this many expired entries from the oldest end, so the cache shrinks with
// the traffic instead of in one long sweep.
const SWEEP_PER_CALL = 4;

export class ReplayCache implements ReplayCacheLike {
  readonly maxEntries: number;
  // Insertion order is close to expiry order (senders use similar lifetimes), which lets the
  // incremental sweep look only at the oldest entries.
  private readonly entries = new Map<string, number>();

  constructor(options: ReplayCacheOptions = {}) {
    const max = options.maxEntries ?? DEFAULT_REPLAY_CACHE_ENTRIES;
    if (!Number.isInteger(max) || max < 1) throw new Error(`ReplayCache: maxEntries must be a positive integer, not ${max}`);
    this.maxEntries = max;
  }

  get size(): number {
    return this.entries.size;
  }

  remember(key: string, until: Date, now: Date): RememberResult {
    const nowMs = now.getTime();
    this.sweepOldest(nowMs);
    const known = this.entries.get(key);
    if (known !== undefined && known > nowMs) return 'seen';
    if (known !== undefined) this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      this.sweepAll(nowMs);
      // Full of unexpired entries: evicting one would reopen its replay window, so refuse the
      // newcomer instead. Only authentic input gets this far; the sender will retry later.
      if (this.entries.size >= this.maxEntries) return 'full';
    }
    this.entries.set(key, until.getTime());
    return 'fresh';
  }

  private sweepOldest(nowMs: number): void {
    let n = 0;
    for (const [key, until] of this.entries) {
      if (n++ >= SWEEP_PER_CALL || until > nowMs) return;
      this.entries.delete(key);
    }
  }

  private sweepAll(nowMs: number): void {
    for (const [key, until] of this.entries) if (until <= nowMs) this.entries.delete(key);
  }
}

/** The cache over a shared store's `claim` (src/persistence SharedState): never full. */
export function sharedReplayCache(shared: { claim(key: string, untilMs: number, nowMs: number): Promise<'fresh' | 'seen'> }): ReplayCacheLike {
  return { remember: (key, until, now) => shared.claim(key, until.getTime(), now.getTime()) };
}

/**
 * Remembers UsernameToken nonces until the token they came in can no longer pass the freshness
 * check, bounded in size and in time. Only tokens whose digest was verified are remembered, so a
 * caller without credentials cannot fill it. When it is full of live entries it refuses new ones
 * (fail closed) rather than forgetting a live nonce, which would let that token be replayed.
 *
 * In-process only: engine replicas behind one address each keep their own (see docs/security.md).
 */
export type NonceCheck = 'fresh' | 'replay' | 'full';

export interface NonceCache {
  /** Records `key` until `expiresAt` (epoch ms) unless it is already live. */
  checkAndRemember(key: string, expiresAt: number, now: number): NonceCheck;
  readonly size: number;
}

export class MemoryNonceCache implements NonceCache {
  private readonly entries = new Map<string, number>();
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    readonly capacity: number,
    /** Least time between two full sweeps when the cache is full, ms (a sweep is O(size)). */
    private readonly sweepIntervalMs = 1_000,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('nonce cache capacity must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  checkAndRemember(key: string, expiresAt: number, now: number): NonceCheck {
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      if (existing > now) return 'replay';
      this.entries.delete(key);
    }
    this.dropExpiredHead(now);
    if (this.entries.size >= this.capacity) {
      if (now - this.lastSweep >= this.sweepIntervalMs || now < this.lastSweep) this.sweep(now);
      if (this.entries.size >= this.capacity) return 'full';
    }
    this.entries.set(key, expiresAt);
    return 'fresh';
  }

  /** Entries are mostly inserted in expiry order: drop expired ones from the front, a few at a time. */
  private dropExpiredHead(now: number): void {
    let budget = 16;
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt > now || budget-- === 0) break;
      this.entries.delete(key);
    }
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, expiresAt] of this.entries) if (expiresAt <= now) this.entries.delete(key);
  }
}

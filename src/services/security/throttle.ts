/**
 * Throttling of failed authentication, shared by the console login, the SOAP services (HTTP Basic
 * and WS-Security UsernameToken) and the UDDI get_authToken (docs/security.md, "Throttling").
 *
 * Failures are counted per claimed user name and per client address, each in a fixed window that
 * starts at its first failure. When either count reaches the limit, every attempt for that user or
 * from that address is refused until the window ends — a correct password included, so a guesser
 * learns nothing while throttled. A success resets nothing: nine wrong guesses for one user and a
 * good login as another, repeated, still reach the limit. The counts live in memory or, on a
 * server, in the database its replicas share (ThrottleCounts).
 */
export interface ThrottleOptions {
  /** Failures per user name within the window (default 10). */
  maxPerUser?: number;
  /** Failures per client address within the window (default 20). */
  maxPerAddress?: number;
  /** Window length in ms (default 10 minutes). */
  windowMs?: number;
  /** Memory only: keys tracked at most (default 20,000). */
  maxTracked?: number;
  now?: () => number;
  /** Where the counts live (default in memory): the shared database on a server. */
  counts?: ThrottleCounts;
}

export interface ThrottleKeys {
  /** The user name the caller claimed (compared without case). */
  user?: string;
  /** The client address (the socket's). */
  address?: string;
}

/** A refusal: how long to wait, and for what (never whether the password was right). */
export interface Throttled {
  retryAfterSeconds: number;
  /** "user" or "address": which count is over its limit. */
  by: 'user' | 'address';
}

export const DEFAULT_THROTTLE = Object.freeze({ maxPerUser: 10, maxPerAddress: 20, windowMs: 10 * 60_000, maxTracked: 20_000 });

/**
 * Where failure counts live: in process memory (default), or in the database replicas share
 * (src/persistence SharedState), so that N replicas behind a balancer throttle as one.
 */
export interface ThrottleCounts {
  /** The counts of `keys` whose window started after `windowStart`. */
  get(keys: string[], windowStart: number): Promise<Map<string, { count: number; since: number }>> | Map<string, { count: number; since: number }>;
  /** One more failure for each key; a key whose window ended starts a new one at `now`. */
  add(keys: string[], now: number, windowMs: number): Promise<void> | void;
}

/** Failure counts in process memory; past `maxTracked` keys the oldest is forgotten. */
export class MemoryThrottleCounts implements ThrottleCounts {
  private readonly counts = new Map<string, { count: number; since: number }>();

  constructor(private readonly maxTracked: number = DEFAULT_THROTTLE.maxTracked) {}

  get(keys: string[], windowStart: number): Map<string, { count: number; since: number }> {
    const out = new Map<string, { count: number; since: number }>();
    for (const key of keys) {
      const c = this.counts.get(key);
      if (!c) continue;
      if (c.since <= windowStart) this.counts.delete(key);
      else out.set(key, { ...c });
    }
    return out;
  }

  add(keys: string[], now: number, windowMs: number): void {
    for (const key of keys) {
      const c = this.counts.get(key);
      if (c && now - c.since < windowMs) {
        c.count += 1;
        continue;
      }
      this.counts.delete(key);
      while (this.counts.size >= this.maxTracked) this.counts.delete(this.counts.keys().next().value as string);
      this.counts.set(key, { count: 1, since: now });
    }
  }
}

export class AuthThrottle {
  private readonly maxPerUser: number;
  private readonly maxPerAddress: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly counts: ThrottleCounts;

  constructor(options: ThrottleOptions = {}) {
    this.maxPerUser = options.maxPerUser ?? DEFAULT_THROTTLE.maxPerUser;
    this.maxPerAddress = options.maxPerAddress ?? DEFAULT_THROTTLE.maxPerAddress;
    this.windowMs = options.windowMs ?? DEFAULT_THROTTLE.windowMs;
    this.now = options.now ?? Date.now;
    this.counts = options.counts ?? new MemoryThrottleCounts(options.maxTracked ?? DEFAULT_THROTTLE.maxTracked);
  }

  /** Undefined when an attempt may go ahead; otherwise how long to wait. */
  async check(keys: ThrottleKeys): Promise<Throttled | undefined> {
    const now = this.now();
    const list = this.keysOf(keys);
    if (list.length === 0) return undefined;
    const counts = await this.counts.get(
      list.map(([k]) => k),
      now - this.windowMs,
    );
    for (const [key, max, by] of list) {
      const c = counts.get(key);
      if (c && c.count >= max) return { retryAfterSeconds: Math.max(1, Math.ceil((c.since + this.windowMs - now) / 1000)), by };
    }
    return undefined;
  }

  /** Counts one failed attempt against the user and the address. */
  async fail(keys: ThrottleKeys): Promise<void> {
    const list = this.keysOf(keys);
    if (list.length > 0) await this.counts.add(list.map(([k]) => k), this.now(), this.windowMs);
  }

  private keysOf(keys: ThrottleKeys): Array<[string, number, 'user' | 'address']> {
    const out: Array<[string, number, 'user' | 'address']> = [];
    if (keys.user !== undefined && keys.user !== '') out.push([`u\u0000${keys.user.toLowerCase().slice(0, 256)}`, this.maxPerUser, 'user']);
    if (keys.address !== undefined && keys.address !== '') out.push([`a\u0000${keys.address}`, this.maxPerAddress, 'address']);
    return out;
  }
}

/** "try again in 7 minutes" / "in 40 seconds": the wait, in words for a fault or a page. */
export function describeWait(seconds: number): string {
  if (seconds >= 120) return `${Math.ceil(seconds / 60)} minutes`;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/** The text every throttled refusal shares. */
export function throttledMessage(t: Throttled): string {
  return `too many failed authentication attempts ${t.by === 'user' ? 'for this user' : 'from this address'}; try again in ${describeWait(t.retryAfterSeconds)} (Retry-After: ${t.retryAfterSeconds} s)`;
}

/**
 * When an outbox message that failed its `attempts`-th delivery is tried again: exponential
 * backoff from `baseMs`, capped at `maxMs`. Every dispatcher uses the same schedule, so a message's
 * next attempt reads the same whoever sends it.
 */
export function outboxRetryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

import { waitFor as poll } from '../../src/federation';

/**
 * The one way a test waits for something another process, timer or server does: poll check()
 * until it returns something truthy, and fail with `what` when it has not by the deadline. Tests
 * wait for a condition, never for a fixed time (a sleep is either too short under load or wasted).
 * The polling is the launcher's own (src/federation waitFor), with a test's shorter defaults.
 */
export function waitFor<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 15_000, intervalMs = 20): Promise<T> {
  return poll(what, async () => check(), { timeoutMs, intervalMs });
}

import type { Logger } from 'pino';
import type { MessageLog, PurgeReport } from './message-log';

/** How long the message log keeps messages: whole days, or forever. */
export type MessageLogRetention = { days: number } | 'forever';

export const DEFAULT_MESSAGE_LOG_RETENTION_DAYS = 365;
export const RETENTION_ENV = 'INTERFLOW_MESSAGE_LOG_RETENTION_DAYS';
/** The servers purge once when they start, then at this interval. */
export const PURGE_INTERVAL_MS = 3600_000;

const DAY_MS = 86_400_000;

/**
 * INTERFLOW_MESSAGE_LOG_RETENTION_DAYS: a whole number of days from 1 (default 365), or `forever`.
 * 0 is refused rather than read either way: "keep nothing" and "no limit" are both plausible
 * readings, and a wrong guess either destroys evidence or keeps personal data without end.
 */
export function messageLogRetentionFromEnv(env: NodeJS.ProcessEnv): MessageLogRetention {
  const raw = env[RETENTION_ENV]?.trim();
  if (!raw) return { days: DEFAULT_MESSAGE_LOG_RETENTION_DAYS };
  if (raw.toLowerCase() === 'forever') return 'forever';
  return { days: retentionDays(raw, RETENTION_ENV, true) };
}

/** Parses a number of days (a whole number from 1); `what` names the setting in the error. */
export function retentionDays(raw: string, what: string, orForever = false): number {
  const n = Number(raw);
  if (/^0+$/.test(raw)) throw new Error(`${what} is 0: write a number of days from 1${orForever ? ', or forever to keep every message' : ''}`);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new Error(`${what} must be a whole number of days from 1${orForever ? ' or forever' : ''}; got "${raw}"`);
  return n;
}

export function describeRetention(r: MessageLogRetention): string {
  return r === 'forever' ? 'forever' : `${r.days} day${r.days === 1 ? '' : 's'}`;
}

/** The moment before which messages are purged, `days` days before `now`. */
export function retentionCutoff(days: number, now: Date): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

export interface MessageLogPurger {
  /** Resolves after the purge that runs when the purger starts (tests wait for it). */
  readonly firstRun: Promise<PurgeReport | undefined>;
  stop(): Promise<void>;
}

/**
 * Purges the message log now and then every `intervalMs`, per the retention; with `forever` it
 * does nothing. One purge at a time; a failed purge is logged and tried again at the next tick.
 */
export function startMessageLogPurge(o: {
  messageLog: MessageLog;
  retention: MessageLogRetention;
  log: Logger;
  intervalMs?: number;
  now?: () => Date;
}): MessageLogPurger {
  const retention = o.retention;
  if (retention === 'forever') {
    o.log.info({ retention: 'forever' }, 'message log kept forever (INTERFLOW_MESSAGE_LOG_RETENTION_DAYS=forever): nothing is purged');
    return { firstRun: Promise.resolve(undefined), stop: async () => undefined };
  }
  let running: Promise<PurgeReport | undefined> | undefined;
  const once = (): Promise<PurgeReport | undefined> => {
    const before = retentionCutoff(retention.days, (o.now ?? (() => new Date()))());
    running = o.messageLog.purge(before).then(
      (report) => {
        const line = { purged: report.messages, items: report.items, before: before.toISOString(), retentionDays: retention.days };
        if (report.messages > 0) o.log.info(line, `message log purge: removed ${report.messages} message(s) logged before ${before.toISOString()} (retention ${describeRetention(retention)})`);
        else o.log.debug(line, 'message log purge: nothing older than the retention');
        return report;
      },
      (err: unknown) => {
        o.log.warn({ err }, 'message log purge failed; it runs again at the next interval');
        return undefined;
      },
    ).finally(() => {
      running = undefined;
    });
    return running;
  };
  const firstRun = once();
  const timer = setInterval(() => {
    // A purge still deleting when the next tick comes is left to finish; the tick is skipped.
    if (!running) void once();
  }, o.intervalMs ?? PURGE_INTERVAL_MS);
  timer.unref();
  return {
    firstRun,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

import type { Logger } from 'pino';

/**
 * A logger whose every line names the case (`caseId`), so one query over the JSON logs finds
 * everything that happened to a case across requests, timers and dispatchers.
 */
export function caseLogger(log: Logger, instanceId: string): Logger {
  return log.child({ caseId: instanceId });
}

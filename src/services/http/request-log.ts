import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { LOCALS_LOGGED, LOCALS_REQUEST_ID } from '../soap';

/**
 * Gives every request a correlation id (echoed as X-Request-Id) and writes one log line for each
 * request the SOAP layer did not already log itself (health checks, WSDL downloads, 404s).
 */
export function requestLog(log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    res.locals[LOCALS_REQUEST_ID] = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.once('finish', () => {
      if (res.locals[LOCALS_LOGGED]) return;
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
      log.info({ requestId, method: req.method, path: req.path, status: res.statusCode, ms }, 'http request');
    });
    next();
  };
}

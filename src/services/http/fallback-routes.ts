import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { faultEnvelope, faultStatus, internalFault, LOCALS_REQUEST_ID, SoapFault, versionOfContentType, CONTENT_TYPES } from '../soap';

function sendFault(req: Request, res: Response, fault: SoapFault): void {
  const version = versionOfContentType(req.headers['content-type']);
  res.status(faultStatus(version, fault)).setHeader('Content-Type', CONTENT_TYPES[version]);
  res.end(faultEnvelope(version, fault));
}

/**
 * A wrong URL is the commonest integration mistake; the fault lists the endpoints that exist
 * instead of express's HTML page, which SOAP toolkits cannot show.
 */
export function notFound(endpoints: () => string[]) {
  return (req: Request, res: Response): void => {
    req.resume();
    const list = endpoints();
    sendFault(req, res, new SoapFault('Client', `no service at ${req.method} ${req.path}; services here: ${list.join(', ') || 'none'} (GET <service>?wsdl for a contract)`, 'NOT_FOUND', { httpStatus: 404 }));
  };
}

/** Last resort: express's own handler would send the stack trace as HTML outside production. */
export function errorHandler(log: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const requestId = (res.locals[LOCALS_REQUEST_ID] as string | undefined) ?? 'unknown';
    const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      // express's own client errors (a malformed URL, say): their messages are safe and useful.
      sendFault(req, res, new SoapFault('Client', (error as Error).message || 'bad request', 'INVALID_REQUEST', { httpStatus: status }));
      return;
    }
    log.error({ err: error, requestId, path: req.path }, 'request failed with an unexpected error');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendFault(req, res, internalFault(requestId));
  };
}

import { timingSafeEqual, createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { collectProcessMetrics, metricsText, METRICS_CONTENT_TYPE, type EngineMetrics } from './metrics';

/**
 * GET /metrics. With INTERFLOW_METRICS_TOKEN set, scrapers must send `Authorization: Bearer
 * <token>`: metrics name departments and processes, which not every network should read. Without
 * a token, a server listening beyond loopback (`exposed()`) answers 403: the token is required there.
 */
export function metricsHandler(engineMetrics: EngineMetrics | undefined, log: Logger, token: string | undefined, exposed: () => boolean = () => false) {
  collectProcessMetrics();
  const expected = token ? createHash('sha256').update(token).digest() : undefined;
  return async (req: Request, res: Response): Promise<void> => {
    if (!expected && exposed()) {
      res.status(403).type('text/plain').send('metrics are not served on a non-loopback listener without a token: set INTERFLOW_METRICS_TOKEN and send Authorization: Bearer <token>\n');
      return;
    }
    if (expected) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      const given = createHash('sha256').update(m?.[1] ?? '').digest();
      if (!m || !timingSafeEqual(given, expected)) {
        res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        res.type('text/plain').send('metrics need Authorization: Bearer <INTERFLOW_METRICS_TOKEN>\n');
        return;
      }
    }
    try {
      const text = await metricsText(engineMetrics);
      res.status(200).setHeader('Content-Type', METRICS_CONTENT_TYPE);
      res.setHeader('Cache-Control', 'no-store');
      res.end(text);
    } catch (err) {
      log.error({ err }, 'metrics scrape failed');
      res.status(503).type('text/plain').send('metrics unavailable: the engine could not be read (see the log)\n');
    }
  };
}

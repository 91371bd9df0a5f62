import express from 'express';
import type { SoapServiceDefinition } from '../services/soap';
import type { Logger } from 'pino';
import { createRegistryServices, type RegistryStore } from '../registry';
import { listen, type RunningServer, type TlsFiles } from '../services/http';
import { errorHandler, notFound } from '../services/http/fallback-routes';
import { requestLog } from '../services/http/request-log';
import { mountSoapService } from '../services/soap';
import type { FederationKeys } from './federation-keys';
import { LeaseSweeper } from './lease-sweeper';

/**
 * The registry host (`interflow registry serve`): the UDDI Inquiry, Publication and Security
 * endpoints on the shared SOAP layer, /health, and the lease sweeper. Mounted without the
 * WS-Security authenticator of src/services/security: UDDI clients authenticate publication with
 * authInfo tokens and Inquiry is open, and a client generated from the official WSDL sends no
 * WS-Security header at all.
 */

export interface RegistryHubOptions {
  registry: RegistryStore;
  log: Logger;
  host: string;
  port: number;
  tls?: TlsFiles;
  maxBodyBytes?: number;
  trustProxy?: boolean;
  /** Withdraw bindings whose lease lapsed this long ago; false: no sweeping. */
  sweeper?: { withdrawAfterSeconds: number; intervalSeconds?: number; keys?: FederationKeys } | false;
  shutdownGraceMs?: number;
  /** More services on the hub (the transfer relay), mounted beside the registry's. */
  extraServices?: SoapServiceDefinition[];
}

export interface RunningRegistryHub {
  url: string;
  running: RunningServer;
  sweeper?: LeaseSweeper;
  close(): Promise<void>;
}

export async function startRegistryHub(options: RegistryHubOptions): Promise<RunningRegistryHub> {
  const { log, registry } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const services = [...createRegistryServices(registry), ...(options.extraServices ?? [])];
  app.use(requestLog(log));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', role: 'registry', nodeID: registry.nodeID });
  });
  for (const def of services) mountSoapService(app, def, { log, maxBodyBytes: options.maxBodyBytes, trustProxy: options.trustProxy });
  app.use(notFound(() => services.map((s) => s.path)));
  app.use(errorHandler(log));
  const running = await listen(app, { host: options.host, port: options.port, tls: options.tls, shutdownGraceMs: options.shutdownGraceMs });
  let sweeper: LeaseSweeper | undefined;
  if (options.sweeper) {
    sweeper = new LeaseSweeper({ registry, log, ...options.sweeper });
    sweeper.start();
  }
  log.info({ url: running.url, endpoints: services.map((s) => s.path), nodeID: registry.nodeID, withdrawAfterSeconds: options.sweeper ? options.sweeper.withdrawAfterSeconds : null }, 'registry listening');
  return {
    url: running.url,
    running,
    sweeper,
    close: async () => {
      await sweeper?.stop();
      await running.close();
    },
  };
}

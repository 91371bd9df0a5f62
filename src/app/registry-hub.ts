import express, { type Express } from 'express';
import type { SoapServiceDefinition } from '../services/soap';
import type { Logger } from 'pino';
import { createRegistryServices, type RegistryStore } from '../registry';
import { errorHandler, listen, notFound, requestLog, SoapFrontDoor, type RunningServer, type TlsFiles } from '../services/http';
import { mountSoapService } from '../services/soap';
import { metricsHandler, readinessHandler, registryCheck, type ReadinessCheck } from '../monitoring';
import { FederationKeys, hubTModels, LeaseSweeper } from '../binding';
import { Settings } from './settings';
import { hubSoapHooks } from './soap-hooks';

/**
 * The registry host (`interflow registry serve`): the UDDI Inquiry, Publication and Security
 * endpoints on the shared SOAP layer, /health, /ready, /metrics (INTERFLOW_METRICS_TOKEN as on
 * departments, docs/console.md), and the lease sweeper. Mounted without the
 * WS-Security authenticator of src/services/security: UDDI clients authenticate publication with
 * authInfo tokens and Inquiry is open, and a client generated from the official WSDL sends no
 * WS-Security header at all.
 *
 * Before it listens, the hub creates (or takes over) what it owns in the federation domain: the
 * key generators of the root, dept and shared partitions and the interflow:* tModels, so that no
 * department can claim them and lock the others out (src/registry/federation.ts).
 */

export interface RegistryHubOptions {
  registry: RegistryStore;
  log: Logger;
  /** The INTERFLOW_* settings the options leave open come from here; default the process environment's. */
  settings?: Settings;
  host: string;
  port: number;
  tls?: TlsFiles;
  maxBodyBytes?: number;
  trustProxy?: boolean;
  /** Withdraw bindings whose lease lapsed this long ago; false: no sweeping. */
  sweeper?: { withdrawAfterSeconds: number; intervalSeconds?: number; keys?: FederationKeys } | false;
  /** The federation's keys; default those of the registry's federation domain, which they must match. */
  keys?: FederationKeys;
  shutdownGraceMs?: number;
  /** More services on the hub (the transfer relay), mounted beside the registry's. */
  extraServices?: SoapServiceDefinition[];
  /** GET /ready checks beside the registry's own inquiry (the CLI adds the database write probe). */
  readiness?: ReadinessCheck[];
  /** Mounts more routes before the SOAP services (the CLI mounts the hub's console here). */
  mount?: (app: Express) => void;
}

export interface RunningRegistryHub {
  url: string;
  running: RunningServer;
  sweeper?: LeaseSweeper;
  close(): Promise<void>;
}

export async function startRegistryHub(options: RegistryHubOptions): Promise<RunningRegistryHub> {
  const { log, registry } = options;
  const settings = options.settings ?? new Settings();
  const keys = options.keys ?? new FederationKeys(registry.federation.domain);
  for (const k of [keys, options.sweeper ? options.sweeper.keys : undefined]) {
    if (k && k.domain !== registry.federation.domain) {
      throw new Error(`the hub serves the federation domain ${k.domain}, but its registry guards ${registry.federation.domain}: open the registry with the same federationDomain (INTERFLOW_FEDERATION_DOMAIN)`);
    }
  }
  const owned = await registry.claimForHub(hubTModels(keys));
  for (const { key, from } of owned.claimed) log.warn({ tModelKey: key, previousOwner: from }, 'the registry hub took over a federation tModel a publisher had saved; departments can no longer change it');
  log.info({ federationDomain: keys.domain, created: owned.created.length, claimed: owned.claimed.length, unchanged: owned.unchanged.length }, 'federation key generators and interflow:* tModels held by the hub');
  const leftovers = await registry.federationLeftovers();
  if (leftovers.length) {
    log.warn({ count: leftovers.length, entries: leftovers.slice(0, 20).map(({ key, kind, owner }) => ({ key, kind, owner })), firstReason: leftovers[0].reason }, 'entries in the federation domain are held by publishers the partition rules no longer let change them (saved before departments were assigned): give an owner that is that department its code (`interflow registry publisher set NAME --department CODE`); any other owner can only delete them, and until it does the rightful department cannot register over them');
  }
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
  // The hub's registry is its own database: when it cannot answer, the hub cannot work.
  const checks: ReadinessCheck[] = [registryCheck(registry), ...(options.readiness ?? [])];
  app.get('/ready', readinessHandler(() => checks, log));
  app.get('/metrics', metricsHandler(undefined, log, settings.metricsToken));
  options.mount?.(app);
  // SOAP POSTs to the services' exact paths skip express, as on a department server (SoapFrontDoor).
  const door = new SoapFrontDoor(app);
  for (const def of services) door.add(mountSoapService(app, def, { log, maxBodyBytes: options.maxBodyBytes ?? settings.maxBodyBytes, trustProxy: options.trustProxy ?? settings.trustProxy, ...hubSoapHooks }));
  app.use(notFound(() => services.map((s) => s.path)));
  app.use(errorHandler(log));
  const running = await listen(door.listener, { host: options.host, port: options.port, tls: options.tls, shutdownGraceMs: options.shutdownGraceMs });
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

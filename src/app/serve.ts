import type { Logger } from 'pino';
import type { WorkflowEngine } from '../engine';
import { ObserverDispatcher, wfxmlServices, type WfxmlTrust } from '../services/wfxml';
import { createServer, type ServerOptions } from './department-server';
import type { TlsFiles } from '../services/http';
import type { SoapServiceDefinition } from '../services/soap';
import { Settings } from './settings';

export interface ServeOptions extends Omit<ServerOptions, 'log'> {
  log: Logger;
  host: string;
  port: number;
  tls?: TlsFiles;
  /**
   * This engine's address as other engines reach it (INTERFLOW_PUBLIC_URL), used in the Wf-XML
   * keys it sends; default the address it listens on.
   */
  publicUrl?: string;
  /** How often due timers and deadlines are fired; default 1 s. */
  timerIntervalMs?: number;
  /** Aborting stops the server gracefully (the CLI aborts on SIGINT/SIGTERM). */
  signal: AbortSignal;
  onListening?: (url: string) => void;
  /**
   * The engine's self-registration in the registry (src/binding SelfRegistration): started once
   * the server listens, with publicUrl (or the listening address); stopped before the server closes.
   */
  registration?: { start(publicUrl: string): void; stop(): Promise<void>; registerNow?(): Promise<void> };
  /**
   * The department's transfer layer (src/transfer departmentFederation): its services are mounted,
   * its dispatcher runs while the server listens.
   */
  federation?: { services: SoapServiceDefinition[]; wfxml?: WfxmlTrust; start(publicUrl?: string): void; stop(): Promise<void> };
}

/**
 * `interflow serve`: the HTTP(S) server with the ProcessService and the Wf-XML services, the timer
 * loop and the Wf-XML observer dispatcher of one department engine, until the signal aborts. Stopping lets requests in flight finish and waits for a running timer pass, so the
 * store can be closed safely afterwards.
 */
export async function serve(engine: WorkflowEngine, options: ServeOptions): Promise<void> {
  const { log } = options;
  const trust = options.federation?.wfxml;
  // QuickJS takes a moment to load: pay for it before listening when a deployed definition needs
  // it, not in the first request that starts a case; otherwise it stays unloaded.
  const languages = await engine.prepareDeployedLanguages();
  if (languages.length) log.info({ languages }, 'script interpreters loaded for the deployed definitions');
  const server = createServer(engine, { ...options, services: [...wfxmlServices(engine, trust ? { trust } : {}), ...(options.federation?.services ?? []), ...(options.services ?? [])] });
  const running = await server.listen({ host: options.host, port: options.port, tls: options.tls });
  log.info({ url: running.url, endpoints: server.endpoints(), tls: Boolean(options.tls) }, 'listening');
  options.onListening?.(running.url);
  // Wf-XML notifications to remote observers leave through the outbox, independently of requests.
  const observers = new ObserverDispatcher({ engine, baseUrl: options.publicUrl ?? running.url, log, ...(trust ? { trust } : {}), ...(options.settings ?? new Settings()).outbox });
  observers.start();
  options.registration?.start(options.publicUrl ?? running.url);
  // A deploy (published package installed, ProcessService or Wf-XML deploy) returns only once the
  // registry lists what it added: whoever discovers performers right after finds this engine.
  const registration = options.registration;
  const offDeployed = registration?.registerNow ? engine.onDeployed(() => registration.registerNow!()) : undefined;
  options.federation?.start(options.publicUrl ?? running.url);

  let pass: Promise<void> = Promise.resolve();
  let busy = false;
  const timers = setInterval(() => {
    if (busy) return; // a slow pass is not stacked on by the next tick
    busy = true;
    pass = engine
      .fireDueTimers()
      .then((fired) => {
        if (fired) log.info({ fired }, 'timers fired');
      })
      .catch((err: unknown) => log.error({ err }, 'timer pass failed'))
      .finally(() => {
        busy = false;
      });
  }, options.timerIntervalMs ?? 1000);

  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  log.info('stopping: finishing requests in flight');
  clearInterval(timers);
  offDeployed?.();
  // Leases end first, so other engines stop choosing this one while its last requests finish.
  await options.registration?.stop();
  await options.federation?.stop();
  await running.close();
  await Promise.all([pass, observers.stop()]);
  log.info('stopped');
}

import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { WorkflowEngine } from '../engine';
import { processService } from '../services/process';
import type { AuthThrottle, Authenticator } from '../services/security';
import { mountSoapService, type SoapAuthenticator, type SoapOptions, type SoapServiceDefinition } from '../services/soap';
import { departmentSoapHooks } from './soap-hooks';
import { authenticateWith, checkExposure, errorHandler, isLoopback, listen, notFound, requestLog, SoapFrontDoor, type ListenOptions, type RunningServer } from '../services/http';
import { consoleRouter, CONSOLE_PATH, type ConsoleOptions, type ConsoleRegistry, type ConsoleSessionStore } from '../console';
import { databaseCheck, EngineMetrics, metricsHandler, readinessHandler, registryCheck, type ReadinessCheck } from '../monitoring';
import { baseUrlOf } from '../services/soap';
import { Settings } from './settings';

export interface ServerOptions {
  log: Logger;
  /** The INTERFLOW_* settings the options leave open come from here; default the process environment's. */
  settings?: Settings;
  /** Request body limit in bytes; default INTERFLOW_MAX_BODY or 1 MiB. */
  maxBodyBytes?: number;
  /** Believe X-Forwarded-Proto/Host; default INTERFLOW_TRUST_PROXY=1. */
  trustProxy?: boolean;
  /** Authenticates every SOAP request with the security module (and maps its errors to faults). */
  security?: Authenticator;
  /** Or any other way to establish the caller (tests); ignored when `security` is given. */
  authenticate?: SoapAuthenticator;
  /** More services to mount beside the ProcessService (the Wf-XML ones). */
  services?: SoapServiceDefinition[];
  /** The operator console at /console/ (docs/console.md), logging in the users of this security configuration. */
  console?: Omit<ConsoleOptions, 'registry'>;
  /**
   * The registry this server serves or uses: the console shows it and GET /ready checks it. A
   * department works on from cached bindings while a remote registry is down, so its failure
   * makes /ready report "degraded" (still 200) unless `registryRequired`.
   */
  registry?: ConsoleRegistry;
  /** The registry's failure makes this server unready (503), e.g. when the registry is its own store. */
  registryRequired?: boolean;
  /** More GET /ready checks beside the database (and the registry). */
  readiness?: ReadinessCheck[];
  /**
   * State the department's replicas share through their database (src/app replicaState): the
   * failed-login throttle of the SOAP services and the console, and the console's sessions.
   * Default: in this process's memory (one replica).
   */
  shared?: { throttle: AuthThrottle; sessions: ConsoleSessionStore };
}

export interface InterflowServer {
  readonly app: Express;
  /** Mounts one more SOAP service; works before and after listen(). */
  mount(def: SoapServiceDefinition): void;
  /** Paths of the mounted services. */
  endpoints(): string[];
  listen(options: ListenOptions): Promise<RunningServer>;
}

/**
 * One department engine's HTTP face: /health, /ready, /metrics, the console (when configured),
 * the ProcessService, and whatever services are
 * mounted later. Services live on a router placed before the 404 and error handlers, so mounting
 * after creation still takes effect.
 */
export function createServer(engine: WorkflowEngine, options: ServerOptions): InterflowServer {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const services = express.Router();
  const mounted: string[] = [];
  const definitions: SoapServiceDefinition[] = [];
  const settings = options.settings ?? new Settings();
  const trustProxy = options.trustProxy ?? settings.trustProxy;
  const soapOptions: SoapOptions = {
    log: options.log,
    maxBodyBytes: options.maxBodyBytes ?? settings.maxBodyBytes,
    trustProxy,
    authenticate: options.security ? authenticateWith(options.security, options.shared?.throttle) : options.authenticate,
    ...departmentSoapHooks,
  };

  app.use(requestLog(options.log));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', department: engine.department ?? null });
  });
  const checks: ReadinessCheck[] = [databaseCheck(engine), ...(options.registry ? [registryCheck(options.registry, { degradedOnly: !options.registryRequired })] : []), ...(options.readiness ?? [])];
  app.get('/ready', readinessHandler(() => checks, options.log));
  // Set at listen: off loopback, /metrics without INTERFLOW_METRICS_TOKEN answers 403.
  let exposed = false;
  app.get('/metrics', metricsHandler(new EngineMetrics(engine), options.log, settings.metricsToken, () => exposed));
  if (options.console) {
    app.use(
      CONSOLE_PATH,
      consoleRouter({
        ...(options.shared ? { sessions: options.shared.sessions, throttle: options.shared.throttle } : {}),
        federationKeys: settings.federationKeys,
        departmentName: settings.departmentName,
        ...options.console,
        ...(options.registry ? { registry: options.registry } : {}),
        engine,
        log: options.log.child({ component: 'console' }),
        services: () => definitions,
        isSecure: (req) => baseUrlOf(req, trustProxy).startsWith('https:'),
        baseUrl: (req) => baseUrlOf(req, trustProxy),
      }),
    );
    app.get('/', (_req, res) => res.redirect(302, `${CONSOLE_PATH}/`));
  }
  app.use(services);
  app.use(notFound(() => [...mounted]));
  app.use(errorHandler(options.log));

  // SOAP POSTs to the services' own paths skip express (see SoapFrontDoor); the express routes
  // stay, for every other spelling of those paths and for servers built on `app` alone.
  const door = new SoapFrontDoor(app);
  const mount = (def: SoapServiceDefinition): void => {
    door.add(mountSoapService(services, def, soapOptions));
    mounted.push(def.path);
    definitions.push(def);
  };
  mount(processService(engine));
  for (const def of options.services ?? []) mount(def);

  return {
    app,
    mount,
    endpoints: () => [...mounted],
    listen: (listenOptions) => {
      checkExposure(listenOptions.host, Boolean(listenOptions.tls), options.security?.allowsInsecureBasic ?? false);
      exposed = !isLoopback(listenOptions.host);
      return listen(door.listener, listenOptions);
    },
  };
}

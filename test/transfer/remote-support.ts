import { XPDL_SAMPLES_DIR } from '../support/shared-reference';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Binder, FederationKeys, RegistryClient, SelfRegistration, TRANSFER_SERVICE_OFFERING } from '../../src/binding';
import { startRegistryHub, type RunningRegistryHub } from '../../src/app';
import { WorkflowEngine, type DefinitionPackage, type HandlerRegistry, type InstanceView } from '../../src/engine';
import { openRegistryStore, transferRepositories, type TypeormStore } from '../../src/persistence';
import { RegistryStore } from '../../src/registry';
import type { RunningServer } from '../../src/services/http';
import { createServer } from '../../src/app';
import type { Authenticator } from '../../src/services/security';
import { ObserverDispatcher, wfxmlServices } from '../../src/services/wfxml';
import { departmentFederation, type DepartmentFederation, type RemoteSubprocessOverrides } from '../../src/transfer';
import { importXpdl } from '../../src/xpdl';
import { LogCapture } from '../services/support';
import { createTypeormTestStore } from '../support/test-store';
import { departmentStore as sharedDepartmentStore, passwordOf } from './federation-support';
import { waitFor } from '../support/wait-for';

/** Each department its own database (an outbox shared by two engines would mix their work). */
const departmentStore = (code: string) => sharedDepartmentStore(code, 'rs');

/** The 2005 Wf-XML interoperability demo definitions, read where they are (never copied). */
const SAMPLES = XPDL_SAMPLES_DIR;
export const RETAILER_XPDL = readFileSync(join(SAMPLES, 'shark_retailer.xpdl'), 'utf8');
export const MANUFACTURER_XPDL = readFileSync(join(SAMPLES, 'shark_manufacturer.xpdl'), 'utf8');

/** The SubFlow Ids of shark_retailer.xpdl: factory addresses of vendor demo servers long gone. */
export const SUBFLOW = {
  fujitsu: 'http://interop.i-flow.com/ibpm/jsp/ProcDef.jsp?planName=Manufacturer',
  tibco: 'http://bpm-interop.tibco.com:8080/ASAP/services/Factory?manufac',
  shark: 'http://vajat.prozone.co.yu:8080/axis/services/wfxmlFactoryBinding?procDef=manufacturer&packageId=shark_manufacturer',
  easyAsap: 'http://68.96.20.206:7788/asap_evm',
} as const;

export const MANUFACTURER_NAME = 'Made by Enhydra Shark manufacturer';

/**
 * What an integrator registers for the BeanShell applications Interflow does not run. acquire
 * reports the product out of stock, so the order goes to a manufacturer (the script's price
 * arithmetic kept, its minute of sleeping left out).
 */
export function retailerHandlers(handlers: HandlerRegistry): void {
  handlers.register('acquire', (call) => ({
    instock: false,
    priceperunit: 0.02,
    orderprice: 0.02 * (1 + Number(call.input.productquantity ?? 0)),
    retailername: `${String(call.input.retailername ?? '')} enacted by Interflow.`,
  }));
}

export function manufacturerHandlers(handlers: HandlerRegistry, availability: () => string = () => new Date().toISOString()): void {
  handlers.register('drink', () => ({}));
  handlers.register('sweatshop', () => ({ availability_date: availability(), manufacturer_name: MANUFACTURER_NAME, manufacturer_code: 142 }));
}

const FEDERATION_DOMAIN = 'remote.test';
const NODE_DOMAIN = 'hub.remote.test';


export interface NodeOptions {
  /** XPDL documents deployed before the engine first registers (so its factories are in its entry). */
  deploy?: string[];
  /** Definitions built in the test (not XPDL), deployed the same way. */
  packages?: DefinitionPackage[];
  handlers?: (h: HandlerRegistry) => void;
  /** The department engine's environment (INTERFLOW_REMOTE_FACTORIES, …). */
  env?: NodeJS.ProcessEnv;
  /** The binder's cache; long to make a moved factory visible only through the invocation pattern. */
  cacheTtlSeconds?: number;
  remote?: RemoteSubprocessOverrides;
  /** Caller authentication of the department's SOAP services (users file), as `serve` applies it. */
  security?: Authenticator;
}

/**
 * One department engine as `interflow serve` runs it in a federation: Wf-XML and transfer services
 * over HTTP, the Wf-XML observer dispatcher, self-registration, and the department federation
 * (which starts the remote subprocess dispatcher).
 */
export class DepartmentNode {
  running?: RunningServer;
  registration?: SelfRegistration;
  federation?: DepartmentFederation;
  observers?: ObserverDispatcher;
  binder?: Binder;
  readonly logs = new LogCapture();
  /** Every address the remote subprocess dispatcher posted to. */
  readonly posted: string[] = [];

  constructor(
    readonly code: string,
    readonly engine: WorkflowEngine,
    readonly store: TypeormStore,
    private readonly fed: RemoteFederation,
    private readonly options: NodeOptions,
  ) {}

  get url(): string {
    return this.running!.url;
  }

  /** Starts (or restarts, on a new port) the server, the dispatchers and the registration. */
  async up(): Promise<void> {
    const log = this.logs.logger;
    const registry = () => new RegistryClient({ baseUrl: this.fed.url, timeoutMs: 3000 });
    this.binder = new Binder({ registry: registry(), keys: this.fed.keys, cacheTtlSeconds: this.options.cacheTtlSeconds ?? 1, downSeconds: 1, log });
    const capture: typeof fetch = (input, init) => {
      this.posted.push(String(input));
      return fetch(input, init);
    };
    this.federation = await departmentFederation({
      engine: this.engine,
      repositories: transferRepositories(this.store),
      binder: this.binder,
      log,
      env: { ...this.options.env },
      dataDir: this.fed.keyDir,
      registry: registry(),
      remoteSubprocess: { intervalMs: 50, retryBaseMs: 100, retryMaxMs: 400, timeoutMs: 3000, leaseMs: 15_000, fetch: capture, ...this.options.remote },
    });
    const trust = this.federation.wfxml;
    const server = createServer(this.engine, { log, services: [...wfxmlServices(this.engine, { trust }), ...this.federation.services], ...(this.options.security ? { security: this.options.security } : {}) });
    this.running = await server.listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 500 });
    // As serve does: Completed and StateChanged for remote observers leave through the outbox.
    this.observers = new ObserverDispatcher({ engine: this.engine, baseUrl: this.running.url, log, trust, intervalMs: 50, retryBaseMs: 100, retryMaxMs: 400, timeoutMs: 3000 });
    this.observers.start();
    this.registration = new SelfRegistration({
      registry: registry(),
      user: this.code,
      password: passwordOf(this.code),
      department: this.code,
      keys: this.fed.keys,
      refreshSeconds: 3600,
      certificate: this.federation.certificate,
      extraServices: [TRANSFER_SERVICE_OFFERING],
      engine: this.engine,
      log,
    });
    this.registration.start(this.running.url);
    await this.registration.whenRegistered();
    // No address given, as under `interflow serve` without INTERFLOW_PUBLIC_URL: the dispatcher
    // reads this engine's address from its own Observer binding in the registry.
    this.federation.start();
  }

  /** Goes away without a word to the registry (its lease stays), as a crashed engine would. */
  async down(): Promise<void> {
    await this.federation?.stop();
    await this.observers?.stop();
    await this.registration?.stop({ expireLease: false });
    await this.running?.close();
    this.running = undefined;
  }

  async close(): Promise<void> {
    if (this.running) await this.down();
    await this.store.close();
  }

  async closedCase(id: string, timeoutMs = 15_000): Promise<InstanceView> {
    return waitFor(async () => {
      const inst = await this.engine.getInstance(id);
      return inst.state.startsWith('closed.') ? inst : undefined;
    }, `case ${id} to close at ${this.code}`, timeoutMs);
  }

  /** Log lines of this department about one case. */
  caseLog(caseId: string, msg?: string): Array<Record<string, unknown>> {
    return this.logs.lines.filter((l) => l.caseId === caseId && (msg === undefined || l.msg === msg));
  }
}

/** A registry hub and department engines, real servers on 127.0.0.1. */
export class RemoteFederation {
  readonly keys = new FederationKeys(FEDERATION_DOMAIN);
  readonly logs = new LogCapture();
  readonly keyDir = mkdtempSync(join(tmpdir(), 'interflow-remote-keys-'));
  readonly departments = new Map<string, DepartmentNode>();
  hub?: RunningRegistryHub;

  private constructor(
    readonly store: TypeormStore,
    readonly registry: RegistryStore,
  ) {}

  static async open(): Promise<RemoteFederation> {
    const store = await createTypeormTestStore();
    const registry = await openRegistryStore(store, { nodeDomain: NODE_DOMAIN, federationDomain: FEDERATION_DOMAIN, tokenTtlSeconds: 3600, env: {} });
    const f = new RemoteFederation(store, registry);
    f.hub = await startRegistryHub({ registry, log: f.logs.logger, host: '127.0.0.1', port: 0, shutdownGraceMs: 500, sweeper: false });
    return f;
  }

  get url(): string {
    return this.hub!.url;
  }

  /** A department engine with its definitions deployed and handlers registered, up and registered. */
  async department(code: string, options: NodeOptions = {}): Promise<DepartmentNode> {
    await this.registry.createPublisher(code, passwordOf(code), { department: code });
    const store = await departmentStore(code);
    const engine = new WorkflowEngine({ store, department: code });
    options.handlers?.(engine.handlers);
    for (const xml of options.deploy ?? []) await engine.deploy(importXpdl(xml), { source: xml });
    for (const p of options.packages ?? []) await engine.deploy(p);
    const node = new DepartmentNode(code, engine, store, this, options);
    await node.up();
    this.departments.set(code, node);
    return node;
  }

  async close(): Promise<void> {
    for (const d of this.departments.values()) await d.close();
    await this.hub?.close();
    await this.registry.close();
    await this.store.close();
  }
}


/** A retailer order as a shop's legacy system would start it. */
export function order(orderNumber: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    order_number: orderNumber,
    product_code: 7,
    product_quantity: 3,
    order_date: '2026-01-05T10:00:00.000Z',
    retailer_name: 'Corner shop',
    customer_first_name: 'Ana',
    customer_surname: 'Petrović',
    ...extra,
  };
}

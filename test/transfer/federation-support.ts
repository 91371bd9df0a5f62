import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Binder, FederationKeys, RegistryClient, SelfRegistration, TRANSFER_SERVICE_OFFERING } from '../../src/binding';
import { startRegistryHub, type RunningRegistryHub } from '../../src/app';
import { WorkflowEngine, type InstanceView } from '../../src/engine';
import { openRegistryStore, openStore, parseDatabaseUrl, transferRepositories, TypeormMessageLogRepository, type TypeormStore } from '../../src/persistence';
import { RegistryStore } from '../../src/registry';
import type { RunningServer } from '../../src/services/http';
import { createServer } from '../../src/app';
import { wfxmlServices } from '../../src/services/wfxml';
import { departmentFederation, hubRelay, type DepartmentFederation, type RoutingMode } from '../../src/transfer';
import { importXpdl } from '../../src/xpdl';
import { SharedState } from '../../src/persistence/shared-state';
import { LogCapture } from '../services/support';
import { createTypeormTestStore, freshSqlitePath, resetMysqlDatabase, testDatabaseConfig } from '../support/test-store';
import { waitFor } from '../support/wait-for';

export const LICENCE_XPDL = readFileSync(resolve(__dirname, '../../examples/business-licence.xpdl'), 'utf8');
const FEDERATION_DOMAIN = 'federation.test';
const NODE_DOMAIN = 'hub.test';
export const passwordOf = (publisher: string) => `${publisher}-secret-password`;

/**
 * A store of its own for each department: SQLite files, or on MariaDB a database per department
 * (departments never share an outbox; one database would let each dispatcher claim the others').
 */
/** The database URL of each department store, for tests that run the CLI against it. */
export const storeUrls = new WeakMap<TypeormStore, string>();

export async function departmentStore(code: string, prefix = 'fed'): Promise<TypeormStore> {
  const config = testDatabaseConfig();
  if (config.kind !== 'mysql') {
    const path = freshSqlitePath();
    const store = await openStore({ kind: 'sqlite', path }, { migrate: true });
    storeUrls.set(store, `sqlite:${path}`);
    return store;
  }
  const database = `${config.database}_${prefix}_${code.replace(/[^a-z0-9]/gi, '_')}`;
  const admin = await openStore(config, { migrate: false });
  await admin.dataSource.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
  await admin.close();
  const own = { ...config, database };
  await resetMysqlDatabase(own);
  const store = await openStore(own, { migrate: true });
  storeUrls.set(store, `mysql://${encodeURIComponent(own.user)}${own.password ? `:${encodeURIComponent(own.password)}` : ''}@${own.host}:${own.port}/${database}`);
  return store;
}

export class Department {
  running?: RunningServer;
  registration?: SelfRegistration;
  federation?: DepartmentFederation;
  readonly logs = new LogCapture();

  constructor(
    readonly code: string,
    readonly engine: WorkflowEngine,
    readonly store: TypeormStore,
    private readonly fed: TransferFederation,
    readonly routing: RoutingMode,
  ) {}

  get url(): string {
    return this.running!.url;
  }

  /**
   * Starts (or restarts, on a new port) the department's server, registration and dispatcher.
   * `waitRegistered: false` starts without waiting for the registry (a restart during a hub outage);
   * `port` keeps the address others know (a restart in place).
   */
  async up(options: { waitRegistered?: boolean; port?: number } = {}): Promise<void> {
    // As `serve` wires it when the federation persists bindings: the last known good registry
    // answers in the department's database, waiting hand-overs nudged when the registry is back.
    const shared = this.fed.persistBindings ? new SharedState(this.store) : undefined;
    this.federation = await departmentFederation({
      engine: this.engine,
      repositories: transferRepositories(this.store),
      binder: new Binder({
        registry: new RegistryClient({ baseUrl: this.fed.url, timeoutMs: 3000 }),
        keys: this.fed.keys,
        cacheTtlSeconds: 1,
        downSeconds: 1,
        ...(shared ? { snapshots: shared, registryRetrySeconds: 0.2 } : {}),
      }),
      ...(shared ? { outboxDueNow: (now: Date) => shared.outboxDueNow(now) } : {}),
      log: this.logs.logger,
      env: { INTERFLOW_ROUTING: this.routing, INTERFLOW_HUB_URL: this.fed.url, INTERFLOW_INSTALL_FROM: this.fed.coordinator, ...this.fed.env },
      dataDir: this.fed.keyDir,
    });
    const server = createServer(this.engine, { log: this.logs.logger, services: [...wfxmlServices(this.engine), ...this.federation.services] });
    this.running = await server.listen({ host: '127.0.0.1', port: options.port ?? 0, shutdownGraceMs: 500 });
    this.registration = new SelfRegistration({
      registry: new RegistryClient({ baseUrl: this.fed.url, timeoutMs: 3000 }),
      user: this.code,
      password: passwordOf(this.code),
      department: this.code,
      keys: this.fed.keys,
      refreshSeconds: this.fed.refreshSeconds,
      certificate: this.federation.certificate,
      extraServices: [TRANSFER_SERVICE_OFFERING],
      engine: this.engine,
      log: this.logs.logger,
      ...(shared ? { onRegistryBack: () => void this.federation?.registryBack() } : {}),
    });
    this.registration.start(this.running.url);
    if (options.waitRegistered !== false) await this.registration.whenRegistered();
    this.federation.start();
  }

  /** Goes away without a word: the server stops answering, the dispatcher stops sending. */
  async down(): Promise<void> {
    await this.federation?.stop();
    await this.registration?.stop({ expireLease: false });
    await this.running?.close();
    this.running = undefined;
  }

  async close(): Promise<void> {
    if (this.running) await this.down();
    await this.store.close();
  }

  async item(instanceId: string, activityId: string) {
    return (await this.engine.worklist({})).find((w) => w.activityId === activityId && (instanceId === '*' || w.instanceId === instanceId));
  }
}

/** A registry hub (with its relay) and department engines, all real servers on 127.0.0.1. */
export class TransferFederation {
  readonly keys = new FederationKeys(FEDERATION_DOMAIN);
  readonly logs = new LogCapture();
  readonly keyDir = mkdtempSync(join(tmpdir(), 'interflow-fed-keys-'));
  readonly departments = new Map<string, Department>();
  hub?: RunningRegistryHub;
  private binder?: Binder;
  /** The department that deploys and publishes the licence: the others install from it. */
  coordinator = '';
  /** More of every department's environment (INTERFLOW_OUTBOX_* settings). */
  env: Record<string, string> = {};
  /** Seconds between lease renewals of every department (leases run three of them ahead). */
  refreshSeconds = 3600;
  /** Departments keep their binder's last known good answers in their databases (as `serve` does). */
  persistBindings = false;
  private hubPort = 0;

  private constructor(
    readonly store: TypeormStore,
    readonly registry: RegistryStore,
  ) {}

  static async open(
    codes: string[] = ['market', 'tax', 'fire'],
    options: { routing?: Partial<Record<string, RoutingMode>>; coordinator?: string; env?: Record<string, string>; refreshSeconds?: number; persistBindings?: boolean } = {},
  ): Promise<TransferFederation> {
    const store = await createTypeormTestStore();
    const registry = await openRegistryStore(store, { nodeDomain: NODE_DOMAIN, federationDomain: FEDERATION_DOMAIN, tokenTtlSeconds: 3600, env: {} });
    const f = new TransferFederation(store, registry);
    f.coordinator = options.coordinator ?? codes[codes.length - 1];
    f.env = options.env ?? {};
    f.refreshSeconds = options.refreshSeconds ?? 3600;
    f.persistBindings = options.persistBindings ?? false;
    await f.startHub();
    f.binder = new Binder({ registry: new RegistryClient({ baseUrl: f.url }), keys: f.keys, cacheTtlSeconds: 1, downSeconds: 1 });
    for (const code of codes) {
      await registry.createPublisher(code, passwordOf(code), { department: code });
      const store = await departmentStore(code);
      const engine = new WorkflowEngine({ store, department: code });
      const d = new Department(code, engine, store, f, options.routing?.[code] ?? 'direct');
      await d.up();
      f.departments.set(code, d);
    }
    // A coordinator deploys the licence at one department; it is published to the others.
    const coordinator = f.dept(f.coordinator);
    await coordinator.engine.deploy(importXpdl(LICENCE_XPDL), { source: LICENCE_XPDL, publish: true });
    for (const d of f.departments.values()) {
      await waitFor(async () => (await d.engine.listDefinitions()).some((r) => r.processId === 'business_licence'), `the licence to be installed at ${d.code}`);
    }
    return f;
  }

  get url(): string {
    return `http://127.0.0.1:${this.hubPort}`;
  }

  /** Starts the hub, on the port it had before when it ran already (departments know that address). */
  async startHub(): Promise<void> {
    this.hub = await startRegistryHub({
      registry: this.registry,
      log: this.logs.logger,
      host: '127.0.0.1',
      port: this.hubPort,
      shutdownGraceMs: 500,
      sweeper: false,
      extraServices: [hubRelay({ messages: new TypeormMessageLogRepository(this.store), binder: () => this.binder, log: this.logs.logger })],
    });
    this.hubPort = Number(new URL(this.hub.url).port);
  }

  async stopHub(): Promise<void> {
    await this.hub?.close();
    this.hub = undefined;
  }

  dept(code: string): Department {
    return this.departments.get(code)!;
  }

  async close(): Promise<void> {
    for (const d of this.departments.values()) await d.close();
    await this.hub?.close();
    await this.registry.close();
    await this.store.close();
  }
}

export async function closedCase(d: Department, id: string, timeoutMs = 15_000): Promise<InstanceView> {
  return waitFor(async () => {
    const inst = await d.engine.getInstance(id);
    return inst.state.startsWith('closed.') ? inst : undefined;
  }, `case ${id} to close at ${d.code}`, timeoutMs);
}

void parseDatabaseUrl;

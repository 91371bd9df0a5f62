import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HandlerRegistry, WorkflowEngine, type Store } from '../../src/engine';
import { FederationKeys, RegistryClient, SelfRegistration, type PublishedCertificate, type SelfRegistrationOptions } from '../../src/binding';
import { startRegistryHub, type RunningRegistryHub } from '../../src/app';
import { loadCertificateFile } from '../../src/binding/certificate';
import { openRegistryStore, type TypeormStore } from '../../src/persistence';
import { RegistryStore } from '../../src/registry';
import type { RunningServer } from '../../src/services/http';
import { createServer } from '../../src/app';
import { wfxmlServices } from '../../src/services/wfxml';
import { importXpdl } from '../../src/xpdl';
import { LogCapture } from '../services/support';
import { createTestStore, createTypeormTestStore, testDatabaseKind } from '../support/test-store';

export const PERMIT_XPDL = resolve(__dirname, '../../examples/building-permit.xpdl');
/** Not the registry node's own domain (test.example): the node refuses proposed keys in that one. */
export const FEDERATION_DOMAIN = 'federation.test';
export const NODE_DOMAIN = 'test.example';

export function passwordOf(publisher: string): string {
  return `${publisher}-secret-password`;
}

/**
 * A registry host and department engines, all real HTTP servers on 127.0.0.1 with ephemeral ports.
 * On SQLite the registry and every engine have their own database file; on MySQL they all share the
 * one test database (a fresh store would reset it under the others), as engines sharing a database
 * server would.
 */
export class Federation {
  readonly keys = new FederationKeys(FEDERATION_DOMAIN);
  readonly logs = new LogCapture();
  readonly engines: DepartmentEngine[] = [];
  hub?: RunningRegistryHub;

  private constructor(
    readonly store: TypeormStore,
    readonly registry: RegistryStore,
  ) {}

  static async open(options: { startHub?: boolean; withdrawAfterSeconds?: number } = {}): Promise<Federation> {
    const store = await createTypeormTestStore();
    const registry = await openRegistryStore(store, { nodeDomain: NODE_DOMAIN, federationDomain: FEDERATION_DOMAIN, tokenTtlSeconds: 3600, env: {} });
    const f = new Federation(store, registry);
    if (options.startHub !== false) await f.startHub(0, options.withdrawAfterSeconds);
    return f;
  }

  get url(): string {
    if (!this.hub) throw new Error('the hub is not running');
    return this.hub.url;
  }

  async startHub(port = 0, withdrawAfterSeconds?: number): Promise<RunningRegistryHub> {
    this.hub = await startRegistryHub({
      registry: this.registry,
      log: this.logs.logger,
      host: '127.0.0.1',
      port,
      shutdownGraceMs: 500,
      sweeper: withdrawAfterSeconds === undefined ? false : { withdrawAfterSeconds, keys: this.keys, intervalSeconds: 3600 },
    });
    return this.hub;
  }

  async stopHub(): Promise<void> {
    await this.hub?.close();
    this.hub = undefined;
  }

  /** A department's publisher (its department is its name unless given); null: a plain UDDI publisher. */
  async publisher(name: string, department: string | null = name): Promise<void> {
    await this.registry.createPublisher(name, passwordOf(name), department === null ? {} : { department });
  }

  client(): RegistryClient {
    return new RegistryClient({ baseUrl: this.url, timeoutMs: 3000 });
  }

  /** A department engine serving its SOAP services, with self-registration started. */
  async engine(department: string, options: EngineOptions = {}): Promise<DepartmentEngine> {
    const store: Store = options.store ?? (testDatabaseKind() === 'mysql' ? this.store : await createTestStore());
    const engine = new WorkflowEngine({ store, handlers: new HandlerRegistry().register('send_email', () => ({})).register('send_sms', () => ({})), department });
    if (options.deploy !== false) {
      const xml = readFileSync(PERMIT_XPDL, 'utf8');
      await engine.deploy(importXpdl(xml), { source: xml });
    }
    const logs = new LogCapture();
    const server = createServer(engine, { log: logs.logger, services: wfxmlServices(engine) });
    const running = await server.listen({ host: '127.0.0.1', port: options.port ?? 0, shutdownGraceMs: 500 });
    const registration = new SelfRegistration({
      registry: new RegistryClient({ baseUrl: options.registryUrl ?? this.url, timeoutMs: 3000 }),
      user: options.user ?? department,
      password: options.password ?? passwordOf(options.user ?? department),
      department,
      engineId: options.engineId,
      keys: this.keys,
      refreshSeconds: options.refreshSeconds ?? 3600,
      certificate: options.certificate,
      engine,
      log: logs.logger,
      ...options.registration,
    });
    if (options.start !== false) registration.start(running.url);
    const e = new DepartmentEngine(department, engine, store, running, registration, logs, store !== this.store);
    this.engines.push(e);
    return e;
  }

  async close(): Promise<void> {
    for (const e of this.engines.splice(0)) await e.close();
    await this.stopHub();
    await this.registry.close();
    await this.store.close();
  }
}

export interface EngineOptions {
  engineId?: string;
  refreshSeconds?: number;
  certificate?: PublishedCertificate;
  deploy?: boolean;
  port?: number;
  store?: Store;
  user?: string;
  password?: string;
  registryUrl?: string;
  start?: boolean;
  registration?: Partial<SelfRegistrationOptions>;
}

export class DepartmentEngine {
  private closed = false;

  constructor(
    readonly department: string,
    readonly engine: WorkflowEngine,
    readonly store: Store,
    readonly running: RunningServer,
    readonly registration: SelfRegistration,
    readonly logs: LogCapture,
    private readonly ownsStore: boolean,
  ) {}

  get url(): string {
    return this.running.url;
  }

  /** The server goes away without a word to the registry, as a crashed engine would. */
  async crash(): Promise<void> {
    await this.registration.stop({ expireLease: false });
    await this.running.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.registration.stop();
    await this.running.close();
    if (this.ownsStore) await this.store.close();
  }
}

let certDir: string | undefined;

/** A fresh self-signed RSA certificate (openssl), as a department's signing certificate. */
export function makeCertificate(commonName: string): { path: string; certificate: PublishedCertificate } {
  certDir ??= mkdtempSync(join(tmpdir(), 'interflow-binding-certs-'));
  const key = join(certDir, `${commonName}.key`);
  const cert = join(certDir, `${commonName}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${commonName}/O=Interflow test`], { stdio: 'ignore' });
  return { path: cert, certificate: loadCertificateFile(cert) };
}

/** A port nothing listens on (taken, then released). */
export async function freePort(): Promise<number> {
  const { createServer: createNetServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

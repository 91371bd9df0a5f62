import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { userOf, writeCredentials, type DepartmentCredentials } from './credentials';
import { ProcessServiceClient } from './process-client';
import { assertPortsFree, freePort, healthy, registeredAt, waitFor } from './readiness';
import { runChild, startChild, type SupervisedProcess } from './supervisor';
import {
  COORDINATOR,
  DEMO_FEDERATION_DOMAIN,
  DEMO_UDDI_DOMAIN,
  departmentEnv,
  hubEnv,
  LICENCE_DEPARTMENTS,
  LICENCE_PROCESSES,
  LICENCE_XPDL,
  urlOf,
  type DepartmentPlacement,
  type DepartmentSpec,
  type FederationSettings,
  type HubPlacement,
} from './topology';

/**
 * Starts a registry hub and the department engines as separate `interflow` processes, each with
 * the environment a deployment would give it, and brings the federation to the point where a case
 * can run: publishers created, every department registered, the licence deployed at the
 * coordinator and installed by every participant. Used by `interflow federation up` and by the
 * crash tests, which kill and restart departments through it.
 */

export interface LaunchOptions {
  dataDir: string;
  host?: string;
  /** The hub listens on it, department i on basePort + 1 + i. Unset: free ports the kernel picks. */
  basePort?: number;
  /** Database URL of a process (hub: "registry"); default an SQLite file per process in the data dir. */
  databaseUrl?: (name: string) => string;
  departments?: readonly DepartmentSpec[];
  logLevel?: string;
  extraEnv?: Record<string, string>;
  /** Remove the data directory's databases, keys and logs first. */
  fresh?: boolean;
  /** HTTP Basic over plain HTTP for the demo users (loopback only; default true). */
  allowInsecureBasic?: boolean;
  /** Whether to deploy and publish the business licence (default true). */
  deployLicence?: boolean;
  /** How long each readiness step may take. */
  timeoutMs?: number;
  progress?: (line: string) => void;
  /** Aborting during the launch stops what was started and fails the launch. */
  signal?: AbortSignal;
}

export interface Member<P extends HubPlacement = HubPlacement> {
  name: string;
  placement: P;
  logFile: string;
  process?: SupervisedProcess;
  env(): Record<string, string>;
}

export interface DepartmentMember extends Member<DepartmentPlacement> {
  code: string;
  credentials: DepartmentCredentials;
}

export class Federation {
  readonly settings: FederationSettings;
  readonly hub: Member;
  readonly departments = new Map<string, DepartmentMember>();
  private readonly timeoutMs: number;
  private readonly progress: (line: string) => void;
  private crashWatchers: Array<(m: Member) => void> = [];

  private constructor(
    readonly options: LaunchOptions,
    readonly dataDir: string,
    hub: HubPlacement,
    departments: Array<{ placement: DepartmentPlacement; credentials: DepartmentCredentials }>,
  ) {
    this.settings = {
      host: options.host ?? '127.0.0.1',
      federationDomain: DEMO_FEDERATION_DOMAIN,
      uddiDomain: DEMO_UDDI_DOMAIN,
      logLevel: options.logLevel ?? 'info',
      ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
    };
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.progress = options.progress ?? (() => undefined);
    const logs = join(dataDir, 'logs');
    this.hub = { name: 'registry', placement: hub, logFile: join(logs, 'registry.log'), env: () => hubEnv(this.settings, this.hub.placement) };
    for (const { placement, credentials } of departments) {
      const code = placement.spec.code;
      const member: DepartmentMember = {
        name: code,
        code,
        placement,
        credentials,
        logFile: join(logs, `${code}.log`),
        env: () => departmentEnv(this.settings, this.hub.placement, member.placement),
      };
      this.departments.set(code, member);
    }
  }

  /** Starts everything and waits until the federation can run a case; stops what it started on failure. */
  static async launch(options: LaunchOptions): Promise<Federation> {
    const dataDir = resolve(options.dataDir);
    if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const host = options.host ?? '127.0.0.1';
    const specs = options.departments ?? LICENCE_DEPARTMENTS;
    const ports = options.basePort !== undefined ? specs.map((_, i) => options.basePort! + 1 + i) : await Promise.all(specs.map(() => freePort(host)));
    const hubPort = options.basePort ?? (await freePort(host));
    await assertPortsFree(host, [{ port: hubPort, who: 'registry hub' }, ...specs.map((s, i) => ({ port: ports[i], who: `${s.code} department` }))]);
    const databaseUrl = options.databaseUrl ?? ((name: string) => `sqlite:${join(dataDir, `${name}.sqlite`)}`);
    const secrets = writeCredentials(join(dataDir, 'secrets'), specs, { allowInsecureBasic: options.allowInsecureBasic ?? true });
    const hub: HubPlacement = { port: hubPort, url: urlOf(host, hubPort), databaseUrl: databaseUrl('registry'), dataDir: join(dataDir, 'registry') };
    const departments = specs.map((spec, i) => {
      const credentials = secrets[i];
      const placement: DepartmentPlacement = {
        spec,
        port: ports[i],
        url: urlOf(host, ports[i]),
        databaseUrl: databaseUrl(spec.code),
        dataDir: join(dataDir, spec.code),
        registryPasswordFile: credentials.registryPasswordFile,
        usersFile: credentials.usersFile,
      };
      return { placement, credentials };
    });
    for (const d of [hub, ...departments.map((x) => x.placement)]) mkdirSync(d.dataDir, { recursive: true, mode: 0o700 });
    const federation = new Federation(options, dataDir, hub, departments);
    try {
      await federation.bringUp();
      return federation;
    } catch (error) {
      await federation.stop();
      throw error;
    }
  }

  private async bringUp(): Promise<void> {
    const t0 = Date.now();
    const codes = [...this.departments.keys()];
    // The same command a hub administrator runs (README "Registering a department engine"), and
    // idempotent: a second `npm start` on the same data directory resets the passwords it generated anew.
    this.progress(`creating registry publishers ${codes.join(', ')}`);
    await runChild({
      name: 'publishers',
      args: ['federation', 'publishers', ...[...this.departments.values()].map((d) => `${d.code}=${d.placement.registryPasswordFile}`)],
      env: this.hub.env(),
      logFile: join(this.dataDir, 'logs', 'setup.log'),
    });
    this.progress(`starting the registry hub on ${this.hub.placement.url}`);
    this.spawn(this.hub, ['registry', 'serve']);
    await waitFor(`the registry hub at ${this.hub.placement.url}`, () => healthy(this.hub.placement.url), this.waitOptions(this.hub));
    for (const d of this.departments.values()) {
      this.progress(`starting ${d.placement.spec.name} (${d.code}) on ${d.placement.url}`);
      this.spawn(d, ['serve']);
    }
    await Promise.all([...this.departments.keys()].map((code) => this.waitReady(code)));
    this.progress(`every department registered in the registry (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    if (this.options.deployLicence === false) return;
    const coordinator = this.department(COORDINATOR);
    this.progress(`deploying examples/business-licence.xpdl at ${coordinator.code} with --publish`);
    await runChild({
      name: 'deploy',
      args: ['deploy', '--publish', LICENCE_XPDL, '--actor', 'federation-launcher'],
      env: coordinator.env(),
      logFile: join(this.dataDir, 'logs', 'setup.log'),
    });
    await Promise.all(
      [...this.departments.values()].map((d) =>
        waitFor(
          `${d.code} to install ${LICENCE_PROCESSES.join(', ')}`,
          async () => {
            const have = new Set((await this.client(d.code).listProcessDefinitions()).map((x) => x.processDefinitionId));
            return LICENCE_PROCESSES.every((p) => have.has(p));
          },
          this.waitOptions(d, coordinator, this.hub),
        ),
      ),
    );
    this.progress(`the business licence is installed at ${codes.join(', ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }

  department(code: string): DepartmentMember {
    const d = this.departments.get(code);
    if (!d) throw new Error(`no department ${code} in this federation`);
    return d;
  }

  /** A ProcessService client of a department, as one of its users (default its admin). */
  client(code: string, username?: string): ProcessServiceClient {
    const d = this.department(code);
    const user = userOf(d.credentials, username);
    return new ProcessServiceClient(d.placement.url, user.username, user.password);
  }

  /** Called when a child exits that nobody asked to stop. Nothing is restarted. */
  onCrash(watcher: (m: Member) => void): void {
    this.crashWatchers.push(watcher);
  }

  /** Starts a stopped or killed department again, with the same database, keys and secrets; optionally on another port. */
  async startDepartment(code: string, options: { port?: number } = {}): Promise<void> {
    const d = this.department(code);
    if (d.process?.running) throw new Error(`${code} is still running (pid ${d.process.pid})`);
    if (options.port !== undefined && options.port !== d.placement.port) {
      d.placement = { ...d.placement, port: options.port, url: urlOf(this.settings.host, options.port) };
    }
    await assertPortsFree(this.settings.host, [{ port: d.placement.port, who: `${code} department` }]);
    this.spawn(d, ['serve']);
    await this.waitReady(code);
  }

  /** Healthy, and registered in the registry at its current address with a live lease and its certificate. */
  async waitReady(code: string): Promise<void> {
    const d = this.department(code);
    await waitFor(`${code} at ${d.placement.url}`, () => healthy(d.placement.url), this.waitOptions(d));
    await waitFor(
      `${code} to register in the registry at ${d.placement.url}`,
      () => registeredAt(this.hub.placement.url, this.settings.federationDomain, code, d.placement.url),
      this.waitOptions(d, this.hub),
    );
  }

  /** SIGKILL (a crash: no lease ended, no request finished) or SIGTERM (a clean stop); waits until it is gone. */
  async killDepartment(code: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.department(code).process;
    if (!p) return;
    if (signal === 'SIGTERM') return p.stop();
    p.kill(signal);
    await p.exited;
  }

  /** Departments first (they end their leases at the hub), then the hub. */
  async stop(): Promise<void> {
    await Promise.all([...this.departments.values()].map((d) => d.process?.stop()));
    await this.hub.process?.stop();
  }

  private spawn(member: Member, args: string[]): SupervisedProcess {
    if (this.options.signal?.aborted) throw new Error('stopped while starting');
    const p = startChild({ name: member.name, args, env: member.env(), logFile: member.logFile });
    member.process = p;
    void p.exited.then(() => {
      if (!p.stopping) for (const w of this.crashWatchers) w(member);
    });
    return p;
  }

  private waitOptions(...members: Member[]) {
    return { timeoutMs: this.timeoutMs, signal: this.options.signal, watch: members.map((m) => m.process).filter((p): p is SupervisedProcess => Boolean(p)) };
  }
}

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { createLogger, openEngine, Settings, startRegistryHub, type InterflowConfig } from '../app';
import {
  Binder,
  FederationKeys,
  RegistryClient,
  type RegistrationReport,
  type UddiInquiry,
} from '../binding';
import { inferFederationKeys, listRegistry, type ListedBusiness } from '../binding';
import { openRegistryStore, openStore, type TypeormStore } from '../persistence';
import { createPublisher, RegistryStore, type PublisherInfo } from '../registry';
import { hubRelay, MessageLog, startMessageLogPurge } from '../transfer';
import { databaseCheck } from '../monitoring';
import { consoleRouter, CONSOLE_PATH } from '../console';
import { WorkflowEngine } from '../engine';
import type { SecurityConfig } from '../services/security';
import { baseUrlOf } from '../services/soap';
import { table, type Output } from './format';
import { TypeormMessageLogRepository } from '../persistence';

/**
 * `interflow registry …`: the registry host (serve), its administration (publisher add), and a
 * department administrator's view and one-off publication (list, publish). See README, "Registry".
 */

export interface RegistryCommandContext {
  out: Output;
  configOf(cmd: Command): InterflowConfig;
  json(cmd: Command): boolean;
  parsePort(value: string): number;
  /** Read by `publisher add --password-stdin`; process.stdin by default. */
  readStdin?: () => Promise<string>;
}

export function addRegistryCommands(program: Command, ctx: RegistryCommandContext): void {
  const { out } = ctx;
  const registry = program
    .command('registry')
    .description('the UDDI v3 registry: run the hub, manage its publishers, list and publish department entries');

  registry
    .command('serve')
    .description('serve the UDDI v3 registry (Inquiry /uddi/inquiry, Publication /uddi/publication, Security /uddi/security, /health, /ready, /metrics) from the database, and withdraw bindings whose lease lapsed long ago (INTERFLOW_REGISTRY_WITHDRAW_AFTER, default 10 × INTERFLOW_REGISTRY_REFRESH), until SIGINT/SIGTERM')
    .option('--port <n>', 'TCP port (env INTERFLOW_PORT; default 8080; 0 picks a free one)', ctx.parsePort)
    .option('--host <address>', 'address to listen on (env INTERFLOW_HOST; default 127.0.0.1)')
    .action(async (opts: { port?: number; host?: string }, cmd: Command) => {
      const config = ctx.configOf(cmd);
      const settings = new Settings();
      const port = opts.port ?? (settings.port ? ctx.parsePort(settings.port) : 8080);
      const host = opts.host ?? settings.host;
      const tls = settings.tls;
      const keys = settings.federationKeys;
      const withdrawAfterSeconds = settings.withdrawAfterSeconds;
      const retention = settings.retention;
      const log = createLogger(config.logLevel);
      // The hub's console logs in the users of INTERFLOW_USERS_FILE; a bad file fails here. In
      // production without one the hub serves no console (it would be open to anyone).
      const hasUsersFile = settings.usersFileSet;
      let securityConfig: SecurityConfig | undefined;
      try {
        securityConfig = settings.security;
      } catch (e) {
        if (hasUsersFile) throw e;
      }
      const trustProxy = settings.trustProxy;
      await withRegistry(config, settings, async (registryStore, store) => {
        // The hub also relays transfers (INTERFLOW_ROUTING=relay on the departments): it finds the
        // receivers through its own registry, over the same UDDI API everyone else uses.
        let binder: Binder | undefined;
        const relay = hubRelay({ messages: new TypeormMessageLogRepository(store), binder: () => binder, log });
        const hub = await startRegistryHub({ registry: registryStore, settings, keys, log, host, port, tls, sweeper: { withdrawAfterSeconds, intervalSeconds: Math.min(60, Math.max(1, settings.refreshSeconds)), keys }, extraServices: [relay], readiness: [databaseCheck({ store })],
          // The hub's console (docs/console.md): the registry, the relay's refusals and lapsed leases, for the users of INTERFLOW_USERS_FILE.
          mount: (app) => {
            if (!securityConfig) return log.warn('no console on this hub: production without INTERFLOW_USERS_FILE');
            app.use(CONSOLE_PATH, consoleRouter({
              role: 'hub',
              security: securityConfig,
              registry: registryStore,
              federationKeys: keys,
              transferLog: new MessageLog(new TypeormMessageLogRepository(store)),
              engine: new WorkflowEngine({ store }),
              log: log.child({ component: 'console' }),
              services: () => [],
              isSecure: (req) => baseUrlOf(req, trustProxy).startsWith('https:'),
              baseUrl: (req) => baseUrlOf(req, trustProxy),
            }));
            app.get('/', (_req, res) => res.redirect(302, `${CONSOLE_PATH}/`));
          } });
        binder = new Binder({ registry: new RegistryClient({ baseUrl: hub.url }), keys, cacheTtlSeconds: settings.cacheTtlSeconds, log });
        out.stdout(`registry listening on ${hub.url}\n  Inquiry      ${hub.url}/uddi/inquiry\n  Publication  ${hub.url}/uddi/publication\n  Security     ${hub.url}/uddi/security\n  Relay        ${hub.url}/services/TransferRelay\n  health / ready  ${hub.url}/health   ${hub.url}/ready   metrics ${hub.url}/metrics\n`);
        // The relay's log holds every message it passed on: it is purged like a department's.
        const purger = startMessageLogPurge({ messageLog: new MessageLog(new TypeormMessageLogRepository(store)), retention, log: log.child({ component: 'message-log' }) });
        await untilSignal(log);
        await purger.stop();
        await hub.close();
      });
    });

  const publisher = registry.command('publisher').description('registry publishers (the accounts departments publish with)');
  publisher
    .command('add')
    .description("create a publisher in the registry database; the password (at least 8 characters) is read from a file or stdin, never from the command line, and is stored as a scrypt hash. With --department it is a department's account and may publish only in that department's partition of the federation domain (uddi:<INTERFLOW_FEDERATION_DOMAIN>:dept:<code>); without, a plain UDDI publisher that may publish nothing under the federation domain")
    .argument('<name>', 'publisher name (for a department, usually its code, e.g. planning)')
    .option('--department <code>', "the department code this publisher acts for: exactly the INTERFLOW_DEPARTMENT of that department's engines")
    .option('--password-file <file>', 'read the password from the first line of this file')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(async (name: string, opts: { department?: string; passwordFile?: string; passwordStdin?: boolean }, cmd: Command) => {
      if (Boolean(opts.passwordFile) === Boolean(opts.passwordStdin)) throw new Error('give the password with exactly one of --password-file FILE or --password-stdin (never on the command line)');
      const department = departmentOption(opts, cmd);
      const raw = opts.passwordFile ? readFileSync(opts.passwordFile, 'utf8') : await (ctx.readStdin ?? readStdin)();
      const password = raw.split(/\r?\n/)[0];
      const created = await withRegistry(ctx.configOf(cmd), new Settings(), (registryStore) => createPublisher(registryStore, name, password, { department }));
      if (ctx.json(cmd)) return out.stdout(JSON.stringify(created, null, 2) + '\n');
      out.stdout(`publisher ${created.name} created ${describePublisher(created)}\n`);
      out.stdout(created.department
        ? `the department's engines set INTERFLOW_DEPARTMENT=${created.department}, INTERFLOW_REGISTRY_USER=${created.name} and INTERFLOW_REGISTRY_PASSWORD (or _FILE)\n`
        : `a department's engines need a publisher with --department CODE\n`);
    });

  publisher
    .command('set')
    .description("assign the department an existing publisher acts for (publishers created before departments were assigned have none, and may no longer publish under the federation domain until they get one)")
    .argument('<name>', 'publisher name')
    .option('--department <code>', "the department code (required): exactly the INTERFLOW_DEPARTMENT of that department's engines")
    .action(async (name: string, opts: { department?: string }, cmd: Command) => {
      const department = departmentOption(opts, cmd);
      if (!department) throw new Error(`give the department publisher ${name} acts for: --department CODE`);
      const updated = await withRegistry(ctx.configOf(cmd), new Settings(), (registryStore) => registryStore.setPublisherDepartment(name, department));
      if (ctx.json(cmd)) return out.stdout(JSON.stringify(updated, null, 2) + '\n');
      out.stdout(`publisher ${updated.name} ${describePublisher(updated)}\n`);
    });

  registry
    .command('list')
    .description('list the registered businesses with their services, bindings, access points, lease state and certificate fingerprints')
    .option('--url <url>', 'the registry host (env INTERFLOW_REGISTRY_URL); without either, the registry in --db is read directly')
    .action(async (opts: { url?: string }, cmd: Command) => {
      // Without INTERFLOW_FEDERATION_DOMAIN the domain is read from the department entries'
      // keys, so their leases and certificates are recognised (the default domain would see none).
      let inferred: FederationKeys | undefined;
      const settings = new Settings();
      const keys = settings.federationDomainSet
        ? settings.federationKeys
        : (businessKeys: string[]) => (inferred = inferFederationKeys(businessKeys));
      const url = opts.url ?? settings.registryUrl;
      const list = (inquiry: UddiInquiry) => listRegistry(inquiry, keys);
      const businesses = url ? await list(new RegistryClient({ baseUrl: url })) : await withRegistry(ctx.configOf(cmd), settings, list);
      if (ctx.json(cmd)) return out.stdout(JSON.stringify(businesses, null, 2) + '\n');
      if (inferred && businesses.length) out.stdout(`federation domain ${inferred.domain} (from the department entries' keys; INTERFLOW_FEDERATION_DOMAIN sets it)\n\n`);
      printListing(out, businesses);
    });

  registry
    .command('publish')
    .description("publish this department's entries once (business, services with capabilities, bindings, WSDL tModels, signing certificate) from the environment: INTERFLOW_REGISTRY_URL, INTERFLOW_REGISTRY_USER/PASSWORD, INTERFLOW_DEPARTMENT, INTERFLOW_PUBLIC_URL, INTERFLOW_SIGNING_CERT")
    .option('--url <url>', 'the registry host (env INTERFLOW_REGISTRY_URL)')
    .option('--public-url <url>', "this engine's address as other engines reach it (env INTERFLOW_PUBLIC_URL)")
    .option('--lease', 'publish the bindings with a lease (3 × INTERFLOW_REGISTRY_REFRESH), as a running engine does; without it they never lapse')
    .action(async (opts: { url?: string; publicUrl?: string; lease?: boolean }, cmd: Command) => {
      const config = ctx.configOf(cmd);
      const settings = new Settings();
      const publicUrl = (opts.publicUrl ?? settings.publicUrlAsGiven)?.trim();
      if (!publicUrl) throw new Error("give this engine's address as other engines reach it with --public-url URL or INTERFLOW_PUBLIC_URL");
      const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
      const engine = await openEngine(config, log);
      try {
        const registration = (opts.url ? settings.with({ INTERFLOW_REGISTRY_URL: opts.url }) : settings).selfRegistration({ engine, log, lease: Boolean(opts.lease) });
        if (!registration) throw new Error('cannot publish: set INTERFLOW_REGISTRY_URL (or --url), INTERFLOW_REGISTRY_USER, INTERFLOW_REGISTRY_PASSWORD (or _FILE) and INTERFLOW_DEPARTMENT (or --department)');
        const report = await registration.registerOnce(publicUrl);
        if (ctx.json(cmd)) return out.stdout(JSON.stringify(report, null, 2) + '\n');
        printReport(out, report);
      } finally {
        await engine.store.close();
      }
    });
}

async function withRegistry<T>(config: InterflowConfig, settings: Settings, fn: (registry: RegistryStore, store: TypeormStore) => Promise<T>): Promise<T> {
  const store: TypeormStore = await openStore(config.databaseUrl, config.databasePoolSize ? { poolSize: config.databasePoolSize } : {});
  try {
    const registry = await openRegistryStore(store, settings.registryNode);
    try {
      return await fn(registry, store);
    } finally {
      await registry.close();
    }
  } finally {
    await store.close();
  }
}

/**
 * --department as typed on this command line. The program has a global --department (the engine's
 * code), which commander fills instead of the subcommand's; INTERFLOW_DEPARTMENT is deliberately
 * not read: the hub's environment must not assign departments to publishers.
 */
function departmentOption(opts: { department?: string }, cmd: Command): string | undefined {
  return opts.department ?? (cmd.optsWithGlobals() as { department?: string }).department;
}

function describePublisher(p: PublisherInfo): string {
  return p.department
    ? `for department ${p.department}: it may publish only under ${p.partition} (its business) and ${p.partition}:…`
    : 'as a plain UDDI publisher (no department): it may publish in partitions of its own, but nothing under the federation domain';
}

function untilSignal(log: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, 'signal received');
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      data += chunk;
    });
    process.stdin.once('end', () => resolve(data));
    process.stdin.once('error', reject);
  });
}

function printReport(out: Output, r: RegistrationReport): void {
  out.stdout(`published ${r.businessKey}\n`);
  table(out, ['  SERVICE', 'BINDING', 'ACCESS POINT'], r.services.map((s) => [`  ${s.type}`, s.bindingKey, s.accessPoint]));
  out.stdout(`  ${r.tModels} tModels; capabilities: ${r.capabilities.join(', ') || 'none'}\n`);
  out.stdout(`  signing certificate: ${r.certificateFingerprint ? `sha256 ${r.certificateFingerprint}` : 'none (INTERFLOW_SIGNING_CERT unset)'}\n`);
  out.stdout(`  lease: ${r.leaseUntil ? `until ${r.leaseUntil.toISOString()}` : 'none (the bindings stay until replaced or deleted)'}\n`);
  for (const w of r.warnings) out.stderr(`warning: ${w}\n`);
}

export function printListing(out: Output, businesses: ListedBusiness[]): void {
  if (!businesses.length) return out.stdout('the registry holds no businesses; departments appear here once their engines register (interflow serve with INTERFLOW_REGISTRY_URL) or run `interflow registry publish`\n');
  businesses.forEach((b, i) => {
    if (i > 0) out.stdout('\n');
    out.stdout(`${b.department ? `department ${b.department}: ` : ''}${b.name}  (${b.businessKey})\n`);
    for (const c of b.certificates) out.stdout('error' in c ? `  certificate: INVALID — ${c.error}\n` : `  certificate sha256 ${c.fingerprint}  ${c.subject}, valid to ${c.validTo}\n`);
    if (b.department && b.certificates.length === 0) out.stdout('  certificate: none published\n');
    const rows: string[][] = [];
    for (const s of b.services) {
      if (s.bindings.length === 0) rows.push([`  ${s.type ?? s.name}`, s.processId ?? '', '(no binding)', '']);
      for (const bd of s.bindings) rows.push([`  ${s.type ?? s.name}`, s.processId ?? '', bd.accessPoint ?? '(redirector)', leaseText(bd)]);
    }
    if (rows.length) table(out, ['  SERVICE', 'PROCESS', 'ACCESS POINT', 'LEASE'], rows);
    else out.stdout('  (no services)\n');
    const capabilities = b.services.flatMap((s) => s.capabilities);
    if (capabilities.length) out.stdout(`  capabilities: ${capabilities.join(', ')}\n`);
  });
}

function leaseText(b: { lease: string; leaseSeconds?: number }): string {
  if (b.lease === 'none') return 'no lease';
  if (b.lease === 'live') return `live, ${b.leaseSeconds} s left`;
  return `EXPIRED ${-(b.leaseSeconds ?? 0)} s ago`;
}

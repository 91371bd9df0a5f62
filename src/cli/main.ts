import 'reflect-metadata';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, createLogger, openEngine, replicaState, serve, Settings, type InterflowConfig } from '../app';
import { parseDatabaseUrl } from '../persistence';
import { bindingsCheck } from '../monitoring';
import { BRANCH_FIELD, EngineError, participatingDepartments, type WorkflowEngine } from '../engine';
import { importXpdl, exportXpdl, XpdlImportError } from '../xpdl';
import { parseAssignments } from './assignments';
import { printInstance, printInstances, printWorklist, printDefinitions, table, type Output } from './format';
import { runDemo, serveDemo } from './demo';
import { outstandingWarnings } from './import-warnings';
import { checkExposure } from '../services/http';
import { createAuthenticator, describeSecurity, SecurityConfigError } from '../services/security';
import { RegistryClient, TRANSFER_SERVICE_OFFERING } from '../binding';
import { MessageLog, RegistryDirectory, startMessageLogPurge, verifyCaseMessages, whereIs, type MessageLogPurger } from '../transfer';
import type { TypeormStore } from '../persistence';
import { addRegistryCommands } from './registry-commands';
import { addFederationCommands } from './federation-commands';
import { addOperatorCommands } from './operator-commands';
import { addCaseCommands } from './case-commands';
import { TypeormMessageLogRepository } from '../persistence';

interface GlobalOptions {
  db?: string;
  department?: string;
  json?: boolean;
  logLevel?: string;
}

/**
 * For the CLI process (bin/interflow.js): `interflow … | head` stops quietly when the reader goes
 * away instead of printing an EPIPE stack; a closed terminal (EIO after SIGHUP) silences the
 * output instead, so `federation up` can still stop its children cleanly.
 */
export function guardStdio(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      if (e.code === 'EIO') {
        stream.write = () => true;
        return;
      }
      throw e;
    });
  }
}

/** Runs the CLI; resolves to the process exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: string[], out: Output = defaultOutput): Promise<number> {
  let engine: WorkflowEngine | undefined;
  const program = new Command();
  const configOf = (cmd: Command): InterflowConfig => {
    const g = cmd.optsWithGlobals() as GlobalOptions;
    const settings = new Settings();
    const config = settings.config({ databaseUrl: g.db, department: g.department, logLevel: g.logLevel });
    // The default ./data is created on first use; a database named by --db or INTERFLOW_DB must be in an existing directory.
    if (!createsSystem(cmd) || g.db !== undefined || settings.databaseSet) refuseMissingDatabaseDir(config.databaseUrl);
    return config;
  };
  const withEngine = (fn: (engine: WorkflowEngine, opts: Record<string, unknown>, cmd: Command, ...args: string[]) => Promise<void>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const opts = args[args.length - 2] as Record<string, unknown>;
      const positional = args.slice(0, -2) as string[];
      const config = configOf(cmd);
      engine = await openEngine(config, createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel));
      await fn(engine, opts, cmd, ...positional);
    };
  const json = (cmd: Command) => Boolean((cmd.optsWithGlobals() as GlobalOptions).json);

  program
    .name('interflow')
    .description('Interflow departmental workflow engine (WfMC) — deploy XPDL, start cases, work the worklist')
    .option('--db <url>', 'database: sqlite:PATH or mysql://user:pass@host:port/db (env INTERFLOW_DB; default sqlite:./data/interflow.sqlite)')
    .option('--department <code>', "this engine's department code (env INTERFLOW_DEPARTMENT)")
    .option('--log-level <level>', 'log level for stderr JSON logs (env INTERFLOW_LOG_LEVEL)')
    .option('--json', 'print machine-readable JSON instead of text')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => out.stdout(s), writeErr: (s) => out.stderr(s) })
    .exitOverride();

  program
    .command('deploy')
    .description('deploy every process of an XPDL 1.0/2.x package (idempotent: identical content keeps its version)')
    .argument('<file>', 'the XPDL file')
    .option('--actor <name>', 'who deploys (recorded)')
    .option('--publish', "also publish it to every other participating department (signed, through this department's outbox; needs --department)")
    .action(withEngine(async (engine, opts, cmd, file) => {
      if (existsSync(file) && statSync(file).isDirectory()) throw new Error(`${file} is a directory: give one XPDL file (deploy FILE.xpdl)`);
      const xml = readFileSync(file, 'utf8');
      const pkg = importXpdl(xml);
      if (opts.publish && !engine.department) throw new InvalidArgumentError('--publish needs this engine\'s department (--department or INTERFLOW_DEPARTMENT)');
      const results = await engine.deploy(pkg, { source: xml, actor: opts.actor as string | undefined, publish: Boolean(opts.publish) });
      const publishedTo = participatingDepartments(pkg).filter((d) => d !== engine.department);
      if (opts.publish) out.stdout(`publishing to ${publishedTo.join(', ') || '(no other participating department)'} (sent by this department's running engine)\n`);
      const warnings = outstandingWarnings(pkg.warnings, engine.handlers);
      if (json(cmd)) return out.stdout(JSON.stringify({ results, ...(pkg.entry ? { entry: pkg.entry } : {}), warnings }, null, 2) + '\n');
      for (const r of results) out.stdout(`${r.created ? 'deployed' : 'unchanged'}  ${r.processId}  version ${r.version}\n`);
      if (pkg.entry) out.stdout(`entry  ${pkg.entry}  (the process no other process of the package calls; start cases with it)\n`);
      for (const w of warnings) out.stderr(`warning: ${w}\n`);
    }));

  const definitions = program
    .command('definitions')
    .description('list deployed process definitions and their versions; definitions data-flow PROCESS: which fields reach each department')
    .action(withEngine(async (engine, _opts, cmd) => {
      const defs = await engine.listDefinitions();
      if (json(cmd)) return out.stdout(JSON.stringify(defs.map(({ definition: _d, source: _s, ...rest }) => rest), null, 2) + '\n');
      printDefinitions(out, defs);
    }));

  program
    .command('export')
    .description('print a deployed process definition as XPDL 2.1')
    .argument('<process>', 'process id')
    .option('--version <n>', 'definition version (default: latest)', (v) => parsePositiveInt(v, '--version'))
    .action(withEngine(async (engine, opts, _cmd, processId) => {
      const rec = await engine.getDefinition(processId, opts.version as number | undefined);
      out.stdout(exportXpdl({ id: rec.packageId ?? rec.processId, name: rec.name, processes: [rec.definition], warnings: [] }));
    }));

  program
    .command('start')
    .description('start a case of a process')
    .argument('<process>', 'process id')
    .option('--data <name=value...>', 'initial data (repeatable)')
    .option('--subject <text>', 'a subject line for the case')
    .option('--actor <name>', 'who starts it (recorded)')
    .option('--version <n>', 'definition version (default: latest)', (v) => parsePositiveInt(v, '--version'))
    .option('--no-start', 'create the case without starting it (open.notrunning)')
    .option('--start-at <activity>', 'with several start events: the one this case starts at')
    .action(withEngine(async (engine, opts, cmd, processId) => {
      const inst = await engine.startProcess(processId, {
        startAt: opts.startAt as string | undefined,
        data: parseAssignments(opts.data as string[] | undefined),
        subject: opts.subject as string | undefined,
        actor: opts.actor as string | undefined,
        version: opts.version as number | undefined,
        startImmediately: opts.start !== false,
      });
      if (json(cmd)) return out.stdout(JSON.stringify(inst, null, 2) + '\n');
      out.stdout(`started ${inst.id}  ${inst.processId} v${inst.version}  ${inst.state}\n`);
      for (const w of inst.workItems) out.stdout(`  work item ${w.id}  ${w.activityName ?? w.activityId}  for ${w.participant || '(anyone)'}\n`);
    }));

  program
    .command('worklist')
    .description('list open work items')
    .option('--participant <id...>', 'only items offered to these participants (roles, users, departments)')
    .option('--instance <id>', 'only items of this case')
    .action(withEngine(async (engine, opts, cmd) => {
      const items = await engine.worklist({ participants: opts.participant as string[] | undefined, instanceId: opts.instance as string | undefined });
      if (json(cmd)) return out.stdout(JSON.stringify(items, null, 2) + '\n');
      printWorklist(out, items);
    }));

  program
    .command('complete')
    .description('complete a work item, optionally setting data')
    .argument('<workitem>', 'work item id')
    .option('--data <name=value...>', 'data to set (repeatable)')
    .option('--branch <label...>', 'a decision work item: the branch to take, by its label or transition Id (several for an inclusive choice); sets the data item @branch')
    .option('--actor <name>', 'who completes it (recorded)')
    .action(withEngine(async (engine, opts, cmd, id) => {
      const branch = opts.branch as string[] | undefined;
      const data = parseAssignments(opts.data as string[] | undefined);
      const withBranch = branch?.length ? { ...data, [BRANCH_FIELD]: branch.length === 1 ? branch[0] : branch } : data;
      const inst = await engine.completeWorkItem(id, { data: withBranch, actor: opts.actor as string | undefined });
      if (json(cmd)) return out.stdout(JSON.stringify(inst, null, 2) + '\n');
      out.stdout(`completed ${id}; case ${inst.id} is ${inst.state}\n`);
      for (const w of inst.workItems) out.stdout(`  next: ${w.id}  ${w.activityName ?? w.activityId}  for ${w.participant || '(anyone)'}\n`);
    }));

  for (const [name, description, target] of [
    ['delegate', 'hand a work item to another participant (their completion counts)', '<to>'],
    ['assist', 'ask a helper; the item waits until the helper completes', '<helper>'],
    ['notify', 'notify a participant without waiting for them', '<participant>'],
  ] as const) {
    program
      .command(name)
      .description(description)
      .argument('<workitem>', 'work item id')
      .argument(target, 'participant id')
      .option('--actor <name>', 'who does it (recorded)')
      .option('--message <text>', 'a note for the helper or the notified participant')
      .action(withEngine(async (engine, opts, _cmd, id, who) => {
        const actor = opts.actor as string | undefined;
        const message = opts.message as string | undefined;
        const item = name === 'delegate' ? await engine.delegateWorkItem(id, who, actor)
          : name === 'assist' ? await engine.assistWorkItem(id, who, actor, message)
          : await engine.notifyFromWorkItem(id, who, actor, message);
        out.stdout(`${name}: work item ${item.id} now offered to ${item.participant}\n`);
      }));
  }

  program
    .command('instances')
    .description('list cases, newest first')
    .option('--process <id>', 'only this process')
    .option('--state <state>', 'only this Wf-XML state, e.g. open.running or closed.completed')
    .option('--limit <n>', 'page size', (v) => parsePositiveInt(v, '--limit'), 50)
    .option('--offset <n>', 'skip this many', (v) => parsePositiveInt(v, '--offset', true), 0)
    .action(withEngine(async (engine, opts, cmd) => {
      const page = await engine.listInstances({
        processId: opts.process as string | undefined,
        state: opts.state as string | undefined,
        limit: opts.limit as number,
        offset: opts.offset as number,
      });
      if (json(cmd)) return out.stdout(JSON.stringify(page, null, 2) + '\n');
      printInstances(out, page.items, page.total);
    }));

  program
    .command('show')
    .description('show a case: its state, data, where its tokens are, open work, and its history')
    .argument('<instance>', 'case id')
    .action(withEngine(async (engine, _opts, cmd, id) => {
      const inst = await engine.getInstance(id);
      const history = await engine.history(id);
      if (json(cmd)) return out.stdout(JSON.stringify({ ...inst, history }, null, 2) + '\n');
      printInstance(out, inst, history);
    }));

  program
    .command('trace')
    .description("where is my case: at the case's home, which department holds which activity; on any node, the hand-overs and results it sent, received or relayed (from, to, activity, time, outcome)")
    .argument('<case>', 'the global case id')
    .option('--verify', "verify every logged message's signature again against the registry's certificates (needs INTERFLOW_REGISTRY_URL)")
    .action(withEngine(async (engine, opts, cmd, caseId) => {
      const messageLog = new MessageLog(new TypeormMessageLogRepository(engine.store as TypeormStore));
      const where = await whereIs(engine, messageLog, caseId);
      const binder = opts.verify ? new Settings().binder() : undefined;
      if (opts.verify && !binder) throw new InvalidArgumentError('--verify needs the registry (INTERFLOW_REGISTRY_URL): certificates come from there, never from the messages');
      const checks = binder ? await verifyCaseMessages(messageLog, new RegistryDirectory(binder), caseId, engine) : undefined;
      if (json(cmd)) {
        out.stdout(JSON.stringify({ ...where, ...(checks ? { verification: checks } : {}) }, null, 2) + '\n');
        const failed = (checks ?? []).filter((c) => !c.ok).length;
        if (failed) throw new Error(`${failed} of ${checks!.length} check${checks!.length === 1 ? '' : 's'} did not verify`);
        return;
      }
      if (where.home) {
        out.stdout(`case ${caseId}: home ${where.home.department ?? '(this engine)'}, ${where.home.processId} v${where.home.version}, ${where.home.state}\n`);
        for (const h of where.home.holders) out.stdout(`  ${h.activityId}${h.name ? ` (${h.name})` : ''}: ${h.state} at ${h.department}\n`);
        for (const w of where.home.waitingAt) out.stdout(`  a token waits in front of ${w}\n`);
      } else {
        out.stdout(`case ${caseId}: its home is another department; what passed through here:\n`);
      }
      if (!where.transfers.length) out.stdout('  no transfers logged here\n');
      else table(out, ['TIME', 'DIRECTION', 'FROM', 'TO', 'KIND', 'ACTIVITY', 'OUTCOME'], where.transfers.map((t) => [t.at.toISOString(), t.direction, t.from, t.to, t.kind, t.activityId ?? '', t.outcomeText + (t.reason ? `: ${t.reason}` : '')]));
      for (const c of checks ?? []) out.stdout(`  ${c.ok ? 'verified' : 'NOT VERIFIED'}  ${c.check === 'signature' ? 'signature' : 'result origin'}  ${c.direction} ${c.messageId}: ${c.detail}\n`);
      const failed = (checks ?? []).filter((c) => !c.ok).length;
      if (failed) throw new Error(`${failed} of ${checks!.length} check${checks!.length === 1 ? '' : 's'} did not verify`);
    }));

  program
    .command('state')
    .description('change a case state: suspend, resume, terminate (or a Wf-XML state name)')
    .argument('<instance>', 'case id')
    .argument('<action>', 'suspend | resume | terminate | start | open.running | open.notrunning.suspended | closed.abnormalCompleted.terminated')
    .option('--actor <name>', 'who does it (recorded)')
    .action(withEngine(async (engine, opts, _cmd, id, action) => {
      const inst = await engine.changeState(id, action, opts.actor as string | undefined);
      out.stdout(`case ${id} is ${inst.state}\n`);
    }));

  program
    .command('timers')
    .description('fire timers and deadlines that are due (run it from cron, or use --watch)')
    .option('--watch <seconds>', 'keep running, checking every N seconds', (v) => parsePositiveInt(v, '--watch'))
    .action(withEngine(async (engine, opts) => {
      const once = async () => {
        const n = await engine.fireDueTimers();
        out.stdout(`${new Date().toISOString()} fired ${n} timer(s)\n`);
      };
      await once();
      if (opts.watch) {
        await new Promise<void>((resolve) => {
          const t = setInterval(() => void once().catch((e) => out.stderr(`error: ${(e as Error).message}\n`)), (opts.watch as number) * 1000);
          process.once('SIGINT', () => { clearInterval(t); resolve(); });
          process.once('SIGTERM', () => { clearInterval(t); resolve(); });
        });
      }
    }));

  program
    .command('serve')
    .description('serve the SOAP services (ProcessService, Wf-XML Factory/Instance/Observer, /health) over HTTP or HTTPS, fire due timers every second and send Wf-XML notifications, until SIGINT/SIGTERM; with INTERFLOW_REGISTRY_URL set, register in the registry and keep the registration fresh')
    .option('--port <n>', 'TCP port (env INTERFLOW_PORT; default 8080; 0 picks a free one)', (v) => parsePositiveInt(v, '--port', true))
    .option('--host <address>', 'address to listen on (env INTERFLOW_HOST; default 127.0.0.1)')
    .action(async (opts: { port?: number; host?: string }, cmd: Command) => {
      const config = configOf(cmd);
      const settings = new Settings();
      const port = opts.port ?? (settings.port ? parsePositiveInt(settings.port, 'INTERFLOW_PORT', true) : 8080);
      const host = opts.host ?? settings.host;
      // Certificates and the users file are read before anything opens: a bad setting fails fast.
      const tls = settings.tls;
      const securityConfig = settings.security;
      const retention = settings.retention;
      const log = createLogger(config.logLevel);
      log.info({ security: describeSecurity(securityConfig) }, 'caller authentication');
      engine = await openEngine(config, log, undefined, settings);
      // Replicas of this department share nonces, throttles and console sessions through the database.
      const shared = replicaState(engine.store as TypeormStore);
      const security = createAuthenticator(securityConfig, { logger: log, replayCache: shared.replayCache });
      const stop = new AbortController();
      const onSignal = (signal: string) => {
        log.info({ signal }, 'signal received');
        stop.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let purger: MessageLogPurger | undefined;
      try {
        const publicUrl = settings.publicUrl;
        // A department engine with a registry takes part in cross-department transfers: it signs
        // with its own key, publishes the certificate, and serves its TransferService.
        const binder = config.department ? settings.binder(log, { snapshots: shared.bindingSnapshots }) : undefined;
        const federation = binder ? await settings.departmentFederation({ engine, store: engine.store as TypeormStore, binder, log, replayCache: shared.replayCache, outboxDueNow: (now) => shared.bindingSnapshots.outboxDueNow(now) }) : undefined;
        const messageLog = federation?.messageLog ?? new MessageLog(new TypeormMessageLogRepository(engine.store as TypeormStore));
        purger = startMessageLogPurge({ messageLog, retention, log: log.child({ component: 'message-log' }) });
        const registration = settings.selfRegistration({
          engine,
          log,
          ...(federation
            ? {
                certificate: federation.certificate,
                extraServices: [TRANSFER_SERVICE_OFFERING],
                onRegistryBack: () => void federation.registryBack().catch((err: unknown) => log.warn({ err }, 'could not nudge the waiting hand-overs')),
              }
            : {}),
        });
        await serve(engine, { log, host, port, tls, publicUrl, security, shared, readiness: binder ? [bindingsCheck(binder)] : [], console: { security: securityConfig, transferLog: messageLog, ...(federation ? { heldPackages: federation.heldPackages } : {}) }, ...consoleRegistry(settings), registration, settings, federation, signal: stop.signal, onListening: (url) => out.stdout(`listening on ${url}\n`) });
      } finally {
        await purger?.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  program
    .command('demo')
    .description('deploy the sample definitions into a fresh demo database, walk cases through them, then serve it over SOAP with printed demo credentials')
    .option('--db <url>', 'demo database (default sqlite:./data/demo.sqlite, recreated each run)')
    .option('--once', 'walk the cases and stop, without serving (CI)')
    .option('--port <n>', 'TCP port to serve on (env INTERFLOW_PORT; default 8080)', (v) => parsePositiveInt(v, '--port', true))
    .option('--host <address>', 'address to serve on (env INTERFLOW_HOST; default 127.0.0.1)')
    .action(async (opts: { db?: string; once?: boolean; port?: number; host?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalOptions;
      const databaseUrl = opts.db ?? g.db;
      const logLevel = g.logLevel ?? 'warn';
      const settings = new Settings();
      const host = opts.host ?? settings.host;
      // The demo accepts HTTP Basic over plain HTTP: loopback only, refused before any work.
      if (!opts.once) checkExposure(host, false, true);
      await runDemo(out, { databaseUrl, logLevel });
      if (opts.once) return;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await serveDemo(out, {
          databaseUrl,
          logLevel,
          host,
          port: opts.port ?? (settings.port ? parsePositiveInt(settings.port, 'INTERFLOW_PORT', true) : 8080),
          signal: stop.signal,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  addOperatorCommands(program, definitions, { out, json, withEngine });
  addCaseCommands(program, { out, json, withEngine });
  addRegistryCommands(program, { out, configOf, json, parsePort: (v) => parsePositiveInt(v, '--port', true) });
  addFederationCommands(program, { out, configOf, memberTuning: () => new Settings().memberTuning, parsePort: (v) => parsePositiveInt(v, '--base-port', true) });

  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    // Commander prints the usage errors it finds while parsing; one an action throws is printed here.
    if (e instanceof InvalidArgumentError || e instanceof ConfigError) {
      out.stderr(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    out.stderr(`error: ${describeError(e)}\n`);
    if (new Settings().debug) out.stderr(`${(e as Error).stack}\n`);
    return 1;
  } finally {
    await engine?.store.close();
  }
}

/**
 * Commands that set a system up (and so may create its SQLite file): serve, deploy, demo, the
 * hub and its publishers, federation setup. Every other command reads or works an existing system.
 */
const CREATING_COMMANDS = new Set(['serve', 'deploy', 'demo', 'registry serve', 'registry publisher add', 'registry publisher set', 'federation up', 'federation credentials', 'federation publishers']);

function createsSystem(cmd: Command): boolean {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return CREATING_COMMANDS.has(names.join(' '));
}

/**
 * A mistyped --db sqlite:/no/such/dir/x.sqlite would otherwise be created on the spot and look like
 * an empty system: a command that reads an existing system refuses a database whose directory is
 * missing, and one that sets a system up creates the file only in an existing directory.
 */
function refuseMissingDatabaseDir(url: string): void {
  const db = parseDatabaseUrl(url, { allowMemory: true });
  if (db.kind !== 'sqlite' || db.path === ':memory:') return;
  const dir = dirname(db.path);
  if (!existsSync(dir)) throw new ConfigError(`no database at ${db.path}: its directory ${dir} does not exist (check --db or INTERFLOW_DB)`);
}

/** The console shows, and /ready checks, the registry this engine registers in (INTERFLOW_REGISTRY_URL). */
function consoleRegistry(settings: Settings): { registry?: RegistryClient } {
  const url = settings.registryUrl;
  return url ? { registry: new RegistryClient({ baseUrl: url, timeoutMs: 3000 }) } : {};
}

function describeError(e: unknown): string {
  if (e instanceof EngineError || e instanceof XpdlImportError || e instanceof SecurityConfigError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return `file not found: ${err.path}`;
  return err?.message ?? String(e);
}

function parsePositiveInt(v: string, flag: string, allowZero = false): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new InvalidArgumentError(`${flag} needs a whole number${allowZero ? '' : ' above 0'}, got "${v}"`);
  return n;
}

const defaultOutput: Output = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
};

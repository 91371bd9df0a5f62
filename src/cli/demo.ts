import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createLogger, openEngine, serve, Settings } from '../app';
import { parseDatabaseUrl } from '../persistence';
import { importXpdl } from '../xpdl';
import type { InstanceView, WorkflowEngine, WorkItemRecord } from '../engine';
import type { Output } from './format';
import { createAuthenticator, demoSecurityConfig, demoUsers, makeUser, randomSecret } from '../services/security';
import { outstandingWarnings } from './import-warnings';

export const DEMO_DATABASE_URL = 'sqlite:./data/demo.sqlite';

/** What the demo's participants decide at each activity, so every case reaches its end. */
const DECISIONS: Record<string, Record<string, unknown>> = {
  review_document: { approvedByReviewer: 'true', reviewerComment: 'Clear and complete.' },
  final_review_document: { approvedByPublisher: 'true', publisherComment: 'Ready to publish.' },
  environment_review: { envOk: 'true' },
  fire_review: { fireOk: 'true' },
};

/**
 * The quick start's main job: deploy the sample definitions into a fresh embedded database and
 * walk cases through to their end, printing each step, so a new user sees the engine work.
 */
export async function runDemo(out: Output, options: { databaseUrl?: string; logLevel: string; referenceDir?: string }): Promise<void> {
  const databaseUrl = options.databaseUrl ?? DEMO_DATABASE_URL;
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'sqlite' && target.path !== ':memory:') {
    for (const suffix of ['', '-wal', '-shm']) rmSync(target.path + suffix, { force: true });
  }
  const config = new Settings().config({ databaseUrl, logLevel: options.logLevel, department: undefined });
  const engine = await openEngine(config, createLogger(options.logLevel));
  try {
    out.stdout(`Interflow demo — database ${target.kind === 'sqlite' ? target.path : target.kind}\n\n1. Deploying sample definitions\n`);
    for (const file of sampleFiles(options.referenceDir)) {
      const xml = readFileSync(file, 'utf8');
      const pkg = importXpdl(xml);
      const results = await engine.deploy(pkg, { source: xml, actor: 'demo' });
      out.stdout(`   ${basename(file)}: ${results.map((r) => `${r.processId} v${r.version}`).join(', ')}\n`);
      for (const w of outstandingWarnings(pkg.warnings, engine.handlers)) out.stdout(`     note: ${w}\n`);
    }
    const deployed = new Set((await engine.listDefinitions()).map((d) => d.processId));
    let step = 2;
    if (deployed.has('building_permit')) {
      out.stdout(`\n${step++}. A building permit case across three departments\n`);
      await walk(engine, out, 'building_permit', { caseRef: 'BP-2026-0042', notifyEmail: 'true', notifySms: 'true' });
    }
    if (deployed.has('document_approval')) {
      out.stdout(`\n${step++}. A document approval case (reference sample document_approval.xpdl)\n`);
      await walk(engine, out, 'document_approval', {});
    }
    const counts = await engine.countByState();
    out.stdout(`\nDone. Cases by state: ${Object.entries(counts).map(([s, n]) => `${s}=${n}`).join(', ')}\n`);
    out.stdout(`Explore: node bin/interflow.js --db ${databaseUrl} instances | show CASE | worklist | definitions\n`);
  } finally {
    await engine.store.close();
  }
}

async function walk(engine: WorkflowEngine, out: Output, processId: string, data: Record<string, unknown>): Promise<InstanceView> {
  let inst = await engine.startProcess(processId, { data, actor: 'demo', subject: `demo ${processId}` });
  out.stdout(`   started case ${inst.id} (${inst.state})\n`);
  for (let guard = 0; guard < 100; guard++) {
    const items = await openItemsOfCaseTree(engine, inst.id);
    if (!items.length) break;
    const item = items[0];
    const decision = DECISIONS[item.activityId] ?? {};
    const actor = item.participant ? `${item.participant}-user` : 'demo-user';
    await engine.completeWorkItem(item.id, { data: decision, actor });
    const shown = Object.keys(decision).length ? ` with ${Object.entries(decision).map(([k, v]) => `${k}=${v}`).join(', ')}` : '';
    const where = item.department ? ` [department ${item.department}]` : '';
    const sub = item.instanceId !== inst.id ? ' (in subprocess)' : '';
    out.stdout(`   ${actor} completed "${item.activityName ?? item.activityId}"${item.loopCounter !== undefined ? ` #${item.loopCounter + 1}` : ''}${where}${sub}${shown}\n`);
    inst = await engine.getInstance(inst.id);
  }
  inst = await engine.getInstance(inst.id);
  out.stdout(`   case ${inst.id} is ${inst.state}; data ${JSON.stringify(inst.data)}\n`);
  const history = await engine.history(inst.id);
  out.stdout(`   ${history.length} audit events recorded (interflow show ${inst.id})\n`);
  return inst;
}

/** Work items of a case and of the subprocesses it waits for. */
async function openItemsOfCaseTree(engine: WorkflowEngine, instanceId: string): Promise<WorkItemRecord[]> {
  const own = await engine.worklist({ instanceId });
  const children = await engine.listInstances({ parentInstanceId: instanceId, statePrefix: 'open.' });
  const nested: WorkItemRecord[] = [];
  for (const c of children.items) nested.push(...(await openItemsOfCaseTree(engine, c.id)));
  return [...own, ...nested];
}

/** The product's own examples, plus the public reference samples (beside the checkout, or INTERFLOW_REFERENCE_DIR). */
function sampleFiles(referenceDir?: string): string[] {
  const root = resolve(__dirname, '..', '..');
  const reference = referenceDir ?? (new Settings().referenceDir ?? resolve(root, '..', 'shared', 'reference'));
  const dirs = [join(root, 'examples'), resolve(reference, 'xpdl', 'samples')];
  return dirs.filter((d) => existsSync(d)).flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.xpdl')).sort().map((f) => join(d, f)));
}

export interface DemoServeOptions {
  databaseUrl?: string;
  logLevel: string;
  host: string;
  port: number;
  signal: AbortSignal;
  /** Called with the base URL once listening (tests use it). */
  onListening?: (url: string) => void;
}

/**
 * After the walkthrough the demo keeps serving its database over SOAP, so integrators can point
 * their toolkits at real WSDLs. Credentials are random per run and printed: the demo never ships
 * with a known password. Basic over plain HTTP is allowed here only because the demo listens on
 * loopback; `interflow serve` refuses it unless configured.
 */
export async function serveDemo(out: Output, options: DemoServeOptions): Promise<void> {
  const databaseUrl = options.databaseUrl ?? DEMO_DATABASE_URL;
  const log = createLogger(options.logLevel);
  // The reviewing departments get a user each, so the console shows each department its own worklist.
  const users = [
    ...demoUsers(),
    makeUser({ username: 'demo-environment', password: randomSecret(), participants: ['environment'] }),
    makeUser({ username: 'demo-fire', password: randomSecret(), participants: ['fire-safety'] }),
  ];
  const securityConfig = demoSecurityConfig(users, { allowInsecureBasic: true });
  const security = createAuthenticator(securityConfig, { logger: log });
  const engine = await openEngine(new Settings().config({ databaseUrl, logLevel: options.logLevel, department: undefined }), log);
  try {
    const waiting = await engine.startProcess('building_permit', { data: { caseRef: 'BP-2026-0043' }, actor: 'demo', subject: 'waiting for you' });
    await serve(engine, {
      log,
      host: options.host,
      port: options.port,
      security,
      console: { security: securityConfig },
      signal: options.signal,
      onListening: (url) => {
        out.stdout(`\n${'-'.repeat(72)}\nThe demo is serving its database at ${url} (Ctrl-C to stop)\n\n`);
        out.stdout(`  Console             ${url}/console/   (log in as demo-admin to see and do everything,\n`);
        out.stdout('                      or as a department user below to see its worklist)\n');
        out.stdout(`  ProcessService      ${url}/services/ProcessService?wsdl\n`);
        out.stdout(`  Wf-XML Factory      ${url}/wfxml/factory/building_permit?wsdl\n`);
        out.stdout(`  Wf-XML Instance     ${url}/wfxml/instance/${waiting.id}?wsdl   (a permit case waiting at "register")\n`);
        out.stdout(`  Wf-XML Observer     ${url}/wfxml/observer?wsdl\n  health              ${url}/health   ready ${url}/ready   metrics ${url}/metrics\n\n`);
        out.stdout('  HTTP Basic is accepted over plain HTTP only because the demo listens on loopback;\n  the demo refuses to start on any other address (--host).\n');
        out.stdout('  Demo users (random for this run; console login, WS-Security UsernameToken digest, or HTTP Basic on this loopback demo):\n');
        for (const u of users) {
          out.stdout(`    ${u.username.padEnd(16)} ${String(u.password).padEnd(36)} ${u.admin ? 'admin' : `starts ${u.start.join(', ') || '-'}; acts as ${u.participants.join(', ')}`}\n`);
        }
        out.stdout(`${'-'.repeat(72)}\n`);
        options.onListening?.(url);
      },
    });
  } finally {
    await engine.store.close();
  }
}

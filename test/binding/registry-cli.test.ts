import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { main } from '../../src/cli/main';
import { freshSqlitePath, resetMysqlDatabase, testDatabaseConfig } from '../support/test-store';
import { makeCertificate, PERMIT_XPDL } from './support';
import { waitFor } from '../support/wait-for';

const ROOT = resolve(__dirname, '../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A CLI process, as an administrator would start it (the TypeScript sources through tsx). */
class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(
    readonly child: ChildProcess,
    input?: string,
  ) {
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    if (input !== undefined) child.stdin!.end(input);
  }

  static start(args: string[], env: Record<string, string>, input?: string): CliProcess {
    const script = `require('./src/cli/main.ts').main(['node', 'interflow', ...process.argv.slice(1)]).then((c) => { process.exitCode = c; })`;
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script, '--', ...args], { cwd: ROOT, env: { ...process.env, INTERFLOW_LOG_LEVEL: 'info', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    return new CliProcess(child, input);
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

describe('interflow registry (CLI)', function () {
  this.timeout(120_000);
  let hubDb: string;
  let engineDb: string;
  let dir: string;
  const processes: CliProcess[] = [];
  const saved = { ...process.env };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'interflow-registry-cli-'));
    const config = testDatabaseConfig();
    if (config.kind === 'mysql') {
      await resetMysqlDatabase(config);
      hubDb = engineDb = process.env.INTERFLOW_TEST_DB!;
    } else {
      hubDb = `sqlite:${freshSqlitePath()}`;
      engineDb = `sqlite:${freshSqlitePath()}`;
    }
  });
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  after(async () => {
    for (const p of processes) await p.stop();
  });

  async function cli(...args: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const code = await main(['node', 'interflow', ...args], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
    return { code, stdout, stderr };
  }

  it('walks the administrator through it: hub, publishers, a published department, a self-registered engine, the listing', async () => {
    // Each command has its own help.
    const help = await cli('registry', '--help');
    expect(help.stdout).to.match(/serve/).and.match(/publisher/).and.match(/list/).and.match(/publish/);
    for (const sub of [['serve'], ['publisher', 'add'], ['publisher', 'set'], ['list'], ['publish']]) {
      const h = await cli('registry', ...sub, '--help');
      expect(h.code, sub.join(' ')).to.equal(0);
      expect(h.stdout).to.match(/Usage: interflow registry/);
    }

    // 1. The hub: publishers (the password never on the command line, never echoed).
    const pwFile = join(dir, 'planning.pw');
    writeFileSync(pwFile, 'planning-password-1\n');
    const added = await cli('--db', hubDb, 'registry', 'publisher', 'add', 'planning', '--department', 'planning', '--password-file', pwFile);
    expect(added.code, added.stderr).to.equal(0);
    expect(added.stdout).to.include('publisher planning created for department planning: it may publish only under uddi:interflow.org:dept:planning')
      .and.include('INTERFLOW_DEPARTMENT=planning').and.not.include('planning-password-1');
    const twice = await cli('--db', hubDb, 'registry', 'publisher', 'add', 'planning', '--department', 'planning', '--password-file', pwFile);
    expect(twice.code).to.equal(1);
    expect(twice.stderr).to.match(/already exists/);
    const noPassword = await cli('--db', hubDb, 'registry', 'publisher', 'add', 'x');
    expect(noPassword.stderr).to.match(/--password-file FILE or --password-stdin/);
    const viaStdin = CliProcess.start(['--db', hubDb, 'registry', 'publisher', 'add', 'fire-safety', '--department', 'fire-safety', '--password-stdin'], {}, 'fire-password-22\n');
    expect(await viaStdin.exited, viaStdin.stderr).to.equal(0);
    expect(viaStdin.stdout + viaStdin.stderr).to.not.include('fire-password-22');
    // Without --department: a plain UDDI publisher, and the output says what that means.
    const roadsPw = join(dir, 'roads.pw');
    writeFileSync(roadsPw, 'roads-password-1\n');
    const plain = await cli('--db', hubDb, 'registry', 'publisher', 'add', 'roads', '--password-file', roadsPw);
    expect(plain.code, plain.stderr).to.equal(0);
    expect(plain.stdout).to.include('publisher roads created as a plain UDDI publisher (no department)').and.include('nothing under the federation domain');
    const json = JSON.parse((await cli('--db', hubDb, '--json', 'registry', 'publisher', 'set', 'roads', '--department', 'roads')).stdout) as { name: string; department: string; partition: string };
    expect(json).to.include({ name: 'roads', department: 'roads', partition: 'uddi:interflow.org:dept:roads' });
    const reserved = await cli('--db', hubDb, 'registry', 'publisher', 'add', 'x', '--department', 'keygenerator', '--password-file', roadsPw);
    expect(reserved.code).to.equal(1);
    expect(reserved.stderr).to.match(/"keygenerator" cannot be a department code/);
    expect((await cli('--db', hubDb, 'registry', 'list')).stdout).to.match(/holds no businesses/);

    const hub = CliProcess.start(['--db', hubDb, 'registry', 'serve', '--port', '0'], { INTERFLOW_REGISTRY_REFRESH: '1', INTERFLOW_REGISTRY_WITHDRAW_AFTER: '3600', INTERFLOW_METRICS_TOKEN: 'hub-scrape-token' });
    processes.push(hub);
    await waitFor(() => /registry listening on (http:\/\/\S+)/.test(hub.stdout), `the hub to listen (${hub.stderr})`, 60_000);
    const url = /registry listening on (http:\/\/\S+)/.exec(hub.stdout)![1];
    expect(hub.stdout).to.include(`${url}/uddi/inquiry`);
    const health = (await (await fetch(`${url}/health`)).json()) as { role: string };
    expect(health.role).to.equal('registry');
    // The hub is probed and scraped like a department: /ready writes to its database, /metrics wants the token.
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).to.equal(200);
    expect(Object.keys(((await ready.json()) as { checks: object }).checks)).to.deep.equal(['registry', 'database']);
    expect((await fetch(`${url}/metrics`)).status).to.equal(401);
    const metrics = await fetch(`${url}/metrics`, { headers: { Authorization: 'Bearer hub-scrape-token' } });
    expect(metrics.status).to.equal(200);
    expect(await metrics.text()).to.match(/^# TYPE interflow_soap_requests_total counter/m).and.match(/^process_cpu/m);
    // Its console says it is the registry hub (open here: no users file, as in development).
    const session = (await (await fetch(`${url}/console/api/session`)).json()) as { role: string; department: string | null };
    expect(session).to.include({ role: 'hub', department: null });
    const cookie = (await fetch(`${url}/console/api/session`)).headers.get('set-cookie')?.split(';')[0] ?? '';
    const attention = (await (await fetch(`${url}/console/api/attention`, { headers: { cookie } })).json()) as Record<string, unknown>;
    expect(attention).to.include({ stuck: null, incidents: null });
    expect(attention.leases).to.deep.include({ count: 0 });

    // 2. A department publishes its entries once, with its certificate. Not as another department's publisher.
    const cert = makeCertificate('planning-cli');
    expect((await cli('--db', engineDb, 'deploy', PERMIT_XPDL)).code).to.equal(0);
    Object.assign(process.env, { INTERFLOW_REGISTRY_USER: 'roads', INTERFLOW_REGISTRY_PASSWORD_FILE: roadsPw, INTERFLOW_SIGNING_CERT: cert.path });
    const foreign = await cli('--db', engineDb, '--department', 'planning', 'registry', 'publish', '--url', url, '--public-url', 'http://planning.example.gov:8080');
    expect(foreign.code).to.equal(1);
    expect(foreign.stderr).to.include('publisher roads acts for department roads; uddi:interflow.org:dept:planning:keygenerator belongs to department planning');
    Object.assign(process.env, { INTERFLOW_REGISTRY_USER: 'planning', INTERFLOW_REGISTRY_PASSWORD_FILE: pwFile });
    const published = await cli('--db', engineDb, '--department', 'planning', 'registry', 'publish', '--url', url, '--public-url', 'http://planning.example.gov:8080');
    expect(published.code, published.stderr).to.equal(0);
    expect(published.stdout).to.include('published uddi:interflow.org:dept:planning')
      .and.include('http://planning.example.gov:8080/wfxml/factory/building_permit')
      .and.include(`sha256 ${cert.certificate.fingerprint}`)
      .and.include('building_permit/register');

    const listed = await cli('registry', 'list', '--url', url);
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout).to.match(/department planning: planning {2}\(uddi:interflow\.org:dept:planning\)/)
      .and.include(`certificate sha256 ${cert.certificate.fingerprint}`)
      .and.match(/ProcessService\s+http:\/\/planning\.example\.gov:8080\/services\/ProcessService\s+no lease/)
      .and.match(/wfxml-factory\s+building_permit\s+http:\/\/planning\.example\.gov:8080\/wfxml\/factory\/building_permit/);
    const listing = JSON.parse((await cli('--json', 'registry', 'list', '--url', url)).stdout) as Array<{ department?: string; services: Array<{ type?: string; bindings: Array<{ lease: string }> }> }>;
    expect(listing.map((b) => b.department)).to.deep.equal(['planning']);
    expect(listing[0].services.flatMap((s) => s.bindings.map((b) => b.lease))).to.deep.equal(['none', 'none', 'none', 'none']);

    // 3. An engine of another department registers itself when it serves, and keeps its lease fresh.
    const fireDb = testDatabaseConfig().kind === 'mysql' ? engineDb : `sqlite:${freshSqlitePath()}`;
    const engine = CliProcess.start(['--db', fireDb, 'serve', '--port', '0'], {
      INTERFLOW_REGISTRY_URL: url,
      INTERFLOW_REGISTRY_USER: 'fire-safety',
      INTERFLOW_REGISTRY_PASSWORD: 'fire-password-22',
      INTERFLOW_REGISTRY_PASSWORD_FILE: '',
      INTERFLOW_SIGNING_CERT: '',
      INTERFLOW_DATA_DIR: mkdtempSync(join(tmpdir(), 'interflow-fire-keys-')),
      INTERFLOW_DEPARTMENT: 'fire-safety',
      INTERFLOW_DEPARTMENT_NAME: 'Fire safety department',
      INTERFLOW_REGISTRY_REFRESH: '1',
    });
    processes.push(engine);
    await waitFor(() => engine.stderr.includes('registered in the registry'), `the engine to register (${engine.stderr.slice(-2000)})`, 60_000);
    // Without INTERFLOW_SIGNING_CERT a department engine generates its key and publishes that certificate.
    const registered = JSON.parse(engine.stderr.split('\n').find((l) => l.includes('registered in the registry'))!) as { certificate: string | null };
    expect(registered.certificate).to.match(/^[0-9a-f]{64}$/);
    const engineUrl = /listening on (http:\/\/\S+)/.exec(engine.stdout)![1];
    const withEngine = await cli('registry', 'list', '--url', url);
    expect(withEngine.stdout).to.match(/department fire-safety: Fire safety department/)
      .and.match(new RegExp(`ProcessService\\s+${engineUrl.replace(/\./g, '\\.')}/services/ProcessService\\s+live, \\d+ s left`))
      .and.include(`certificate sha256 ${registered.certificate}`);

    // 4. It stops: its leases end, and the listing says so.
    expect(await engine.stop()).to.equal(0);
    const afterStop = await cli('registry', 'list', '--url', url);
    expect(afterStop.stdout).to.match(new RegExp(`${engineUrl.replace(/\./g, '\\.')}/services/ProcessService\\s+EXPIRED \\d+ s ago`));

    // The registry in the database reads the same without a URL.
    const local = await cli('--db', hubDb, 'registry', 'list');
    expect(local.stdout).to.include('department fire-safety');

    expect(await hub.stop()).to.equal(0);
    expect(hub.stderr).to.include('registry listening');
  });
});

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { main } from '../../src/cli/main';
import { freePort } from '../../src/federation';
import { tempDir } from './support';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'interflow', ...args], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

/** Four consecutive free ports, so `--base-port` can be given as a deployment would. */
async function freeRun(): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base > 65000) continue;
    const probes = await Promise.all([1, 2, 3].map((i) => new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen({ host: '127.0.0.1', port: base + i, exclusive: true }, () => s.close(() => resolve(true)));
    })));
    if (probes.every(Boolean)) return base;
  }
}

describe('interflow federation (CLI)', function () {
  this.timeout(120_000);

  it('up --once hands its tuning settings to every member: with INTERFLOW_SIGNING_THREADS=1 the transfers are signed and verified in threads, and the case completes', async () => {
    const data = tempDir('interflow-fed-tuned-');
    const before = process.env.INTERFLOW_SIGNING_THREADS;
    process.env.INTERFLOW_SIGNING_THREADS = '1';
    try {
      const r = await cli('federation', 'up', '--once', '--data', data, '--base-port', String(await freeRun()));
      expect(r.code, r.stderr + r.stdout).to.equal(0);
      expect(r.stdout).to.include('every member also gets INTERFLOW_SIGNING_THREADS=1');
      for (const member of ['market', 'tax', 'fire']) expect(readFileSync(join(data, 'logs', `${member}.log`), 'utf8'), member).to.include('transfers are signed and verified in 1 worker thread');
      expect(r.stdout).to.match(/case \S+ is closed\.completed; licenceNo=LIC-/);
    } finally {
      if (before === undefined) delete process.env.INTERFLOW_SIGNING_THREADS;
      else process.env.INTERFLOW_SIGNING_THREADS = before;
    }
  });

  it('up --once: hub and three departments as processes, a licence case worked over SOAP at market and fire, its trace across three engines', async () => {
    const data = tempDir('interflow-fed-once-');
    const r = await cli('federation', 'up', '--once', '--data', data, '--base-port', String(await freeRun()));
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.include('every department registered in the registry').and.include('the business licence is installed at market, tax, fire');
    for (const what of ['/uddi/inquiry', '/services/ProcessService?wsdl', '/wfxml/factory/business_licence?wsdl', '/services/TransferService?wsdl', '/console/']) expect(r.stdout).to.include(what);
    expect(r.stdout).to.match(/market-clerk +\S{24} +starts business_licence/).and.match(/fire-inspector +\S{24} +starts -; acts as inspector, fire/);
    // The legacy clients' calls, at market and at fire.
    expect(r.stdout).to.match(/market +StartProcess business_licence/).and.match(/fire +CompleteWorkItem +visit_premises with premisesSafe=true/);
    expect(r.stdout).to.match(/case \S+ is closed\.completed; licenceNo=LIC-/);
    // The trace: hand-overs out of market, taken by tax and fire, results back.
    for (const line of [/market +sent +hand-over market → tax +register_taxpayer +accepted/, /fire +received hand-over market → fire +inspect_premises +accepted/, /tax +sent +result +tax → market/, /market +received result +fire → market +accepted/]) {
      expect(r.stdout).to.match(line);
    }
    expect(r.stdout).to.include('stopped: registry hub and departments');
    // Secrets are the owner's only; each process logged to its own file.
    for (const f of ['market.registry-password', 'market.users.json', 'fire.users.json']) expect(statSync(join(data, 'secrets', f)).mode & 0o777, f).to.equal(0o600);
    // The supervisor writes a child's "exited" line as the child's log stream closes, which can be a
    // moment after the launcher printed "stopped".
    for (const f of ['registry', 'market', 'tax', 'fire']) {
      const file = join(data, 'logs', `${f}.log`);
      for (let i = 0; i < 100 && !/exited (with code 0|on SIGTERM)/.test(readFileSync(file, 'utf8')); i++) await new Promise((r) => setTimeout(r, 50));
      expect(readFileSync(file, 'utf8')).to.match(/exited (with code 0|on SIGTERM)/);
    }
  });

  it('refuses to start when a port is taken, naming the port and who needed it', async () => {
    const base = await freeRun();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: base + 2 }, resolve));
    try {
      const r = await cli('federation', 'up', '--data', tempDir('interflow-fed-port-'), '--base-port', String(base));
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include(`port ${base + 2} (tax department) is already in use`).and.include('--base-port');
    } finally {
      blocker.close();
    }
  });

  it('publishers: creates the accounts, and on a second run resets their passwords instead of failing', async () => {
    const dir = tempDir('interflow-fed-pub-');
    const db = `sqlite:${join(dir, 'registry.sqlite')}`;
    writeFileSync(join(dir, 'market.pw'), 'first-password-123\n', { mode: 0o600 });
    const first = await cli('--db', db, 'federation', 'publishers', `market=${join(dir, 'market.pw')}`);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.equal('publisher market created for department market\n');
    const again = await cli('--db', db, 'federation', 'publishers', `market=${join(dir, 'market.pw')}`);
    expect(again.stdout).to.equal('publisher market password reset for department market\n');
    const bad = await cli('--db', db, 'federation', 'publishers', 'market');
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include('DEPARTMENT_CODE=PASSWORD_FILE');
  });

  it('credentials: a publisher password and a users file per department, mode 0600, with distinct random passwords', async () => {
    const dir = tempDir('interflow-fed-cred-');
    const r = await cli('federation', 'credentials', '--dir', dir);
    expect(r.code, r.stderr).to.equal(0);
    const passwords = new Set<string>();
    for (const code of ['market', 'tax', 'fire']) {
      expect(statSync(join(dir, `${code}.registry-password`)).mode & 0o777).to.equal(0o600);
      expect(statSync(join(dir, `${code}.users.json`)).mode & 0o777).to.equal(0o600);
      passwords.add(readFileSync(join(dir, `${code}.registry-password`), 'utf8').trim());
      const users = (JSON.parse(readFileSync(join(dir, `${code}.users.json`), 'utf8')) as { users: Array<{ username: string; password: string }>; allowInsecureBasic?: boolean });
      expect(users.allowInsecureBasic, 'Basic over plain HTTP is for the loopback demo only').to.equal(undefined);
      for (const u of users.users) passwords.add(u.password);
      expect(r.stdout).to.include(`${code}.users.json`);
      expect(r.stdout).to.not.include(users.users[0].password);
    }
    expect(passwords.size).to.equal(9);
  });
});

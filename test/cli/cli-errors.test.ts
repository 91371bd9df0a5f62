import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { inferFederationKeys } from '../../src/binding/registry-listing';
import { main } from '../../src/cli/main';
import { cliCommand } from '../../src/federation';

/**
 * Issue 14 (the newcomer's first hour): every CLI error is one line on stderr with the right exit
 * code, and nothing fails silently. Each test is named after what a newcomer ran into.
 */

const ROOT = resolve(__dirname, '../..');
const LICENCE = resolve(ROOT, 'examples/business-licence.xpdl');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'interflow', ...args], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

/** One line on stderr, starting with "error: ". */
function oneErrorLine(stderr: string): string {
  expect(stderr, 'stderr').to.match(/^error: [^\n]+\n$/);
  return stderr;
}

describe('CLI errors (issue 14)', function () {
  this.timeout(60_000);
  const saved = { ...process.env };
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'interflow-cli-errors-'));
  });
  beforeEach(() => {
    for (const k of ['INTERFLOW_REGISTRY_URL', 'INTERFLOW_DEPARTMENT', 'INTERFLOW_LOG_LEVEL', 'INTERFLOW_DB', 'INTERFLOW_FEDERATION_DOMAIN']) delete process.env[k];
  });
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('trace CASE --verify without a registry says why, and exits 2 (was silent)', async () => {
    const r = await cli('--db', `sqlite:${join(dir, 'trace.sqlite')}`, 'trace', 'some-case', '--verify');
    expect(r.code).to.equal(2);
    expect(oneErrorLine(r.stderr)).to.include('--verify needs the registry (INTERFLOW_REGISTRY_URL)');
  });

  it('deploy --publish without a department says why, and exits 2 (was silent)', async () => {
    const r = await cli('--db', `sqlite:${join(dir, 'publish.sqlite')}`, 'deploy', '--publish', LICENCE);
    expect(r.code).to.equal(2);
    expect(oneErrorLine(r.stderr)).to.include("--publish needs this engine's department (--department or INTERFLOW_DEPARTMENT)");
  });

  it('interflow … | head exits quietly on EPIPE (was a stack trace)', async () => {
    const { command, args } = cliCommand();
    // The reader is gone before the CLI writes its help: every write meets a closed pipe.
    const child = spawn(command, [...args, '--help'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(stderr).to.not.match(/EPIPE|at \S+ \(/);
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
  });

  it('a mistyped --db sqlite:/no/such/dir/x.sqlite is refused, not created as an empty system', async () => {
    const missing = join(dir, 'no', 'such', 'dir');
    for (const args of [['instances'], ['definitions'], ['worklist'], ['registry', 'list'], ['messages', 'refused']]) {
      const r = await cli('--db', `sqlite:${join(missing, 'x.sqlite')}`, ...args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(oneErrorLine(r.stderr)).to.equal(`error: no database at ${join(missing, 'x.sqlite')}: its directory ${missing} does not exist (check --db or INTERFLOW_DB)\n`);
    }
    // Setting a system up creates the file, but only in a directory that exists.
    const deployMissing = await cli('--db', `sqlite:${join(missing, 'x.sqlite')}`, 'deploy', LICENCE);
    expect(deployMissing.code).to.equal(2);
    expect(existsSync(join(dir, 'no')), 'the mistyped directory').to.equal(false);
    const deployed = await cli('--db', `sqlite:${join(dir, 'new.sqlite')}`, 'deploy', LICENCE);
    expect(deployed.code, deployed.stderr).to.equal(0);
    expect(existsSync(join(dir, 'new.sqlite'))).to.equal(true);
  });

  it('registry list without INTERFLOW_FEDERATION_DOMAIN reads the domain from the department entries (was: every binding "no lease", no certificates)', () => {
    expect(inferFederationKeys(['uddi:gov.example:dept:market', 'uddi:gov.example:dept:tax', 'uddi:hub.gov.example:other']).domain).to.equal('gov.example');
    expect(inferFederationKeys(['uddi:hub.gov.example:other']).domain).to.equal('interflow.org');
    expect(() => inferFederationKeys(['uddi:gov.example:dept:market', 'uddi:other.example:dept:tax'])).to.throw(/several federation domains \(gov\.example, other\.example\): set INTERFLOW_FEDERATION_DOMAIN/);
  });

  it('--log-level bogus names the allowed levels in one line (was a library message)', async () => {
    const r = await cli('--log-level', 'bogus', '--db', `sqlite:${join(dir, 'log.sqlite')}`, 'instances');
    expect(r.code).to.equal(2);
    expect(oneErrorLine(r.stderr)).to.equal('error: --log-level "bogus" is not a log level; use one of fatal, error, warn, info, debug, trace, silent\n');
    process.env.INTERFLOW_LOG_LEVEL = 'loud';
    const env = await cli('--db', `sqlite:${join(dir, 'log.sqlite')}`, 'instances');
    expect(env.code).to.equal(2);
    expect(oneErrorLine(env.stderr)).to.include('INTERFLOW_LOG_LEVEL "loud" is not a log level');
  });

  it('deploy DIR says it is a directory in one line (was a raw EISDIR)', async () => {
    const r = await cli('--db', `sqlite:${join(dir, 'eisdir.sqlite')}`, 'deploy', dir);
    expect(r.code).to.equal(1);
    expect(oneErrorLine(r.stderr)).to.equal(`error: ${dir} is a directory: give one XPDL file (deploy FILE.xpdl)\n`);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { main } from '../../src/cli/main';

/**
 * Regression (issue 12): a package with no process deployed with no output and exit code 0. Now
 * `interflow deploy` says what it found: nothing to deploy is an error (exit 1, one line naming
 * the element), a type-only package deploys nothing with a warning, and a package of several
 * processes names its entry process.
 */
const FIXTURES = resolve(__dirname, '../fixtures/xpdl/structures');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'interflow', ...args], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

describe('regression: a package with no process deployed silently (issue 12)', function () {
  this.timeout(60_000);
  let dir: string;
  const saved = process.env.INTERFLOW_DB;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'interflow-no-process-'));
    delete process.env.INTERFLOW_DB;
  });
  after(() => {
    if (saved !== undefined) process.env.INTERFLOW_DB = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a package whose only process is an empty pool, naming what it found, with exit code 1', async () => {
    const r = await cli('--db', `sqlite:${join(dir, 'a.sqlite')}`, 'deploy', join(FIXTURES, 'no-process.xpdl'));
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(/^error: .*WorkflowProcesses in package "diagram_only": nothing to deploy: its 1 WorkflowProcess element has no activities/);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
  });

  it('deploys nothing from a type-only package, says so on stderr, and exits 0', async () => {
    const r = await cli('--db', `sqlite:${join(dir, 'b.sqlite')}`, 'deploy', join(FIXTURES, 'type-only.xpdl'));
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.equal('warning: package "shared_types" has no WorkflowProcess: it only declares TypeDeclarations, Participants; nothing was deployed\n');
  });

  it('names the entry process of a package of several, and the skipped empty pool', async () => {
    const r = await cli('--db', `sqlite:${join(dir, 'c.sqlite')}`, 'deploy', join(FIXTURES, 'bpmn-tool-export.xpdl'));
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^deployed {2}prüfung {2}version 1\ndeployed {2}antrag {2}version 1\nentry {2}antrag {2}\(/);
    expect(r.stderr).to.include('warning: process "main_process" ("Main Process") has no activities; it was skipped');
  });
});

import { expect } from 'chai';
import { main } from '../../src/cli/main';
import { WorkflowEngine } from '../../src/engine';
import { openStore } from '../../src/persistence';
import { freshSqlitePath } from '../support/test-store';
import { activity, auto, app, end, field, flow, pkg, process, route, start } from '../support/definition-builder';

interface Run { code: number; stdout: string; stderr: string }

/** Issue 11: operators reach retryActivity and deliverMessage from the CLI. */
describe('interflow CLI: retry and deliver', () => {
  const db = `sqlite:${freshSqlitePath()}`;
  let caseId = '';
  let failed = '';

  async function cli(...args: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const code = await main(['node', 'interflow', '--db', db, ...args], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
    return { code, stdout, stderr };
  }

  before(async () => {
    const store = await openStore(db);
    try {
      const engine = new WorkflowEngine({ store });
      await engine.deploy(pkg(process('cli_payment', {
        fields: [field('paid', 'BOOLEAN')],
        applications: [app('cli_charge', { script: 'paid = missing_field + 1;' })],
        activities: [start(), route('fork', { split: 'and' }), auto('charge', 'cli_charge'), activity('bank', 'receive', { message: 'payment' }), route('join', { join: 'and' }), end()],
        transitions: [flow('start', 'fork'), flow('fork', 'charge'), flow('fork', 'bank'), flow('charge', 'join'), flow('bank', 'join'), flow('join', 'end')],
      })));
      const inst = await engine.startProcess('cli_payment');
      caseId = inst.id;
      failed = inst.openActivities.find((a) => a.state === 'failed')!.activityInstanceId;
    } finally {
      await store.close();
    }
  });

  it('show names the retry command of an incident', async () => {
    const run = await cli('show', caseId);
    expect(run.stdout).to.include(`interflow retry ${caseId} ${failed}`);
  });

  it('deliver hands the waiting case its message with data', async () => {
    const run = await cli('deliver', caseId, 'payment', '--data', 'paid=true', '--actor', 'ops');
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/delivered "payment": case .* is open\.running/);
    const again = await cli('deliver', caseId, 'payment');
    expect(again.code).to.not.equal(0);
    expect(again.stderr).to.match(/is not waiting for message "payment"/);
  });

  it('retry runs the failed activity again, and says so when it fails again', async () => {
    const run = await cli('retry', caseId, failed, '--actor', 'ops');
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/retried .*: case .* is open\.running/);
    expect(run.stdout).to.match(/charge {2}failed: /);
    const wrong = await cli('retry', caseId, `${caseId}/a999`);
    expect(wrong.code).to.not.equal(0);
    expect(wrong.stderr).to.match(/no longer active/);
  });
});

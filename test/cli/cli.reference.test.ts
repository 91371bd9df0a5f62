import { XPDL_SAMPLES_DIR } from '../support/shared-reference';
import { expect } from 'chai';
import { resolve } from 'node:path';
import { main } from '../../src/cli/main';
import { resetMysqlDatabase, testDatabaseConfig, freshSqlitePath } from '../support/test-store';

const PERMIT = resolve(__dirname, '../../examples/building-permit.xpdl');
const APPROVAL = resolve(XPDL_SAMPLES_DIR, 'document_approval.xpdl');

interface Run { code: number; stdout: string; stderr: string }

/** The CLI runs in-process against the suite's database (SQLite file, or MariaDB with INTERFLOW_TEST_DB). */
describe('interflow CLI', () => {
  let db: string;

  before(async () => {
    const config = testDatabaseConfig();
    if (config.kind === 'mysql') {
      await resetMysqlDatabase(config);
      db = process.env.INTERFLOW_TEST_DB!;
    } else {
      db = `sqlite:${freshSqlitePath()}`;
    }
  });

  async function cli(...args: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const code = await main(['node', 'interflow', '--db', db, ...args], {
      stdout: (s) => void (stdout += s),
      stderr: (s) => void (stderr += s),
    });
    return { code, stdout, stderr };
  }

  const idOf = (text: string, pattern: RegExp) => {
    const m = pattern.exec(text);
    expect(m, `pattern ${pattern} in:\n${text}`).to.exist;
    return m![1];
  };

  it('deploys XPDL, is idempotent, and lists definitions', async () => {
    const first = await cli('deploy', APPROVAL);
    expect(first.code).to.equal(0, first.stderr);
    expect(first.stdout).to.match(/deployed\s+document_approval\s+version 1/);
    const again = await cli('deploy', APPROVAL);
    expect(again.stdout).to.match(/unchanged\s+document_approval\s+version 1/);
    const permit = await cli('deploy', PERMIT);
    expect(permit.stdout).to.match(/building_permit\s+version 1/);
    expect(permit.stderr).to.not.match(/send_email/, 'built-in handlers exist for the notification applications');
    const list = await cli('definitions');
    expect(list.stdout).to.match(/document_approval\s+1/).and.match(/building_permit\s+1/).and.match(/archive_case\s+1/);
  });

  it('walks a case: start with data, worklist, complete, show, instances', async () => {
    const started = await cli('start', 'document_approval', '--subject', 'Annual report', '--actor', 'author1');
    expect(started.code).to.equal(0, started.stderr);
    const caseId = idOf(started.stdout, /started (\S+)\s+document_approval v1\s+open\.running/);
    const wl = await cli('worklist', '--participant', 'author');
    expect(wl.stdout).to.include(caseId).and.include('Create Document');
    const plan: Array<[string, string[]]> = [
      ['create_document', []],
      ['submit_document', []],
      ['review_document', ['--data', 'approvedByReviewer=true', '--data', 'reviewerComment=ok']],
      ['final_review_document', ['--data', 'approvedByPublisher=true']],
      ['publish_document', []],
    ];
    for (const [activity, data] of plan) {
      const json = JSON.parse((await cli('--json', 'worklist', '--instance', caseId)).stdout) as Array<{ id: string; activityId: string }>;
      const item = json.find((i) => i.activityId === activity);
      expect(item, `work item for ${activity}`).to.exist;
      const done = await cli('complete', item!.id, '--actor', 'someone', ...data);
      expect(done.code).to.equal(0, done.stderr);
    }
    const shown = await cli('show', caseId);
    expect(shown.stdout).to.match(/state\s+closed\.completed/).and.include('approvedByReviewer = true').and.include('instance.completed');
    expect(shown.stdout).to.include('nowhere: the case is closed');
    const list = await cli('instances', '--state', 'closed.completed');
    expect(list.stdout).to.include(caseId).and.include('Annual report');
  });

  it('shows where tokens wait, suspends and resumes a case', async () => {
    const caseId = idOf((await cli('start', 'building_permit', '--data', 'caseRef=BP-9')).stdout, /started (\S+)/);
    const [register] = JSON.parse((await cli('--json', 'worklist', '--instance', caseId)).stdout) as Array<{ id: string }>;
    await cli('complete', register.id);
    const items = JSON.parse((await cli('--json', 'worklist', '--instance', caseId)).stdout) as Array<{ id: string; activityId: string }>;
    await cli('complete', items.find((i) => i.activityId === 'environment_review')!.id, '--data', 'envOk=true');
    const shown = await cli('show', caseId);
    expect(shown.stdout).to.include('token waiting in front of collect_reviews');
    expect(shown.stdout).to.match(/activity fire_review \(Fire safety review\): active in department fire-safety/);
    expect((await cli('state', caseId, 'suspend')).stdout).to.include('open.notrunning.suspended');
    const refused = await cli('complete', items.find((i) => i.activityId === 'fire_review')!.id);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/^error: Instance \S+ is open\.notrunning\.suspended; cannot complete work item/);
    expect((await cli('state', caseId, 'resume')).stdout).to.include('open.running');
  });

  it('exports a deployed process as XPDL 2.1', async () => {
    const out = await cli('export', 'building_permit');
    expect(out.code).to.equal(0, out.stderr);
    expect(out.stdout).to.include('http://www.wfmc.org/2008/XPDL2.1').and.include('Id="building_permit"');
  });

  it('reports errors in one line with exit code 1, usage errors with exit code 2, and no stack trace', async () => {
    const unknown = await cli('start', 'no_such_process');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(/Process definition "no_such_process" does not exist: deploy it first/);
    expect(unknown.stderr).to.not.match(/\n\s+at /);
    const badData = await cli('start', 'building_permit', '--data', 'inspections=many');
    expect(badData.stderr).to.match(/"inspections" is INTEGER; "many" is not a valid value/);
    const noFile = await cli('deploy', '/nonexistent/file.xpdl');
    expect(noFile.stderr).to.match(/file not found: \/nonexistent\/file\.xpdl/);
    const usage = await cli('start');
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.match(/missing required argument 'process'/);
    const badNumber = await cli('instances', '--limit', 'ten');
    expect(badNumber.code).to.equal(2);
    expect(badNumber.stderr).to.match(/--limit needs a whole number/);
  });

  it('has help for every command', async () => {
    const top = await cli('--help');
    expect(top.code).to.equal(0);
    const commands = ['deploy', 'definitions', 'export', 'start', 'worklist', 'complete', 'delegate', 'assist', 'notify', 'instances', 'show', 'state', 'timers', 'demo'];
    for (const c of commands) {
      expect(top.stdout).to.include(c);
      const help = await cli(c, '--help');
      expect(help.code, c).to.equal(0);
      expect(help.stdout, c).to.match(new RegExp(`Usage: interflow ${c}`));
    }
  });
});

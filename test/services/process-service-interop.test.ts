import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { createAuthenticator, parseSecurityConfig } from '../../src/services/security';
import { importXpdl } from '../../src/xpdl';
import { startTestServer, type TestServer } from './support';
import { requireTool } from './interop-tools';

const run = promisify(execFile);
const PERMIT = resolve(__dirname, '../../examples/building-permit.xpdl');
const LICENCE = resolve(__dirname, '../../examples/business-licence.xpdl');
const USER = { username: 'legacy-backoffice', password: 'legacy-secret-0123456789' };

/**
 * Legacy back offices on other platforms, with clients generated from ?wsdl by their own toolkits
 * (Debian's python3-zeep and php-soap), authenticate with WS-Security UsernameToken digests and
 * drive a building-permit case from start to end.
 */
describe('ProcessService interop: real clients from other platforms', function () {
  this.timeout(60_000);
  let srv: TestServer;

  before(async () => {
    const config = parseSecurityConfig(
      { services: { '*': 'wss' }, users: [{ ...USER, start: ['*'], participants: ['*'], admin: true }] },
      { source: 'interop-users.json' },
    );
    srv = await startTestServer({ security: createAuthenticator(config) });
    await srv.engine.deploy(importXpdl(readFileSync(LICENCE, 'utf8')));
  });

  /** What every licence client reports: it found the required fields in the forms and nothing else. */
  const expectLicenceRun = async (r: Record<string, any>, from: string) => {
    expect(r.created).to.equal(true);
    expect(r).to.include({ retryCase: r.case, retryCreated: false }, 'a retried start with its ClientKey answers the first case');
    expect(r.steps).to.deep.equal(['receive_application', 'review_application', 'inspect_premises', 'approve']);
    expect(r.sent).to.deep.equal(['businessName', 'address', 'complete', 'approved'], 'exactly the fields the forms mark required');
    expect(r.requiredFaults).to.have.length(3);
    expect(r.requiredFaults[0]).to.match(/needs "businessName", "address": required fields/);
    expect(r).to.include({ lastState: 'closed.completed', finalState: 'closed.completed', byKeyTotal: 1, notFound: 'no-such-item' });
    const inst = await srv.engine.getInstance(r.case as string);
    expect(inst.data).to.include({ businessName: `Business name from ${from}`, complete: true, approved: true });
  };
  after(async () => srv.close());

  it('Python zeep: deploys, starts, works the worklist to the end, reads the case, gets a fault', async () => {
    requireTool('/usr/bin/python3', ['-c', 'import zeep'], 'python3-zeep');
    const { stdout } = await run('/usr/bin/python3', [join(__dirname, 'interop', 'zeep_process_client.py'), srv.endpoint, USER.username, USER.password, PERMIT]);
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, any>;
    expect(r.deployed).to.include.members(['building_permit', 'archive_case']);
    expect(r.definitions).to.include('building_permit');
    expect(r.startState).to.equal('open.running');
    expect(r.steps).to.include.members(['register', 'environment_review', 'fire_review', 'issue_permit', 'site_inspection']);
    expect(r.lastState).to.equal('closed.completed');
    expect(r.finalState).to.equal('closed.completed');
    expect(r.data).to.include({ caseRef: 'ZEEP-7', envOk: 'true', fireOk: 'true', archiveId: 'ARC-ZEEP-7' });
    expect(r.historyEvents).to.be.greaterThan(20);
    expect(r.fault).to.match(/closed\.completed; cannot suspend/);
    const actors = (await srv.engine.history(r.case)).filter((h) => h.type === 'workitem.completed').map((h) => h.actor);
    expect(actors.every((a) => a === USER.username)).to.equal(true, 'the authenticated user is recorded as the actor');
  });

  it('Python zeep: a licence from the work items\' forms alone (required fields, ClientKey retry, case filter, WorkItemNotFound)', async () => {
    requireTool('/usr/bin/python3', ['-c', 'import zeep'], 'python3-zeep');
    const { stdout } = await run('/usr/bin/python3', [join(__dirname, 'interop', 'zeep_licence_client.py'), srv.endpoint, USER.username, USER.password, 'ZEEP-REQ-1']);
    await expectLicenceRun(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, any>, 'zeep');
  });

  it('PHP SoapClient: a licence from the work items\' forms alone (required fields, ClientKey retry, case filter, WorkItemNotFound)', async () => {
    requireTool('php', ['-r', 'exit(class_exists("SoapClient") ? 0 : 1);'], 'php-cli php-soap');
    const { stdout } = await run('php', [join(__dirname, 'interop', 'php_licence_client.php'), srv.endpoint, USER.username, USER.password, 'PHP-REQ-1']);
    await expectLicenceRun(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, any>, 'PHP');
  });

  it('PHP SoapClient: starts, works the worklist to the end, reads the case, gets a fault', async () => {
    requireTool('php', ['-r', 'exit(class_exists("SoapClient") ? 0 : 1);'], 'php-cli php-soap');
    const { stdout } = await run('php', [join(__dirname, 'interop', 'php_process_client.php'), srv.endpoint, USER.username, USER.password]);
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, any>;
    expect(r.startState).to.equal('open.running');
    expect(r.lastState).to.equal('closed.completed');
    expect(r.finalState).to.equal('closed.completed');
    expect(r.data).to.include({ caseRef: 'PHP-7', notifySms: 'true', archiveId: 'ARC-PHP-7' });
    expect(r.fault.code).to.match(/:Client$/);
    expect(r.fault.message).to.match(/Process instance "no-such-case" does not exist/);
  });
});

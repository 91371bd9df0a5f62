import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { importXpdl } from '../../src/xpdl';
import { buildUsernameTokenHeader, createAuthenticator, parseSecurityConfig } from '../../src/services/security';
import { call, envelope, expectNoInternals, faultOf, post, PS_NS, startTestServer, textOf, type TestServer } from './support';

const PERMIT = readFileSync(resolve(__dirname, '../../examples/building-permit.xpdl'), 'utf8');
const CLERK = { username: 'clerk-system', password: 'clerk-secret-0123456789' };
const OPS = { username: 'ops', password: 'admin-secret-9876543210' };

/**
 * The ProcessService behind the security module: callers authenticate with a WS-Security
 * UsernameToken (PasswordDigest) or HTTP Basic, and each operation checks what the user may do.
 */
describe('ProcessService with caller authentication and permissions', () => {
  let srv: TestServer;

  before(async () => {
    const config = parseSecurityConfig(
      {
        services: { ProcessService: 'wss-or-basic', '*': 'wss' },
        users: [
          { ...CLERK, start: ['building_permit'], participants: ['clerk'], admin: false },
          { ...OPS, start: ['*'], participants: ['*'], admin: true },
        ],
        allowInsecureBasic: true,
      },
      { source: 'test-users.json' },
    );
    srv = await startTestServer({ security: createAuthenticator(config) });
    await srv.engine.deploy(importXpdl(PERMIT));
  });
  after(async () => srv.close());

  const as = (user: { username: string; password: string }, body: string, version: '1.1' | '1.2' = '1.1') =>
    post(srv.endpoint, envelope(version, body, buildUsernameTokenHeader(user.username, user.password)), {
      'Content-Type': version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8',
    });
  const start = (processId: string) => `<StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>${processId}</ProcessDefinitionId><Data><Item><Name>caseRef</Name><Value>S-1</Value></Item></Data></StartProcess>`;

  it('refuses a caller without credentials, with a Basic challenge, and keeps serving', async () => {
    const res = await call(srv.endpoint, '1.2', start('building_permit'));
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.match(/^Basic realm="Interflow"/);
    const fault = faultOf(res.body);
    expect(fault.code).to.equal('soap:Sender');
    expect(fault.detailCode).to.equal('UNAUTHENTICATED');
    expect(res.body).to.contain('wsse:InvalidSecurity');
    expectNoInternals(res.body);
    expect((await as(CLERK, start('building_permit'))).status).to.equal(200);
  });

  it('refuses a wrong password without saying whether the user exists', async () => {
    const res = await as({ username: CLERK.username, password: 'wrong-password-000000' }, start('building_permit'));
    const fault = faultOf(res.body);
    expect(fault.message).to.equal('authentication failed');
    const logged = srv.logs.lines.find((l) => l.msg === 'authentication failed' && l.username === CLERK.username);
    expect(logged, 'the reason goes to the log').to.exist;
  });

  it('records the authenticated user as the actor, over UsernameToken and over HTTP Basic', async () => {
    const res = await as(CLERK, start('building_permit'));
    expect(res.status, res.body).to.equal(200);
    const inst = await srv.engine.getInstance(textOf(res.body, 'ProcessInstanceId')!);
    expect(inst.startedBy).to.equal(CLERK.username);
    const basic = await call(srv.endpoint, '1.1', start('building_permit'), { Authorization: `Basic ${Buffer.from(`${OPS.username}:${OPS.password}`).toString('base64')}` });
    expect(basic.status, basic.body).to.equal(200);
    expect((await srv.engine.getInstance(textOf(basic.body, 'ProcessInstanceId')!)).startedBy).to.equal(OPS.username);
  });

  it('checks start, administer and act-as permissions, with faults that name the user and the action', async () => {
    const denied = await as(CLERK, start('archive_case'));
    expect(faultOf(denied.body)).to.deep.include({ code: 'soap:Client', detailCode: 'FORBIDDEN' });
    expect(faultOf(denied.body).message).to.match(/user "clerk-system" may not start process "archive_case"/);

    const deploy = await as(CLERK, `<DeployDefinition xmlns="${PS_NS}"><Xpdl>${PERMIT.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Xpdl></DeployDefinition>`);
    expect(faultOf(deploy.body).detailCode).to.equal('FORBIDDEN');

    const started = await as(CLERK, start('building_permit'));
    const id = textOf(started.body, 'ProcessInstanceId')!;
    const suspend = await as(CLERK, `<ChangeProcessInstanceState xmlns="${PS_NS}"><ProcessInstanceId>${id}</ProcessInstanceId><Action>suspend</Action></ChangeProcessInstanceState>`);
    expect(faultOf(suspend.body).detailCode).to.equal('FORBIDDEN');
    const bySupervisor = await as(OPS, `<ChangeProcessInstanceState xmlns="${PS_NS}"><ProcessInstanceId>${id}</ProcessInstanceId><Action>suspend</Action></ChangeProcessInstanceState>`);
    expect(textOf(bySupervisor.body, 'State')).to.equal('open.notrunning.suspended');

    // Issue 11: the operators' RetryActivity and DeliverMessage are administrators' acts too.
    const retry = await as(CLERK, `<RetryActivity xmlns="${PS_NS}"><ProcessInstanceId>${id}</ProcessInstanceId><ActivityInstanceId>${id}/a1</ActivityInstanceId></RetryActivity>`);
    expect(faultOf(retry.body)).to.deep.include({ detailCode: 'FORBIDDEN' });
    expect(faultOf(retry.body).message).to.match(/RetryActivity/);
    const deliver = await as(CLERK, `<DeliverMessage xmlns="${PS_NS}"><ProcessInstanceId>${id}</ProcessInstanceId><Message>m</Message></DeliverMessage>`);
    expect(faultOf(deliver.body)).to.deep.include({ detailCode: 'FORBIDDEN' });
    const byOps = await as(OPS, `<DeliverMessage xmlns="${PS_NS}"><ProcessInstanceId>${id}</ProcessInstanceId><Message>m</Message></DeliverMessage>`);
    expect(faultOf(byOps.body).detailCode).to.equal('ILLEGAL_STATE');
  });

  it('shows a caller only the work items of participants it may act as, and lets it complete only those', async () => {
    const started = await as(CLERK, start('building_permit'), '1.2');
    const id = textOf(started.body, 'ProcessInstanceId')!;
    const register = (await srv.engine.worklist({ instanceId: id }))[0];
    expect(register.participant).to.equal('clerk');
    await srv.engine.completeWorkItem(register.id);
    const reviews = await srv.engine.worklist({ instanceId: id });
    expect(reviews.map((w) => w.participant).sort()).to.deep.equal(['environment', 'fire-safety']);

    const clerkList = await as(CLERK, `<GetWorklist xmlns="${PS_NS}"/>`);
    const visible = [...clerkList.body.matchAll(/<Participant>([^<]*)<\/Participant>/g)].map((m) => m[1]);
    expect(visible).to.not.be.empty;
    expect(new Set(visible)).to.deep.equal(new Set(['clerk']));

    const complete = await as(CLERK, `<CompleteWorkItem xmlns="${PS_NS}"><WorkItemId>${reviews[0].id}</WorkItemId><Data/></CompleteWorkItem>`, '1.2');
    const fault = faultOf(complete.body);
    expect(fault.code).to.equal('soap:Sender');
    expect(fault.detailCode).to.equal('FORBIDDEN');
    expect(fault.message).to.contain('clerk-system');
    const byOps = await as(OPS, `<CompleteWorkItem xmlns="${PS_NS}"><WorkItemId>${reviews[0].id}</WorkItemId><Data/></CompleteWorkItem>`);
    expect(byOps.status, byOps.body).to.equal(200);
  });
});

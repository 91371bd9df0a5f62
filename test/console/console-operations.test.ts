import { expect } from 'chai';
import { activity, app, auto, end, field, flow, pkg, process, route, start } from '../support/definition-builder';
import { ConsoleClient, startConsoleServer, USERS, type ConsoleServer } from './support';

/** Issue 11: administrators retry incidents and deliver awaited messages from the case page. */
describe('console API: retry and deliver (administrators only, CSRF)', () => {
  let srv: ConsoleServer;
  let caseId = '';
  let failed = '';
  before(async () => {
    srv = await startConsoleServer();
    await srv.engine.deploy(pkg(process('console_payment', {
      fields: [field('paid', 'BOOLEAN')],
      applications: [app('console_charge', { script: 'paid = missing_field + 1;' })],
      activities: [start(), route('fork', { split: 'and' }), auto('charge', 'console_charge'), activity('bank', 'receive', { message: 'payment', updates: ['paid'] }), route('join', { join: 'and' }), end()],
      transitions: [flow('start', 'fork'), flow('fork', 'charge'), flow('fork', 'bank'), flow('charge', 'join'), flow('bank', 'join'), flow('join', 'end')],
    })));
    const inst = await srv.engine.startProcess('console_payment');
    caseId = inst.id;
    failed = inst.openActivities.find((a) => a.state === 'failed')!.activityInstanceId;
  });
  after(async () => srv?.close());

  const as = async (user: (typeof USERS)[keyof typeof USERS]) => {
    const c = new ConsoleClient(srv.url);
    expect((await c.login(user.username, user.password)).status).to.equal(200);
    return c;
  };

  it('offers the operations to administrators only, and refuses others', async () => {
    const admin = await as(USERS.admin);
    const clerk = await as(USERS.clerk);
    const seen = (await admin.get<{ retryable: Array<{ activityInstanceId: string }>; awaitedMessages: Array<{ activityInstanceId: string; message: string; fields: string[] }> }>(`/cases/${caseId}`)).body;
    expect(seen.retryable.map((r) => r.activityInstanceId)).to.deep.equal([failed]);
    expect(seen.awaitedMessages).to.deep.include({ activityInstanceId: seen.awaitedMessages[0].activityInstanceId, activityId: 'bank', name: 'bank', message: 'payment', fields: ['paid'] });
    const clerkView = (await clerk.get<{ retryable: unknown[]; awaitedMessages: unknown[] }>(`/cases/${caseId}`)).body;
    expect(clerkView.retryable).to.deep.equal([]);
    expect(clerkView.awaitedMessages).to.deep.equal([]);
    expect((await clerk.post(`/cases/${caseId}/retry`, { activityInstanceId: failed })).status).to.equal(403);
    expect((await clerk.post(`/cases/${caseId}/deliver`, { message: 'payment' })).status).to.equal(403);
    const noCsrf = await admin.post(`/cases/${caseId}/deliver`, { message: 'payment' }, { csrf: false });
    expect(noCsrf.status).to.equal(403);
    expect(noCsrf.body).to.include({ code: 'CSRF' });
  });

  it('delivers the message with data, then retries the incident', async () => {
    const admin = await as(USERS.admin);
    const delivered = await admin.post<{ state: string; openActivities: Array<{ activityId: string }> }>(`/cases/${caseId}/deliver`, { message: 'payment', data: { paid: 'true' } });
    expect(delivered.status).to.equal(200);
    expect(delivered.body.openActivities.map((a) => a.activityId)).to.deep.equal(['charge']);
    expect((await srv.engine.getInstance(caseId)).data.paid).to.equal(true);
    expect((await admin.post(`/cases/${caseId}/deliver`, { message: 'payment' })).status).to.equal(409);
    const retried = await admin.post<{ openActivities: Array<{ activityId: string; state: string }> }>(`/cases/${caseId}/retry`, { activityInstanceId: failed });
    expect(retried.status).to.equal(200);
    expect(retried.body.openActivities.map((a) => [a.activityId, a.state])).to.deep.equal([['charge', 'failed']]);
    expect((await srv.engine.history(caseId)).filter((h) => h.type === 'activity.retried')[0].actor).to.equal(USERS.admin.username);
  });
});

import { expect } from 'chai';
import pino from 'pino';
import * as soap from 'soap';
import { ManualClock, WorkflowEngine, type OutboxRecord, type ProcessDefinition } from '../../../src/engine';
import {
  ObserverDispatcher,
  createInstanceRequest,
  postAsap,
  requestEnvelope,
  subprocessObserverKey,
  type AsapRequest,
} from '../../../src/services/wfxml';
import { activity, end, flow, manual, pkg, process, start } from '../../support/definition-builder';
import { envelope, faultOf, post, type TestServer } from '../support';
import { ASAP, bodyOf, startSecondWfxmlServer, startWfxmlServer, text, validate } from './wfxml-support';
import { waitFor } from '../../support/wait-for';

const silent = pino({ level: 'silent' });

/** The remote side: an inspection the other department performs by hand. */
const inspection: ProcessDefinition = process('inspection', {
  fields: [
    { id: 'caseRef', type: 'STRING', mode: 'IN' },
    { id: 'verdict', type: 'STRING', mode: 'OUT' },
    { id: 'notes', type: 'STRING' },
  ],
  activities: [start(), manual('inspect', 'inspector'), end()],
  transitions: [flow('start', 'inspect'), flow('inspect', 'end')],
});

/** The calling side: a permit whose site inspection is a remote subprocess on the other engine. */
function permit(remoteFactory: string): ProcessDefinition {
  return process('permit', {
    fields: [
      { id: 'caseRef', type: 'STRING' },
      { id: 'inspectionResult', type: 'STRING' },
    ],
    activities: [
      start(),
      activity('inspect_remotely', 'remote-subprocess', {
        subprocess: {
          processId: 'inspection',
          remoteRef: remoteFactory,
          execution: 'sync',
          parameters: [
            { formal: 'caseRef', actual: 'caseRef', direction: 'IN' },
            { formal: 'verdict', actual: 'inspectionResult', direction: 'OUT' },
          ],
        },
      }),
      manual('decide', 'clerk'),
      end(),
    ],
    transitions: [flow('start', 'inspect_remotely'), flow('inspect_remotely', 'decide'), flow('decide', 'end')],
  });
}

describe('Wf-XML observers: the remote subprocess pattern between two Interflow engines', function () {
  this.timeout(30_000);
  let remote: TestServer; // runs the subprocess, notifies its observer
  let caller: TestServer; // waits for the subprocess, is the observer

  before(async () => {
    remote = await startWfxmlServer();
    caller = await startSecondWfxmlServer(remote);
    await remote.engine.deploy(pkg(inspection));
    await caller.engine.deploy(pkg(permit(`${remote.url}/wfxml/factory/inspection`)));
  });
  after(async () => {
    await caller.close();
    await remote.close();
  });

  const dispatcher = (t: TestServer, extra: Partial<ConstructorParameters<typeof ObserverDispatcher>[0]> = {}) =>
    new ObserverDispatcher({ engine: t.engine, baseUrl: t.url, log: silent, ...extra });

  /**
   * Starts a permit and does what the cross-department dispatcher will do for its
   * 'remote-subprocess' message: CreateInstance on the remote factory, the ObserverKey pointing
   * back at the caller's correlated observer key.
   */
  async function startPermit(caseRef: string) {
    const parent = await caller.engine.startProcess('permit', { data: { caseRef } });
    const [call] = await caller.engine.outbox({ instanceId: parent.id });
    expect(call.kind).to.equal('remote-subprocess');
    const observerKey = subprocessObserverKey(caller.url, { instanceId: parent.id, messageId: call.id });
    const reply = await postAsap(createInstanceRequest({ factoryKey: call.destination, observerKey, data: call.kind === 'remote-subprocess' ? call.payload.data : {}, subject: caseRef }));
    const childKey = (reply.body as { InstanceKey: string }).InstanceKey;
    const childId = childKey.split('/').pop()!;
    return { parent, call, observerKey, childKey, childId };
  }

  async function inspect(childId: string, verdict: string) {
    const [item] = await remote.engine.worklist({ instanceId: childId });
    return remote.engine.completeWorkItem(item.id, { data: { verdict, notes: 'roof fine' } });
  }

  it('the remote instance carries the caller\'s data and reports Completed to the correlated observer key; the waiting activity completes', async () => {
    const { parent, childId, observerKey } = await startPermit('BP-100');
    const child = await remote.engine.getInstance(childId);
    expect(child.data).to.include({ caseRef: 'BP-100' });
    expect(child.observer).to.equal(observerKey);

    const closed = await inspect(childId, 'approved');
    expect(closed.state).to.equal('closed.completed');
    const notes = await remote.engine.outbox({ instanceId: childId });
    expect(notes.map((m) => [m.kind, m.state])).to.deep.equal([['observer-notify', 'pending']]);

    const report = await dispatcher(remote).runOnce();
    expect(report).to.deep.include({ sent: 1, retried: 0, dead: 0 });
    expect((await remote.engine.outbox({ instanceId: childId }))[0].state).to.equal('sent');

    const after = await caller.engine.getInstance(parent.id);
    expect(after.data).to.include({ inspectionResult: 'approved' }, 'the OUT parameter mapped back');
    expect(after.data).to.not.have.property('notes', 'only the result data travels');
    expect(after.workItems.map((w) => w.activityId)).to.deep.equal(['decide']);
  });

  it('a duplicate Completed is acknowledged and changes nothing, whatever its RequestID', async () => {
    const { parent, childId, observerKey, childKey } = await startPermit('BP-101');
    await inspect(childId, 'approved');
    const requests: string[] = [];
    const capture: typeof fetch = async (url, init) => {
      requests.push(String(init?.body));
      return fetch(url, init);
    };
    expect(await dispatcher(remote, { fetch: capture }).runOnce()).to.deep.include({ sent: 1 });
    const before = await caller.engine.getInstance(parent.id);
    const historyBefore = (await caller.engine.history(parent.id)).length;

    const again: AsapRequest = {
      receiverKey: observerKey,
      senderKey: childKey,
      resource: 'observer',
      operation: 'Completed',
      body: `<as:CompletedRq xmlns:as="${ASAP}"><as:InstanceKey>${childKey}</as:InstanceKey><as:ResultData><verdict>rejected</verdict></as:ResultData></as:CompletedRq>`,
    };
    const reply = await postAsap(again); // a fresh RequestID
    expect(reply.operation).to.equal('CompletedRs');
    const resent = await post(observerKey, requests[0]); // the very same message
    expect(resent.status).to.equal(200);

    const after = await caller.engine.getInstance(parent.id);
    expect(after.data).to.deep.equal(before.data);
    expect(after.revision).to.equal(before.revision);
    expect((await caller.engine.history(parent.id)).length).to.equal(historyBefore);
    expect(caller.logs.lines.some((l) => l.msg === 'duplicate Completed acknowledged; nothing changed')).to.equal(true);
  });

  it('the notification the dispatcher sends is valid ASAP: Request header and CompletedRq against asap.xsd', async () => {
    const { childId, observerKey, childKey } = await startPermit('BP-102');
    await inspect(childId, 'approved');
    const sent: Array<{ url: string; body: string; action: string | null }> = [];
    const capture: typeof fetch = async (url, init) => {
      sent.push({ url: String(url), body: String(init?.body), action: new Headers(init?.headers).get('soapaction') });
      return fetch(url, init);
    };
    await dispatcher(remote, { fetch: capture }).runOnce();
    expect(sent).to.have.length(1);
    expect(sent[0].url).to.equal(observerKey);
    expect(sent[0].action).to.equal('"http://www.oasis-open.org/asap/0.9/asap/observer/Completed"');
    const header = /<soap:Header>([\s\S]*)<\/soap:Header>/.exec(sent[0].body)![1];
    validate(header, 'asap.xsd');
    expect(text(header, 'SenderKey')).to.equal(childKey);
    expect(text(header, 'ReceiverKey')).to.equal(observerKey);
    expect(text(header, 'RequestID')).to.match(/^urn:uuid:[0-9a-f-]{36}$/);
    const body = bodyOf(sent[0].body);
    validate(body, 'asap.xsd');
    expect(body).to.contain('<verdict>approved</verdict>').and.not.contain('notes', 'ResultData holds the OUT parameters only');
  });

  it('an abnormal end is reported with StateChanged (state and previous state); the caller turns its activity into an incident, once', async () => {
    const { parent, childId } = await startPermit('BP-103');
    await remote.engine.changeState(childId, 'open.notrunning.suspended');
    await remote.engine.changeState(childId, 'closed.abnormalCompleted.terminated');
    const sent: string[] = [];
    const capture: typeof fetch = async (url, init) => {
      sent.push(String(init?.body));
      return fetch(url, init);
    };
    expect(await dispatcher(remote, { fetch: capture }).runOnce()).to.deep.include({ sent: 1 });
    const body = bodyOf(sent[0]);
    validate(body, 'asap.xsd');
    expect(text(body, 'State')).to.equal('closed.abnormalCompleted.terminated');
    expect(text(body, 'PreviousState')).to.equal('open.notrunning.suspended');
    const failed = await caller.engine.getInstance(parent.id);
    expect(failed.openActivities.map((a) => [a.activityId, a.state])).to.deep.equal([['inspect_remotely', 'failed']]);
    expect(failed.openActivities[0].error).to.match(/ended closed\.abnormalCompleted\.terminated/);
    expect(caller.logs.lines.some((l) => l.msg === 'remote subprocess ended abnormally; its activity is now an incident' && l.state === 'closed.abnormalCompleted.terminated')).to.equal(true);
    const incidents = (await caller.engine.history(parent.id)).filter((h) => h.type === 'activity.failed');
    expect(incidents).to.have.length(1);
  });

  it('the Observer answers node-soap clients generated from its WSDL; an uncorrelated Completed is refused', async () => {
    const client = await soap.createClientAsync(`${caller.url}/wfxml/observer?wsdl`);
    const [props] = await client.GetPropertiesAsync({});
    expect(props.Key).to.equal(`${caller.url}/wfxml/observer`);
    const err = await client.CompletedAsync({ InstanceKey: 'http://elsewhere.example/i/1', ResultData: {} }).then(
      () => expect.fail('an uncorrelated Completed must be refused'),
      (e: { body?: string }) => e,
    );
    expect(faultOf(err.body!).message).to.match(/cannot tell which activity waits for this message/);
  });

  it('a sender that posts to the plain observer address and names the correlated key in ReceiverKey is understood', async () => {
    const { parent, childKey, observerKey } = await startPermit('BP-104');
    const rq = `<as:CompletedRq xmlns:as="${ASAP}"><as:InstanceKey>${childKey}</as:InstanceKey><as:ResultData><verdict>approved</verdict></as:ResultData></as:CompletedRq>`;
    const header = `<as:Request xmlns:as="${ASAP}"><as:SenderKey>${childKey}</as:SenderKey><as:ReceiverKey>${observerKey}</as:ReceiverKey></as:Request>`;
    const res = await post(`${caller.url}/wfxml/observer`, envelope('1.1', rq, header));
    expect(res.status, res.body).to.equal(200);
    expect((await caller.engine.getInstance(parent.id)).data.inspectionResult).to.equal('approved');
  });

  it('a forged correlation (a message id the instance never sent) is refused', async () => {
    const { parent } = await startPermit('BP-105');
    const forged = subprocessObserverKey(caller.url, { instanceId: parent.id, messageId: '00000000-0000-4000-8000-000000000000' });
    const res = await post(forged, envelope('1.1', `<as:CompletedRq xmlns:as="${ASAP}"><as:InstanceKey>http://x.example/i</as:InstanceKey><as:ResultData/></as:CompletedRq>`));
    const fault = faultOf(res.body);
    expect(fault.code).to.equal('soap:Client');
    expect(fault.message).to.match(/never called a remote subprocess with message/);
    expect((await caller.engine.getInstance(parent.id)).openActivities[0].state).to.equal('transferred');
  });
});

describe('ObserverDispatcher delivery bookkeeping', function () {
  this.timeout(30_000);
  let t: TestServer;

  before(async () => {
    t = await startWfxmlServer();
    await t.engine.deploy(pkg(inspection));
  });
  after(async () => t.close());

  async function closedWithObserver(observer: string): Promise<string> {
    const inst = await t.engine.startProcess('inspection', { data: { caseRef: 'X' }, observer });
    const [item] = await t.engine.worklist({ instanceId: inst.id });
    await t.engine.completeWorkItem(item.id, { data: { verdict: 'ok' } });
    return inst.id;
  }

  const outboxOf = async (instanceId: string, kind = 'observer-notify'): Promise<OutboxRecord> =>
    (await t.engine.outbox({ instanceId })).find((m) => m.kind === kind)!;

  it('an unreachable observer is retried with exponential backoff, then dead-lettered after maxAttempts', async () => {
    const id = await closedWithObserver('http://127.0.0.1:9/wfxml/observer');
    // The same store seen through an engine with a clock the test moves.
    const clock = new ManualClock(Date.now() + 1000);
    const engine = new WorkflowEngine({ store: t.store, clock });
    const d = new ObserverDispatcher({ engine, baseUrl: t.url, log: silent, maxAttempts: 3, retryBaseMs: 1000, timeoutMs: 2000, leaseMs: 5000 });

    expect(await d.runOnce()).to.deep.include({ retried: 1 });
    let m = await outboxOf(id);
    expect(m).to.include({ state: 'pending', attempts: 1 });
    expect(m.lastError).to.match(/POST http:\/\/127\.0\.0\.1:9\/wfxml\/observer failed/);
    expect(m.nextAttemptAt.getTime()).to.equal(clock.now().getTime() + 1000);

    clock.advance(999);
    expect(await d.runOnce()).to.deep.include({ sent: 0, retried: 0 }, 'not due yet');
    clock.advance(1);
    expect(await d.runOnce()).to.deep.include({ retried: 1 });
    m = await outboxOf(id);
    expect(m.attempts).to.equal(2);
    expect(m.nextAttemptAt.getTime()).to.equal(clock.now().getTime() + 2000, 'the delay doubled');

    clock.advance(2000);
    expect(await d.runOnce()).to.deep.include({ dead: 1 });
    expect(await outboxOf(id)).to.include({ state: 'dead', attempts: 3 });
    clock.advance(60_000);
    expect(await d.runOnce()).to.deep.include({ sent: 0, retried: 0, dead: 0 }, 'a dead letter stays dead');
  });

  it('a fault from the observer is a failed attempt, with the fault string as the error', async () => {
    // An observer that knows no such correlation answers with a Client fault.
    const id = await closedWithObserver(`${t.url}/wfxml/observer`);
    const d = new ObserverDispatcher({ engine: t.engine, baseUrl: t.url, log: silent, retryBaseMs: 60_000 });
    expect(await d.runOnce()).to.deep.include({ retried: 1 });
    expect((await outboxOf(id)).lastError).to.match(/SOAP fault \(HTTP 500\): This observer cannot tell which activity waits/);
  });

  it('claims only notifications: messages of other kinds are never touched, not even their attempt count', async () => {
    // A remote-subprocess message nobody sends here, with a history of its own.
    await t.engine.deploy(pkg(permit('http://127.0.0.1:9/wfxml/factory/inspection')));
    const parent = await t.engine.startProcess('permit', { data: { caseRef: 'P' } });
    const foreign = await outboxOf(parent.id, 'remote-subprocess');
    const nextAt = new Date(Date.now() - 1000);
    await t.engine.store.transaction((tx) => tx.markOutboxRetry(foreign.id, 'remote factory said no', nextAt, false));
    expect(await new ObserverDispatcher({ engine: t.engine, baseUrl: t.url, log: silent, batchSize: 1 }).runOnce()).to.deep.equal({ sent: 0, retried: 0, dead: 0 });

    const sent: string[] = [];
    const ok: typeof fetch = async (url) => {
      sent.push(String(url));
      return new Response('', { status: 202 });
    };
    const id = await closedWithObserver('http://observer.example/wfxml/observer');
    const report = await new ObserverDispatcher({ engine: t.engine, baseUrl: t.url, log: silent, batchSize: 1, fetch: ok }).runOnce();
    expect(report.sent).to.equal(1, 'found behind the foreign message');
    expect(sent).to.deep.equal(['http://observer.example/wfxml/observer']);
    expect((await outboxOf(id)).state).to.equal('sent');
    const after = await outboxOf(parent.id, 'remote-subprocess');
    expect(after).to.deep.include({ state: 'pending', lastError: 'remote factory said no', attempts: 0 });
    expect(after.nextAttemptAt.getTime()).to.equal(nextAt.getTime());
  });

  it('start() delivers in the background and stop() waits for the run in progress', async () => {
    const got: string[] = [];
    const ok: typeof fetch = async (_url, init) => {
      got.push(String(init?.body));
      return new Response('', { status: 200 });
    };
    const id = await closedWithObserver('http://observer.example/loop');
    const d = new ObserverDispatcher({ engine: t.engine, baseUrl: t.url, log: silent, intervalMs: 10, fetch: ok });
    d.start();
    await waitFor(async () => (await outboxOf(id)).state === 'sent', 'the Completed to be sent', 5_000, 10).finally(() => d.stop());
    expect(got.some((b) => b.includes('CompletedRq'))).to.equal(true);
  });

  it('requestEnvelope writes a SOAP 1.1 envelope whose Request header validates', () => {
    const env = requestEnvelope({ receiverKey: 'http://a.example/o', senderKey: 'http://b.example/i/1', requestId: 'urn:uuid:1', resource: 'observer', operation: 'Completed', body: '<x/>' });
    validate(/<soap:Header>([\s\S]*)<\/soap:Header>/.exec(env)![1], 'asap.xsd');
  });
});

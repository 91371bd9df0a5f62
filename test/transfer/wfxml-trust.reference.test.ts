import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { OutboxRecord, ProcessDefinition } from '../../src/engine';
import { buildUsernameTokenHeader, createAuthenticator, parseSecurityConfig, type Authenticator } from '../../src/services/security';
import { ASAP_NS, postAsap, requestEnvelope, signedCallHeader, subprocessObserverKey, type AsapRequest } from '../../src/services/wfxml';
import { loadSigningIdentity, signEnvelope, type SigningIdentity } from '../../src/transfer/signing';
import { end, flow, manual, pkg, process, start } from '../support/definition-builder';
import { envelope, faultOf, post } from '../services/support';
import { MANUFACTURER_NAME, MANUFACTURER_XPDL, manufacturerHandlers, order, RemoteFederation, RETAILER_XPDL, retailerHandlers, type DepartmentNode } from './remote-support';
import { waitFor } from '../support/wait-for';

/** Every department's Wf-XML services require a UsernameToken, as a federation's users file would. */
const CLERK = { username: 'clerk', password: 'clerk-secret-0123456789' };
const ADMIN = { username: 'ops', password: 'admin-secret-9876543210' };

function requiringAuthentication(): Authenticator {
  return createAuthenticator(
    parseSecurityConfig(
      {
        services: { wfxml: 'wss', '*': 'wss' },
        users: [
          { ...CLERK, start: ['*'], participants: ['*'], admin: false },
          { ...ADMIN, start: ['*'], participants: ['*'], admin: true },
        ],
      },
      { source: 'wfxml-trust-users.json' },
    ),
  );
}

const asUser = (user: { username: string; password: string }, url: string, body: string) => post(url, envelope('1.1', body, buildUsernameTokenHeader(user.username, user.password)));

async function remoteCall(d: DepartmentNode, caseId: string, state?: OutboxRecord['state']): Promise<OutboxRecord | undefined> {
  const rows = (await d.engine.outbox({ instanceId: caseId })).filter((m) => m.kind === 'remote-subprocess');
  return rows.find((m) => state === undefined || m.state === state);
}

describe('Trust between agencies over Wf-XML: the Shark retailer/manufacturer remote subprocess with Wf-XML services requiring authentication', function () {
  this.timeout(60_000);
  let f: RemoteFederation;
  let retail: DepartmentNode;
  let manufacturing: DepartmentNode;

  before(async () => {
    f = await RemoteFederation.open();
    manufacturing = await f.department('manufacturing', { deploy: [MANUFACTURER_XPDL], handlers: (h) => manufacturerHandlers(h), security: requiringAuthentication() });
    retail = await f.department('retail', { deploy: [RETAILER_XPDL], handlers: retailerHandlers, security: requiringAuthentication() });
  });
  after(async () => {
    await f?.close();
  });

  it('an unsigned call without credentials is refused by both departments (the services really require authentication)', async () => {
    for (const url of [`${manufacturing.url}/wfxml/factory/manufacturer`, `${retail.url}/wfxml/observer`]) {
      const res = await post(url, envelope('1.1', `<as:GetPropertiesRq xmlns:as="${ASAP_NS}"/>`));
      expect(faultOf(res.body).detailCode, url).to.equal('UNAUTHENTICATED');
    }
  });

  it('order 3 completes end to end: CreateInstance, GetProperties and Completed are signed by the departments, which stands in for user credentials', async () => {
    const started = await retail.engine.startProcess('retailer', { data: order(3) });
    const closed = await retail.closedCase(started.id);
    expect(closed.state).to.equal('closed.completed');
    expect(closed.data.manufactured_by).to.equal(MANUFACTURER_NAME);
    const call = await waitFor(() => remoteCall(retail, started.id, 'sent'), 'the call to be marked sent');
    expect(call.kind === 'remote-subprocess' && call.payload.boundTo).to.include({ department: 'manufacturing', factory: `${manufacturing.url}/wfxml/factory/manufacturer` });
    const remote = (await manufacturing.engine.listInstances({ processId: 'manufacturer' })).items.find((i) => i.observer === subprocessObserverKey(retail.url, { instanceId: started.id, messageId: call.id }))!;
    expect(call.kind === 'remote-subprocess' && call.payload.boundTo).to.have.property('remoteInstance', `${manufacturing.url}/wfxml/instance/${remote.id}`);
    const created = (await manufacturing.engine.history(remote.id)).find((h) => h.type === 'instance.created');
    expect(created?.actor, 'the signing department is who asked').to.equal('department:retail');
    const completed = (await retail.engine.history(started.id)).find((h) => h.type === 'activity.completed' && h.activityId === 'shark_manufacturer');
    expect(completed?.actor).to.equal('department:manufacturing');
  });
});

/**
 * The manufacturer's part done by hand, so a remote subprocess waits at the manufacturing
 * department while the attacks are tried; its fields are those the Shark SubFlow maps back.
 */
const manualManufacturer: ProcessDefinition = process('manufacturer', {
  fields: [
    { id: 'product_code', type: 'INTEGER', mode: 'IN' },
    { id: 'manufacturer_name', type: 'STRING', mode: 'OUT' },
    { id: 'availability_date', type: 'DATETIME', mode: 'OUT' },
  ],
  activities: [start(), manual('make', 'worker'), end()],
  transitions: [flow('start', 'make'), flow('make', 'end')],
});

describe('Trust between agencies over Wf-XML: the attacks', function () {
  this.timeout(60_000);
  let f: RemoteFederation;
  let retail: DepartmentNode;
  let manufacturing: DepartmentNode;
  let rogue: DepartmentNode;
  let listener: Server;
  let listenerUrl: string;
  const received: string[] = [];

  before(async () => {
    listener = createHttpServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'Content-Type': 'text/xml' }).end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    f = await RemoteFederation.open();
    manufacturing = await f.department('manufacturing', { packages: [pkg(manualManufacturer)], security: requiringAuthentication() });
    retail = await f.department('retail', { deploy: [RETAILER_XPDL], handlers: retailerHandlers, security: requiringAuthentication() });
    // Another member of the federation, with its own registered key and observer.
    rogue = await f.department('rogue', { security: requiringAuthentication() });
  });
  after(async () => {
    await f?.close();
    await new Promise<void>((resolve) => listener?.close(() => resolve()));
  });

  /** A retail order whose remote subprocess is running at manufacturing, waiting for its worker. */
  async function waitingOrder(n: number) {
    const started = await retail.engine.startProcess('retailer', { data: order(n) });
    const call = await waitFor(() => remoteCall(retail, started.id, 'sent'), `the remote call of order ${n} to be sent`);
    const observerKey = subprocessObserverKey(retail.url, { instanceId: started.id, messageId: call.id });
    const remote = (await manufacturing.engine.listInstances({ processId: 'manufacturer' })).items.find((i) => i.observer === observerKey)!;
    expect(remote, 'the manufacturing instance').to.not.equal(undefined);
    return { caseId: started.id, call, observerKey, remoteId: remote.id };
  }

  async function unchanged(caseId: string) {
    const inst = await retail.engine.getInstance(caseId);
    expect(inst.state).to.equal('open.running');
    expect(inst.openActivities.map((a) => [a.activityId, a.state])).to.deep.include(['shark_manufacturer', 'transferred']);
    expect(inst.data.manufactured_by ?? null).to.equal(null);
    return inst;
  }

  const completedRq = (instanceKey: string, maker: string) =>
    `<as:CompletedRq xmlns:as="${ASAP_NS}"><as:InstanceKey>${instanceKey}</as:InstanceKey><as:ResultData><manufacturer_name>${maker}</manufacturer_name><availability_date>2030-01-01T00:00:00Z</availability_date></as:ResultData></as:CompletedRq>`;

  it('a clerk\'s CompletedRq (and an administrator\'s, and a StateChanged) to the correlated observer key is refused as not authorised; the case is unchanged', async () => {
    const { caseId, observerKey, remoteId } = await waitingOrder(11);
    const historyBefore = (await retail.engine.history(caseId)).length;
    for (const [user, body] of [
      [CLERK, completedRq(`${manufacturing.url}/wfxml/instance/${remoteId}`, 'Forged by a clerk')],
      [ADMIN, completedRq(`${manufacturing.url}/wfxml/instance/${remoteId}`, 'Forged by an admin')],
      [CLERK, `<as:StateChangedRq xmlns:as="${ASAP_NS}"><as:State>closed.abnormalCompleted.terminated</as:State></as:StateChangedRq>`],
    ] as const) {
      const res = await asUser(user, observerKey, body);
      const fault = faultOf(res.body);
      expect(fault.detailCode).to.equal('FORBIDDEN');
      expect(fault.message).to.match(/^not authorised: in a federation this observer takes (Completed|StateChanged) only from the department the remote subprocess was sent to/);
    }
    await unchanged(caseId);
    expect((await retail.engine.history(caseId)).length, 'no history written').to.equal(historyBefore);
    const refusals = retail.caseLog(caseId).filter((l) => /refused: not authorised$/.test(String(l.msg)));
    expect(refusals.map((l) => l.user)).to.deep.equal(['clerk', 'ops', 'clerk']);
  });

  it('a clerk\'s CreateInstance naming a foreign ObserverKey is refused, nothing is created, and nothing is ever POSTed there', async () => {
    const before = (await manufacturing.engine.listInstances({ processId: 'manufacturer' })).total;
    for (const key of [`${listenerUrl}/collect`, `${listenerUrl}/wfxml/observer/x/y`, `${manufacturing.url.replace('127.0.0.1', 'localhost')}/wfxml/observer/x/y`]) {
      const res = await asUser(CLERK, `${manufacturing.url}/wfxml/factory/manufacturer`, `<as:CreateInstanceRq xmlns:as="${ASAP_NS}"><as:StartImmediately>true</as:StartImmediately><as:ObserverKey>${key}</as:ObserverKey><as:ContextData><product_code>1</product_code></as:ContextData></as:CreateInstanceRq>`);
      const fault = faultOf(res.body);
      expect(fault.detailCode, key).to.equal('FORBIDDEN');
      expect(fault.message).to.equal(`not authorised: ObserverKey ${key} is not the Observer of any department registered in the registry; Interflow reports results only to registered observers`);
    }
    expect((await manufacturing.engine.listInstances({ processId: 'manufacturer' })).total).to.equal(before);
    // The observer dispatchers poll every 50 ms: give them time to show they have nothing for it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(received).to.deep.equal([]);
  });

  it('a department\'s signed CreateInstance may name only its own observer: retail asking to report to the rogue department\'s observer is refused', async () => {
    const request: AsapRequest = {
      receiverKey: `${manufacturing.url}/wfxml/factory/manufacturer`,
      resource: 'factory',
      operation: 'CreateInstance',
      body: `<as:CreateInstanceRq xmlns:as="${ASAP_NS}"><as:StartImmediately>true</as:StartImmediately><as:ObserverKey>${rogue.url}/wfxml/observer/a/b</as:ObserverKey><as:ContextData><product_code>1</product_code></as:ContextData></as:CreateInstanceRq>`,
    };
    const error = await postAsap(request, { signing: { identity: retail.federation!.identity, receiver: 'manufacturing' } }).then(() => undefined, (e: Error) => e);
    expect(error?.message).to.contain(`not authorised: ObserverKey ${rogue.url}/wfxml/observer/a/b is not an Observer department retail publishes in the registry`);
  });

  it('another member department signing a Completed for a subprocess it was not called for is refused; the case is unchanged', async () => {
    const { caseId, observerKey, remoteId } = await waitingOrder(12);
    const request: AsapRequest = { receiverKey: observerKey, senderKey: `${manufacturing.url}/wfxml/instance/${remoteId}`, resource: 'observer', operation: 'Completed', body: completedRq(`${manufacturing.url}/wfxml/instance/${remoteId}`, 'Forged by rogue') };
    const error = await postAsap(request, { signing: { identity: rogue.federation!.identity, receiver: 'retail' } }).then(() => undefined, (e: Error) => e);
    expect(error?.message).to.match(/not authorised: department rogue signed this Completed, but remote subprocess call .* was sent to department manufacturing/);
    await unchanged(caseId);
    expect(retail.caseLog(caseId, 'Completed refused: not authorised')[0]).to.include({ department: 'rogue' });
  });

  it('a manufacturing clerk\'s own instance reporting to a pending correlation is signed by manufacturing, but refused: the call created another instance', async () => {
    const { caseId, observerKey } = await waitingOrder(13);
    // The correlated key is a registered department's observer, so the factory takes it …
    const res = await asUser(CLERK, `${manufacturing.url}/wfxml/factory/manufacturer`, `<as:CreateInstanceRq xmlns:as="${ASAP_NS}"><as:StartImmediately>true</as:StartImmediately><as:ObserverKey>${observerKey}</as:ObserverKey><as:ContextData><product_code>1</product_code></as:ContextData></as:CreateInstanceRq>`);
    expect(res.status, res.body).to.equal(200);
    const decoyId = /<as:InstanceKey>[^<]*\/([^/<]+)<\/as:InstanceKey>/.exec(res.body)![1];
    const [item] = await manufacturing.engine.worklist({ instanceId: decoyId });
    await manufacturing.engine.completeWorkItem(item.id, { data: { manufacturer_name: 'Decoy', availability_date: '2031-01-01T00:00:00Z' } });
    // … but its Completed, signed by manufacturing, is about the wrong instance.
    const notice = await waitFor(async () => (await manufacturing.engine.outbox({ instanceId: decoyId })).find((m) => m.kind === 'observer-notify' && m.lastError), 'the decoy\'s notification to be refused');
    expect(notice.lastError).to.match(/not authorised: this Completed is about instance .*\/wfxml\/instance\/.*, but the call created .*/);
    await unchanged(caseId);
  });

  it('a bad signature, an unknown department, a replay and a stale timestamp are refused with a fault and logged; nothing changes', async () => {
    const { caseId, observerKey, remoteId } = await waitingOrder(14);
    const manufacturingId = manufacturing.federation!.identity;
    const completed: AsapRequest = { receiverKey: observerKey, senderKey: `${manufacturing.url}/wfxml/instance/${remoteId}`, resource: 'observer', operation: 'Completed', body: completedRq(`${manufacturing.url}/wfxml/instance/${remoteId}`, 'Tampered') };
    const signedBy = (identity: SigningIdentity, at?: Date) =>
      signEnvelope(
        requestEnvelope(completed).replace('</soap:Header>', `${signedCallHeader({ sender: identity.department, receiver: 'retail', senderKey: completed.senderKey!, receiverKey: observerKey })}</soap:Header>`),
        identity,
        at ? { now: at } : {},
      );

    const tampered = signedBy(manufacturingId).replace('Tampered', 'Tampered later');
    const outsider = await loadSigningIdentity({ dataDir: mkdtempSync(join(tmpdir(), 'interflow-outsider-')), department: 'outsider' });
    const stale = signedBy(manufacturingId, new Date(Date.now() - 10 * 60_000));
    for (const [what, body, code] of [
      ['bad signature', tampered, 'SIGNATURE_BAD_SIGNATURE'],
      ['unknown department', signedBy(outsider), 'SIGNATURE_UNKNOWN_SENDER'],
      ['stale timestamp', stale, 'SIGNATURE_EXPIRED'],
    ] as const) {
      const res = await post(observerKey, body);
      expect(faultOf(res.body).detailCode, what).to.equal(code);
    }
    await unchanged(caseId);

    // A replay: a genuine, harmless signed message twice.
    const properties = signEnvelope(
      requestEnvelope({ receiverKey: observerKey, resource: 'observer', operation: 'GetProperties', body: `<as:GetPropertiesRq xmlns:as="${ASAP_NS}"/>` }).replace(
        '</soap:Header>',
        `${signedCallHeader({ sender: 'manufacturing', receiver: 'retail', receiverKey: observerKey })}</soap:Header>`,
      ),
      manufacturingId,
    );
    expect((await post(observerKey, properties)).status).to.equal(200);
    expect(faultOf((await post(observerKey, properties)).body).detailCode).to.equal('SIGNATURE_REPLAY');
    // Signed for one correlation, posted to another.
    const other = subprocessObserverKey(retail.url, { instanceId: caseId, messageId: '00000000-0000-4000-8000-000000000000' });
    expect(faultOf((await post(other, signedBy(manufacturingId))).body).detailCode).to.equal('SIGNATURE_WRONG_RESOURCE');

    const refused = retail.logs.lines.filter((l) => l.msg === 'Wf-XML call refused: signature').map((l) => l.code);
    expect(refused).to.include.members(['SIGNATURE_BAD_SIGNATURE', 'SIGNATURE_UNKNOWN_SENDER', 'SIGNATURE_EXPIRED', 'SIGNATURE_REPLAY', 'SIGNATURE_WRONG_RESOURCE']);
    await unchanged(caseId);
  });

  it('a signed Completed arriving before its call is recorded as sent gets a Server fault (the sender retries), and changes nothing', async () => {
    const dispatcher = retail.federation!.remoteSubprocesses;
    await dispatcher.stop();
    try {
      const started = await retail.engine.startProcess('retailer', { data: order(16) });
      const row = await waitFor(() => remoteCall(retail, started.id, 'pending'), 'the pending call');
      const observerKey = subprocessObserverKey(retail.url, { instanceId: started.id, messageId: row.id });
      const request: AsapRequest = { receiverKey: observerKey, senderKey: `${manufacturing.url}/wfxml/instance/early`, resource: 'observer', operation: 'Completed', body: completedRq(`${manufacturing.url}/wfxml/instance/early`, 'Too early') };
      const error = await postAsap(request, { signing: { identity: manufacturing.federation!.identity, receiver: 'retail' } }).then(() => undefined, (e: Error) => e);
      expect(error?.message).to.match(/SOAP fault \(HTTP 500\): remote subprocess call .* is not recorded as sent yet; retry shortly/);
      await unchanged(started.id);
      await retail.engine.changeState(started.id, 'terminate', 'admin');
    } finally {
      dispatcher.start();
    }
  });

  it('after all that, the manufacturing department\'s own signed Completed still completes the waiting case', async () => {
    const { caseId, remoteId } = await waitingOrder(15);
    const [item] = await manufacturing.engine.worklist({ instanceId: remoteId });
    await manufacturing.engine.completeWorkItem(item.id, { data: { manufacturer_name: 'Made by hand', availability_date: '2030-06-01T00:00:00Z' } });
    const closed = await retail.closedCase(caseId);
    expect(closed.state).to.equal('closed.completed');
    expect(closed.data.manufactured_by).to.equal('Made by hand');
  });
});

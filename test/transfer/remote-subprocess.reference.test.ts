import { expect } from 'chai';
import type { InstanceRecord, OutboxRecord } from '../../src/engine';
import { subprocessObserverKey } from '../../src/services/wfxml';
import { MANUFACTURER_NAME, MANUFACTURER_XPDL, manufacturerHandlers, order, RemoteFederation, RETAILER_XPDL, retailerHandlers, SUBFLOW, type DepartmentNode } from './remote-support';
import { waitFor } from '../support/wait-for';

async function remoteCall(d: DepartmentNode, caseId: string, state?: OutboxRecord['state']): Promise<OutboxRecord | undefined> {
  const rows = (await d.engine.outbox({ instanceId: caseId })).filter((m) => m.kind === 'remote-subprocess');
  return rows.find((m) => state === undefined || m.state === state);
}

/**
 * The call of a case, once marked sent. The remote instance may finish, and its Completed close the
 * case, a moment before the dispatcher has recorded the factory's reply.
 */
function sentCall(d: DepartmentNode, caseId: string): Promise<OutboxRecord> {
  return waitFor(() => remoteCall(d, caseId, 'sent'), `the remote call of ${caseId} to be marked sent`);
}

/** The instance a remote call created at the manufacturer: the one reporting to its correlated ObserverKey. */
async function createdFor(manufacturer: DepartmentNode, caller: DepartmentNode, caseId: string, messageId: string): Promise<InstanceRecord> {
  const key = subprocessObserverKey(caller.url, { instanceId: caseId, messageId });
  const { items } = await manufacturer.engine.listInstances({ processId: 'manufacturer' });
  const found = items.find((i) => i.observer === key);
  if (!found) throw new Error(`no manufacturer instance at ${manufacturer.code} reports to ${key}`);
  return found;
}

const sameInstant = (a: unknown, b: unknown) => expect(new Date(String(a)).toISOString()).to.equal(new Date(String(b)).toISOString());

describe('Remote subprocess over Wf-XML: shark_retailer in one department, shark_manufacturer in another, bound through the registry', function () {
  this.timeout(60_000);
  let f: RemoteFederation;
  let retail: DepartmentNode;
  let manufacturing: DepartmentNode;

  before(async () => {
    f = await RemoteFederation.open();
    manufacturing = await f.department('manufacturing', { deploy: [MANUFACTURER_XPDL], handlers: (h) => manufacturerHandlers(h) });
    retail = await f.department('retail', {
      deploy: [RETAILER_XPDL],
      handlers: retailerHandlers,
      // Long enough that a moved factory is found only through the invocation pattern.
      cacheTtlSeconds: 600,
      env: {
        INTERFLOW_REMOTE_FACTORIES: JSON.stringify({
          // i-Flow's planName is "Manufacturer"; the process registered here is "manufacturer".
          [SUBFLOW.fujitsu]: { department: 'manufacturing', processId: 'manufacturer' },
          // TIBCO's SubFlow derives process "Factory": sent to a factory address as it is.
          Factory: `${manufacturing.url}/wfxml/factory/manufacturer`,
          // A factory address where no such process is deployed: the factory refuses every call.
          asap_evm: `${manufacturing.url}/wfxml/factory/asap_evm`,
        }),
      },
      remote: { maxAttempts: 4 },
    });
  });
  after(async () => {
    await f?.close();
  });

  it('order 3: the Shark SubFlow (a dead vendor URL) is bound to the manufacturing department\'s factory; CreateInstance carries the mapped data and an ObserverKey back; Completed completes the case with the result mapped', async () => {
    const started = await retail.engine.startProcess('retailer', { data: order(3, { manufacturer_receipt_date: '2026-01-04T09:00:00.000Z' }) });
    const closed = await retail.closedCase(started.id);
    expect(closed.state).to.equal('closed.completed');

    const call = await sentCall(retail, started.id);
    expect(call).to.include({ destination: SUBFLOW.shark, state: 'sent', attempts: 1 });
    expect(call.payload).to.include({ activityId: 'shark_manufacturer', remoteProcessId: 'manufacturer' });

    const remote = await createdFor(manufacturing, retail, started.id, call.id);
    expect(remote.state).to.equal('closed.completed');
    expect(remote.data).to.include({ product_code: 7, product_quantity: 3, order_number: '3', retailer_name: 'Corner shop enacted by Interflow.', manufacturer_name: MANUFACTURER_NAME, manufacturer_code: 142 });
    sameInstant(remote.data.order_date, '2026-01-05T10:00:00.000Z');
    expect(remote.data, 'a field the factory does not declare is left out, not refused').not.to.have.property('manufacturer_receipt_date');
    // The manufacturer marks its notification sent once the retailer has answered: just after the case closed.
    const notification = await waitFor(async () => (await manufacturing.engine.outbox({ instanceId: remote.id })).find((m) => m.state === 'sent'), 'the Completed notification to be marked sent');
    expect(notification).to.include({ kind: 'observer-notify', state: 'sent', destination: subprocessObserverKey(retail.url, { instanceId: started.id, messageId: call.id }) });

    // ParamMapping: manufactured_by ← manufacturer_name, est_delivery_date ← availability_date.
    expect(closed.data.manufactured_by).to.equal(MANUFACTURER_NAME);
    sameInstant(closed.data.est_delivery_date, remote.data.availability_date);
    expect(closed.data.manufacturer_code, 'the SubFlow does not pass manufacturer_code: it does not come back').to.equal(null);
    expect(closed.data.in_stock).to.equal(false);

    expect(retail.posted.length).to.be.greaterThan(0);
    for (const url of retail.posted) expect(url).to.equal(`${manufacturing.url}/wfxml/factory/manufacturer`);
    const [line] = retail.caseLog(started.id, 'remote subprocess started');
    expect(line).to.include({ department: 'manufacturing', factory: `${manufacturing.url}/wfxml/factory/manufacturer`, definedAs: SUBFLOW.shark, boundBy: 'the registry (any department offering the process)', remoteInstance: `${manufacturing.url}/wfxml/instance/${remote.id}` });
    expect(line.omitted).to.deep.equal(['manufacturer_receipt_date']);
    const history = await retail.engine.history(started.id);
    expect(history.filter((h) => h.activityId === 'shark_manufacturer').map((h) => h.type)).to.include.members(['activity.transferred', 'activity.completed']);
  });

  it('order 1: the i-Flow SubFlow (planName=Manufacturer) is bound by INTERFLOW_REMOTE_FACTORIES to the same registered factory', async () => {
    const started = await retail.engine.startProcess('retailer', { data: order(1) });
    const closed = await retail.closedCase(started.id);
    expect(closed.state).to.equal('closed.completed');
    expect(closed.data.manufactured_by).to.equal(MANUFACTURER_NAME);
    const call = await sentCall(retail, started.id);
    expect(call).to.include({ destination: SUBFLOW.fujitsu, state: 'sent' });
    expect(call.kind === 'remote-subprocess' && call.payload.remoteProcessId).to.equal('Manufacturer');
    const remote = await createdFor(manufacturing, retail, started.id, call.id);
    sameInstant(closed.data.est_delivery_date, remote.data.availability_date);
    const [line] = retail.caseLog(started.id, 'remote subprocess started');
    expect(line).to.include({ department: 'manufacturing', boundBy: `INTERFLOW_REMOTE_FACTORIES[${JSON.stringify(SUBFLOW.fujitsu)}]` });
  });

  it('order 2: the TIBCO SubFlow (process "Factory") is mapped by process id to a factory address; only what it passes travels, so nothing comes back', async () => {
    const started = await retail.engine.startProcess('retailer', { data: order(2) });
    const closed = await retail.closedCase(started.id);
    expect(closed.state).to.equal('closed.completed');
    const call = await sentCall(retail, started.id);
    expect(call).to.include({ destination: SUBFLOW.tibco, state: 'sent' });
    const remote = await createdFor(manufacturing, retail, started.id, call.id);
    expect(remote.state).to.equal('closed.completed');
    expect(closed.data.manufactured_by, 'this SubFlow maps no result field').to.equal(null);
    const [line] = retail.caseLog(started.id, 'remote subprocess started');
    // The address is the manufacturing department's registered factory: the call is signed for it,
    // and only its signed Completed is taken.
    expect(line).to.include({ factory: `${manufacturing.url}/wfxml/factory/manufacturer`, boundBy: 'INTERFLOW_REMOTE_FACTORIES["Factory"]', department: 'manufacturing' });
    expect(call.kind === 'remote-subprocess' && call.payload.boundTo).to.include({ department: 'manufacturing', factory: `${manufacturing.url}/wfxml/factory/manufacturer` });
  });

  it('order 4: a factory address no department publishes (no process "asap_evm" there) is refused before any call, retried, the row dead-lettered with the reason, and the activity becomes an incident', async () => {
    const postedBefore = retail.posted.length;
    const started = await retail.engine.startProcess('retailer', { data: order(4) });
    const dead = await waitFor(() => remoteCall(retail, started.id, 'dead'), 'the call to be dead-lettered');
    expect(dead.attempts).to.equal(4);
    expect(dead.lastError).to.match(/^refusal 4 of 4: factory http:\/\/127\.0\.0\.1:\d+\/wfxml\/factory\/asap_evm \(bound by INTERFLOW_REMOTE_FACTORIES\["asap_evm"\]\): no department in the registry publishes the factory http:\/\/127\.0\.0\.1:\d+\/wfxml\/factory\/asap_evm; between departments Interflow calls only registered factories/);
    expect(retail.posted.slice(postedBefore).filter((u) => u.endsWith('/asap_evm')), 'an unregistered address is never called').to.deep.equal([]);
    const inst = await waitFor(async () => {
      const i = await retail.engine.getInstance(started.id);
      return i.openActivities.some((a) => a.activityId === 'easy_asap_manufacturer' && a.state === 'failed') ? i : undefined;
    }, 'the activity to become an incident');
    expect(inst.state).to.equal('open.running');
    expect(inst.openActivities.find((a) => a.activityId === 'easy_asap_manufacturer')?.error).to.match(/^the remote subprocess could not be started: refusal 4 of 4: factory .*asap_evm/);
    expect(retail.caseLog(started.id, 'remote subprocess not started; will retry')).to.have.length(3);

    // An administrator's retry calls again, with a new outbox row.
    const failed = inst.openActivities.find((a) => a.activityId === 'easy_asap_manufacturer')!;
    await retail.engine.retryActivity(started.id, failed.activityInstanceId, 'admin');
    const rows = (await retail.engine.outbox({ instanceId: started.id })).filter((m) => m.kind === 'remote-subprocess');
    expect(rows).to.have.length(2);
    expect(rows[1].id).not.to.equal(rows[0].id);
    await retail.engine.changeState(started.id, 'terminate', 'admin');
  });

  it('a factory that moved is followed: the cached binding fails, the registry names its new address, the call goes there', async () => {
    const before = manufacturing.url;
    const movedBefore = retail.binder!.stats.moved;
    await manufacturing.down();
    await manufacturing.up();
    expect(manufacturing.url).not.to.equal(before);
    const postedBefore = retail.posted.length;

    const started = await retail.engine.startProcess('retailer', { data: order(3) });
    const closed = await retail.closedCase(started.id);
    expect(closed.state).to.equal('closed.completed');
    expect(closed.data.manufactured_by).to.equal(MANUFACTURER_NAME);
    expect(retail.binder!.stats.moved).to.be.greaterThan(movedBefore);
    const tried = retail.posted.slice(postedBefore);
    expect(tried[0], 'first the cached address').to.equal(`${before}/wfxml/factory/manufacturer`);
    expect(tried.slice(1).every((u) => u === `${manufacturing.url}/wfxml/factory/manufacturer`)).to.equal(true);
    const call = await sentCall(retail, started.id);
    expect(call).to.include({ state: 'sent', attempts: 1 });
    await createdFor(manufacturing, retail, started.id, call.id);
    expect(retail.logs.lines.some((l) => l.msg === 'binding moved; calling its new address' && l.to === `${manufacturing.url}/wfxml/factory/manufacturer`)).to.equal(true);
  });
});

describe('Remote subprocess over Wf-XML: no factory registered yet', function () {
  this.timeout(60_000);
  let f: RemoteFederation;
  let retail: DepartmentNode;

  before(async () => {
    f = await RemoteFederation.open();
    // Few attempts: waiting for a factory nobody offers must not count towards them.
    retail = await f.department('retail', { deploy: [RETAILER_XPDL], handlers: retailerHandlers, remote: { maxAttempts: 2 } });
  });
  after(async () => {
    await f?.close();
  });

  it('the activity waits with a clear lastError in the outbox and completes once a manufacturer registers', async () => {
    const started = await retail.engine.startProcess('retailer', { data: order(3) });
    const waiting = await waitFor(async () => {
      const row = await remoteCall(retail, started.id, 'pending');
      return row && row.attempts >= 4 && row.lastError ? row : undefined;
    }, 'attempts beyond maxAttempts, the row still pending');
    expect(waiting.lastError).to.equal(
      'the factory of process "manufacturer" (bound by the registry (any department offering the process)): no department in the registry offers a Wf-XML factory for process "manufacturer" (service type wfxml-factory, interflow:process-id manufacturer); the case waits until one registers',
    );
    const inst = await retail.engine.getInstance(started.id);
    expect(inst.state).to.equal('open.running');
    expect(inst.openActivities.map((a) => [a.activityId, a.state])).to.deep.equal([['shark_manufacturer', 'transferred']]);
    expect(retail.caseLog(started.id, 'remote subprocess not started; will retry').length).to.be.greaterThan(0);

    const manufacturing = await f.department('manufacturing', { deploy: [MANUFACTURER_XPDL], handlers: (h) => manufacturerHandlers(h) });
    const closed = await retail.closedCase(started.id);
    expect(closed.state).to.equal('closed.completed');
    expect(closed.data.manufactured_by).to.equal(MANUFACTURER_NAME);
    const call = await sentCall(retail, started.id);
    expect(call.state).to.equal('sent');
    expect(call.attempts).to.be.greaterThan(4);
    await createdFor(manufacturing, retail, started.id, call.id);
  });

  it('with two departments offering the process, a dead one is skipped', async () => {
    const backup = await f.department('backup', { deploy: [MANUFACTURER_XPDL], handlers: (h) => manufacturerHandlers(h, () => '2026-02-01T00:00:00.000Z') });
    const manufacturing = f.departments.get('manufacturing')!;
    const deadFactory = `${manufacturing.url}/wfxml/factory/manufacturer`;
    await manufacturing.down(); // its lease stays: only calling it shows it is gone
    const postedBefore = retail.posted.length;
    const started = await retail.engine.startProcess('retailer', { data: order(3) });
    const closed = await retail.closedCase(started.id);
    expect(closed.state).to.equal('closed.completed');
    sameInstant(closed.data.est_delivery_date, '2026-02-01T00:00:00.000Z');
    const call = await sentCall(retail, started.id);
    await createdFor(backup, retail, started.id, call.id);
    expect(retail.caseLog(started.id, 'remote subprocess started')[0]).to.include({ department: 'backup' });
    // The departments found for the first case are still cached: the dead one is tried first.
    const tried = retail.posted.slice(postedBefore);
    expect(tried[0]).to.equal(deadFactory);
    expect(tried.slice(1).every((u) => u === `${backup.url}/wfxml/factory/manufacturer`)).to.equal(true);
  });
});

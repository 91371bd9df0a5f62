import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { importXpdl } from '../../src/xpdl';
import { WorkflowEngine, InstanceStates, EngineError, outboxKind, parseHandOverObserver, type HandOver, type Store } from '../../src/engine';
import { createTestStore } from '../support/test-store';
import { end, field, flow, manual, pkg, process, route, start } from '../support/definition-builder';

/**
 * The two legs of a cross-department transfer at engine level: the home hands an activity over,
 * the performing department runs exactly that activity and its result goes back; both legs are
 * idempotent. (Both engines share one store here; over HTTP each department has its own.)
 */
describe('hand-over between department engines (engine level)', () => {
  let store: Store;
  let planning: WorkflowEngine;
  let environment: WorkflowEngine;

  const licence = pkg(process('licence', {
    participants: [
      { id: 'planning', type: 'ORGANIZATIONAL_UNIT', department: 'planning' },
      { id: 'environment', type: 'ORGANIZATIONAL_UNIT', department: 'environment' },
    ],
    fields: [field('envOk', 'BOOLEAN'), field('note', 'STRING'), field('applicant', 'STRING')],
    activities: [
      start(),
      manual('register', 'planning', { department: 'planning' }),
      manual('env_review', 'environment', { department: 'environment', updates: ['envOk'] }),
      route('decide', { split: 'xor' }),
      manual('issue', 'planning', { department: 'planning' }),
      manual('refuse', 'planning', { department: 'planning' }),
      end('e1'), end('e2'),
    ],
    transitions: [flow('start', 'register'), flow('register', 'env_review'), flow('env_review', 'decide'), flow('decide', 'issue', 'envOk'), flow('decide', 'refuse', 'otherwise'), flow('issue', 'e1'), flow('refuse', 'e2')],
  }));

  before(async () => {
    store = await createTestStore();
    planning = new WorkflowEngine({ store, department: 'planning' });
    environment = new WorkflowEngine({ store, department: 'environment' });
    await planning.deploy(licence);
  });
  after(async () => store.close());

  async function handOverOf(caseId: string): Promise<HandOver> {
    const [msg] = (await planning.outbox({ instanceId: caseId })).filter((m) => m.kind === 'transfer');
    const p = msg.payload as Record<string, any>;
    return { itemId: msg.id, caseId: p.caseId, home: p.home, sender: p.sender, processId: p.processId, version: p.version, contentHash: p.contentHash, activityId: p.activityId, activityInstanceId: p.activityInstanceId, data: p.data };
  }

  it('performs the handed-over activity once and sends only its output back', async () => {
    const c = await planning.startProcess('licence', { data: { applicant: 'ACME', note: 'internal note' } });
    await planning.completeWorkItem(c.workItems[0].id);
    const h = await handOverOf(c.id);
    expect(h).to.include({ home: 'planning', sender: 'planning', activityId: 'env_review' });
    expect(h.contentHash).to.match(/^[0-9a-f]{64}$/);

    const receipt = await environment.acceptHandOver(h);
    expect(receipt.accepted).to.equal(true);
    expect(await environment.acceptHandOver(h)).to.deep.equal({ accepted: false }, 'a retried hand-over changes nothing');
    const performing = await environment.getInstance(receipt.instanceId!);
    expect(h.data).to.not.have.any.keys('applicant', 'note');
    expect(performing.data.applicant ?? null).to.equal(null, 'environment reads only envOk: the applicant never leaves planning');
    expect(performing.data.note ?? null).to.equal(null);
    expect(performing.workItems.map((w) => [w.activityId, w.participant])).to.deep.equal([['env_review', 'environment']]);

    const done = await environment.completeWorkItem(performing.workItems[0].id, { data: { envOk: 'true' } });
    expect(done.state).to.equal(InstanceStates.completed, 'the performing instance ends with its activity; no routing here');
    const [result] = (await environment.outbox({ instanceId: done.id })).filter((m) => m.kind === 'transfer-result');
    expect(parseHandOverObserver(result.destination)).to.deep.equal({ home: 'planning', caseId: c.id, activityInstanceId: h.activityInstanceId, itemId: h.itemId });
    expect(result.payload.data).to.deep.equal({ envOk: true }, 'only the fields the activity updates');

    await planning.acceptTransferResult(c.id, h.activityInstanceId, { outcome: 'completed', data: result.payload.data as Record<string, unknown> }, { messageId: `result:${h.itemId}`, from: 'environment' });
    const routed = await planning.getInstance(c.id);
    expect(routed.workItems.map((w) => w.activityId)).to.deep.equal(['issue'], 'the XOR decision is taken at home with the result');
  });

  /** The performing instances environment holds for one of planning's cases. */
  async function performing(caseId: string) {
    return (await environment.listInstances({ homeDepartment: 'planning', homeInstanceId: caseId })).items;
  }

  it('regression: a home handing over the same activity instance twice under two item ids got two performing instances; it gets one', async () => {
    const c = await planning.startProcess('licence');
    await planning.completeWorkItem(c.workItems[0].id);
    const h = await handOverOf(c.id);
    const first = await environment.acceptHandOver(h);
    expect(first.accepted).to.equal(true);

    const second = await environment.acceptHandOver({ ...h, itemId: `${h.itemId}-again` });
    expect(second.accepted).to.equal(false, 'a new item id for an activity instance taken before is a duplicate');
    expect(second.instanceId).to.equal(undefined, 'nothing was created');
    expect(second.reason).to.match(new RegExp(`activity instance ${h.activityInstanceId} \\(env_review\\) of case ${c.id} from planning was taken before under another item id`));
    expect((await performing(c.id)).map((i) => i.id)).to.deep.equal([first.instanceId]);
    expect((await environment.worklist({ instanceId: first.instanceId })).length).to.equal(1, 'one work item');
    expect(await environment.acceptHandOver({ ...h, itemId: `${h.itemId}-again` })).to.deep.equal({ accepted: false }, 'the second item id is in the inbox itself now: its resend is a plain duplicate');

    // Closed, the first performance still counts: a third item id would be the work done twice.
    const [item] = await environment.worklist({ instanceId: first.instanceId });
    await environment.completeWorkItem(item.id, { data: { envOk: 'true' } });
    const third = await environment.acceptHandOver({ ...h, itemId: `${h.itemId}-third` });
    expect(third.accepted).to.equal(false);
    expect((await performing(c.id)).map((i) => [i.id, i.state])).to.deep.equal([[first.instanceId, InstanceStates.completed]]);
    expect((await environment.outbox({ instanceId: first.instanceId })).filter((m) => m.kind === 'transfer-result')).to.have.length(1, 'one result goes home');
  });

  it('two item ids for one activity instance delivered at once make one performing instance', async () => {
    const c = await planning.startProcess('licence');
    await planning.completeWorkItem(c.workItems[0].id);
    const h = await handOverOf(c.id);
    const receipts = await Promise.all([environment.acceptHandOver(h), environment.acceptHandOver({ ...h, itemId: `${h.itemId}-racing` })]);
    expect(receipts.map((r) => r.accepted).sort()).to.deep.equal([false, true]);
    expect((await performing(c.id)).map((i) => i.id)).to.deep.equal([receipts.find((r) => r.accepted)!.instanceId]);
  });

  it('a home hands the activity over again after the first performance failed and an administrator retried it: a new activity instance, taken', async () => {
    const c = await planning.startProcess('licence');
    await planning.completeWorkItem(c.workItems[0].id);
    const h = await handOverOf(c.id);
    const first = await environment.acceptHandOver(h);
    await environment.changeState(first.instanceId!, 'terminate');
    const [failed] = (await environment.outbox({ instanceId: first.instanceId })).filter((m) => m.kind === 'transfer-result');
    expect(failed.payload.state).to.equal(InstanceStates.terminated);
    await planning.acceptTransferResult(c.id, h.activityInstanceId, { outcome: 'failed', data: {}, reason: 'terminated at environment' }, { messageId: `result:${failed.id}`, from: 'environment' });
    expect((await planning.getInstance(c.id)).openActivities.find((a) => a.activityInstanceId === h.activityInstanceId)?.state).to.equal('failed', 'an incident at home');

    await planning.retryActivity(c.id, h.activityInstanceId);
    const again = (await planning.outbox({ instanceId: c.id })).filter(outboxKind('transfer')).filter((m) => m.id !== h.itemId);
    expect(again).to.have.length(1, 'the retry hands the activity over once more');
    expect(again[0].payload.activityInstanceId).to.not.equal(h.activityInstanceId, 'under a new activity instance id: what the dedupe rests on');
    const retried = await environment.acceptHandOver({ ...h, itemId: again[0].id, activityInstanceId: String(again[0].payload.activityInstanceId) });
    expect(retried.accepted).to.equal(true);
    expect((await performing(c.id)).map((i) => [i.id, i.state]).sort()).to.deep.equal(
      [[first.instanceId, InstanceStates.terminated], [retried.instanceId, InstanceStates.running]].sort(),
    );
  });

  it('refuses a hand-over for an activity the department does not perform, and lets it be retried', async () => {
    const c = await planning.startProcess('licence');
    await planning.completeWorkItem(c.workItems[0].id);
    const h = await handOverOf(c.id);
    const fire = new WorkflowEngine({ store, department: 'fire' });
    const err = await fire.acceptHandOver(h).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(EngineError);
    expect((err as EngineError).code).to.equal('FORBIDDEN');
    expect((err as Error).message).to.match(/does not perform activity "env_review"/);
    expect((await environment.acceptHandOver(h)).accepted).to.equal(true, 'the refusal left no inbox record behind');
  });

  it('refuses a definition version the department has not installed', async () => {
    const c = await planning.startProcess('licence');
    await planning.completeWorkItem(c.workItems[0].id);
    const h = { ...(await handOverOf(c.id)), contentHash: 'f'.repeat(64) };
    const err = await environment.acceptHandOver(h).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.match(/has not installed it; publish the definition/);
  });
});

describe('hand-over results carry only what the performing department produced', () => {
  let store: Store;
  let market: WorkflowEngine;
  let tax: WorkflowEngine;
  let fire: WorkflowEngine;

  before(async () => {
    store = await createTestStore();
    market = new WorkflowEngine({ store, department: 'market' });
    tax = new WorkflowEngine({ store, department: 'tax' });
    fire = new WorkflowEngine({ store, department: 'fire' });
    await market.deploy(importXpdl(readFileSync(resolve(__dirname, '../../examples/business-licence.xpdl'), 'utf8')));
  });
  after(async () => store.close());

  async function handOvers(engine: WorkflowEngine, caseId: string): Promise<HandOver[]> {
    return (await engine.outbox({ instanceId: caseId })).filter((m) => m.kind === 'transfer' && m.state === 'pending').map((msg) => {
      const p = msg.payload as Record<string, any>;
      return { itemId: msg.id, caseId: p.caseId, home: p.home, sender: p.sender, processId: p.processId, version: p.version, contentHash: p.contentHash, activityId: p.activityId, activityInstanceId: p.activityInstanceId, data: p.data };
    });
  }

  async function resultOf(engine: WorkflowEngine, instanceId: string) {
    const [r] = (await engine.outbox({ instanceId })).filter((m) => m.kind === 'transfer-result');
    return r;
  }

  it('parallel automatic branches in two departments cannot overwrite each other at home (express licence)', async () => {
    const c = await market.startProcess('business_licence_express', { data: { applicantId: 'A1', businessName: 'Bakery', address: '1 Main St' } });
    const [toFire, toTax] = (await handOvers(market, c.id)).sort((a, b) => a.activityId.localeCompare(b.activityId));
    expect([toFire.activityId, toTax.activityId]).to.deep.equal(['x_fire_check', 'x_register_taxpayer']);
    const fireDone = await fire.acceptHandOver(toFire);
    const taxDone = await tax.acceptHandOver(toTax);
    const fireResult = await resultOf(fire, fireDone.instanceId!);
    const taxResult = await resultOf(tax, taxDone.instanceId!);
    expect(fireResult.payload.data).to.deep.equal({ premisesSafe: true });
    expect(taxResult.payload.data).to.deep.equal({ taxpayerId: 'TX-A1' });
    // Fire's result first, then tax's: tax's stale copy of premisesSafe (false) must not come back.
    await market.completeTransferredActivity(c.id, toFire.activityInstanceId, fireResult.payload.data as Record<string, unknown>, { messageId: `r-${fireResult.id}`, source: 'fire' });
    const done = await market.completeTransferredActivity(c.id, toTax.activityInstanceId, taxResult.payload.data as Record<string, unknown>, { messageId: `r-${taxResult.id}`, source: 'tax' });
    expect(done).to.equal(true);
    const closed = await market.getInstance(c.id);
    expect(closed.state).to.equal(InstanceStates.completed);
    expect(closed.data).to.include({ premisesSafe: true, taxpayerId: 'TX-A1', approved: true, licenceNo: 'LIC-A1' });
  });

  it('an intra-department process performs the activity; its output is the activity\'s declared output', async () => {
    let c = await market.startProcess('business_licence', { data: { applicantId: 'A2' } });
    c = await market.completeWorkItem(c.workItems[0].id, { data: { businessName: 'Cafe', address: '2 High St' } });
    c = await market.completeWorkItem(c.workItems[0].id, { data: { complete: 'true' } });
    const toFire = (await handOvers(market, c.id)).find((h) => h.activityId === 'inspect_premises')!;
    const receipt = await fire.acceptHandOver(toFire);
    const internal = await fire.getInstance(receipt.instanceId!);
    expect(internal.processId).to.equal('fire_inspection', "the fire department's own process");
    expect(internal.data).to.include({ visitScheduled: true, address: '2 High St' });
    expect(internal.workItems.map((w) => [w.activityId, w.participant])).to.deep.equal([['visit_premises', 'inspector']]);
    await fire.completeWorkItem(internal.workItems[0].id, { data: { premisesSafe: 'true' } });
    expect((await resultOf(fire, internal.id)).payload.data).to.deep.equal({ premisesSafe: true });
  });
});

import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { outboxKind } from '../../src/engine';
import { signEnvelope } from '../../src/transfer/signing';
import { deliverEnvelope, readAcks, TRANSFER_RELAY_PATH, TRANSFER_SERVICE_PATH, type Ack, type TransferItem } from '../../src/transfer';
import { closedCase, LICENCE_XPDL, TransferFederation, type Department } from './federation-support';
import { waitFor } from '../support/wait-for';
import { parseEnvelope } from '../../src/services/soap';

/**
 * Issue 9: agencies trust each other only as far as the process says. Every attack here is made
 * by a member department signing honestly with its own key from the registry — the signature
 * verifies, so what stops it is authorisation. Each is refused by name, logged as refused (not
 * authorised), and changes nothing at any department.
 */
describe('trust between agencies: a member department with its own real key is held to what the process grants it', function () {
  this.timeout(90_000);
  let fed: TransferFederation;
  let market: Department;
  let tax: Department;
  let fire: Department;
  /** A licence case waiting for fire's inspection (tax has registered the taxpayer). */
  let caseId = '';
  let inspectInstance = '';
  /** A second case waiting at market's own manual activity, receive_application. */
  let freshCaseId = '';
  let receiveInstance = '';

  before(async () => {
    fed = await TransferFederation.open(['market', 'tax', 'fire'], { coordinator: 'market' });
    market = fed.dept('market');
    tax = fed.dept('tax');
    fire = fed.dept('fire');

    const c = await market.engine.startProcess('business_licence', { data: { applicantId: 'A-77' } });
    caseId = c.id;
    await market.engine.completeWorkItem(c.workItems[0].id, { data: { businessName: 'Corner Bakery', address: '5 Mill Lane' } });
    const reviewing = await market.engine.getInstance(caseId);
    await market.engine.completeWorkItem(reviewing.workItems[0].id, { data: { complete: true } });
    inspectInstance = await transferredInstance(caseId, 'inspect_premises');
    await waitFor(async () => (await fire.engine.worklist({ participants: ['inspector'] })).find((w) => w.activityId === 'visit_premises'), 'the inspection to reach fire');
    await waitFor(async () => (await market.engine.getInstance(caseId)).data.taxpayerId === 'TX-A-77', "tax's result to reach market");

    const fresh = await market.engine.startProcess('business_licence', { data: { applicantId: 'B-1' } });
    freshCaseId = fresh.id;
    receiveInstance = await activeInstance(fresh.id, 'receive_application');
  });
  after(async () => fed?.close());

  async function transferredInstance(id: string, activityId: string): Promise<string> {
    const row = (await market.engine.outbox({ instanceId: id })).filter(outboxKind('transfer')).find((m) => m.payload.activityId === activityId);
    if (!row) throw new Error(`no hand-over of ${activityId} in case ${id}`);
    return String(row.payload.activityInstanceId);
  }

  async function activeInstance(id: string, activityId: string): Promise<string> {
    const item = (await market.engine.worklist({ instanceId: id })).find((w) => w.activityId === activityId);
    if (!item) throw new Error(`no work item of ${activityId} in case ${id}`);
    return item.activityInstanceId;
  }

  /** Signs with `from`'s own key (the one the registry holds for it) and posts to `to`. */
  async function send(from: Department, to: Department, items: TransferItem[], via: 'direct' | 'relay' = 'direct'): Promise<Ack[]> {
    const envelope = signEnvelope(deliverEnvelope({ messageId: randomUUID(), sender: from.code, receiver: to.code, sentAt: new Date() }, items), from.federation!.identity);
    const url = via === 'relay' ? fed.url + TRANSFER_RELAY_PATH : to.url + TRANSFER_SERVICE_PATH;
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: envelope });
    const text = await res.text();
    expect(res.status, text).to.equal(200);
    return readAcks({ envelope: parseEnvelope(text) });
  }

  /** Everything an attack could have changed, at every department. */
  async function snapshot() {
    const out: Record<string, unknown> = {};
    for (const d of [market, tax, fire]) {
      const instances = await d.engine.listInstances({ limit: 1000 });
      out[d.code] = {
        instances: instances.items.map((i) => `${i.id}:${i.state}:${JSON.stringify(i.data)}`).sort(),
        definitions: (await d.engine.listDefinitions()).map((r) => `${r.processId}@${r.version}:${r.contentHash}`).sort(),
        workItems: (await d.engine.worklist({})).map((w) => `${w.id}:${w.state}`).sort(),
      };
    }
    out.history = (await market.engine.history(caseId)).length;
    return out;
  }

  async function expectNotAuthorised(from: Department, to: Department, item: TransferItem, why: RegExp, via: 'direct' | 'relay' = 'direct') {
    const before = await snapshot();
    const [ack] = await send(from, to, [item], via);
    expect(ack.status).to.equal('refused');
    expect(ack.reason).to.match(/^not authorised: /).and.match(why);
    expect(await snapshot()).to.deep.equal(before, 'nothing changed at any department');
    const logged = (await to.federation!.messageLog.trace(item.caseId)).find((t) => t.itemId === item.itemId);
    expect(logged, 'the refusal is in the receiver\'s message log').to.include({ outcome: 'not-authorised', from: from.code });
    expect(to.logs.lines.some((l) => l.msg === `transfer ${item.kind} refused (not authorised)` && l.itemId === item.itemId)).to.equal(true, 'and in its log');
  }

  const result = (over: Partial<Extract<TransferItem, { kind: 'result' }>>): TransferItem => ({
    kind: 'result', itemId: randomUUID(), caseId, activityInstanceId: inspectInstance, outcome: 'completed', data: { premisesSafe: 'true' }, ...over,
  });

  it("tax completing fire's Inspect premises (premisesSafe=true) is refused: the activity was handed to fire", async () => {
    await expectNotAuthorised(tax, market, result({}), /handed to department fire; department tax may not report its result/);
  });

  it("tax completing market's own manual Receive application is refused: it was handed to nobody", async () => {
    await expectNotAuthorised(tax, market, result({ caseId: freshCaseId, activityInstanceId: receiveInstance, data: {} }), /was not handed to any department/);
  });

  it("tax reporting Outcome=failed for fire's activity is refused: no member can stall another's work", async () => {
    await expectNotAuthorised(tax, market, result({ outcome: 'failed', reason: 'stalled by tax', data: {} }), /handed to department fire/);
  });

  it('the same forged result through the hub relay is refused at the home as well', async () => {
    await expectNotAuthorised(tax, market, result({}), /department tax may not report its result/, 'relay');
  });

  it("fire's own result may carry only what Inspect premises writes (not approved=true)", async () => {
    await expectNotAuthorised(fire, market, result({ data: { premisesSafe: 'true', approved: 'true' } }), /carries "approved", which the activity does not write/);
  });

  it('a hand-over from a department that cannot be the case\'s home is refused (tax is not the first performer)', async () => {
    await expectNotAuthorised(tax, fire, {
      kind: 'hand-over', itemId: randomUUID(), caseId: randomUUID(), home: 'tax', processId: 'business_licence', version: 1,
      contentHash: (await fire.engine.getDefinition('business_licence')).contentHash, activityId: 'inspect_premises', activityInstanceId: 'a9', data: { address: 'x' },
    }, /department tax cannot be the home of a business_licence case: its first activity is performed by market/);
  });

  it('a hand-over that carries fields the activity does not read is refused, even from the home', async () => {
    await expectNotAuthorised(market, fire, {
      kind: 'hand-over', itemId: randomUUID(), caseId: randomUUID(), home: 'market', processId: 'business_licence', version: 1,
      contentHash: (await fire.engine.getDefinition('business_licence')).contentHash, activityId: 'inspect_premises', activityInstanceId: 'a10', data: { address: 'x', applicantId: 'A-77' },
    }, /carries "applicantId", which the activity does not read/);
  });

  it("a Publish from tax rewriting fire's internal fire_inspection is refused at fire, which keeps its own", async () => {
    const forged = LICENCE_XPDL.replace('<xpdl:Activity Id="visit_premises" Name="Visit premises">', '<xpdl:Activity Id="visit_premises" Name="Visit premises (skipped)">');
    expect(forged).to.not.equal(LICENCE_XPDL);
    await expectNotAuthorised(tax, fire, { kind: 'publish', itemId: randomUUID(), caseId: 'package:business_licence_package', packageId: 'business_licence_package', source: forged },
      /would replace process "fire_inspection", which is department fire's own/);
  });

  it('a Publish from tax of a new version of market\'s business_licence is refused: only market publishes it', async () => {
    const forged = LICENCE_XPDL.replace('approved &amp;&amp; premisesSafe</xpdl:Condition>', 'true</xpdl:Condition>');
    expect(forged).to.not.equal(LICENCE_XPDL);
    await expectNotAuthorised(tax, fire, { kind: 'publish', itemId: randomUUID(), caseId: 'package:business_licence_package', packageId: 'business_licence_package', source: forged },
      /would replace process "business_licence", which department market defined; only market publishes new versions/);
  });

  it('a Publish of a package the receiver takes no part in is refused', async () => {
    const alone = LICENCE_XPDL.replace(/<xpdl:Performer>fire<\/xpdl:Performer>/g, '<xpdl:Performer>tax</xpdl:Performer>').replace(/Id="business_licence_package"/, 'Id="tax_only_package"');
    await expectNotAuthorised(tax, fire, { kind: 'publish', itemId: randomUUID(), caseId: 'package:tax_only_package', packageId: 'tax_only_package', source: alone },
      /department fire takes no part in package tax_only_package/);
  });

  it('a brand-new process published by tax into market is held for an administrator, not installed', async () => {
    // Only the express process, renamed: nothing in it replaces a process market already has.
    const brandNew = LICENCE_XPDL.replace(/<xpdl:WorkflowProcess Id="business_licence" [\s\S]*?(?=<xpdl:WorkflowProcess Id="business_licence_express")/, '')
      .replace('Id="business_licence_express" Name="Business licence (express, automatic)"', 'Id="tax_fast_track" Name="Fast track"')
      .replace('Id="business_licence_package"', 'Id="tax_fast_track_package"');
    expect(brandNew).to.not.include('WorkflowProcess Id="fire_inspection"');
    const before = (await market.engine.listDefinitions()).map((d) => d.processId);
    const itemId = randomUUID();
    const [ack] = await send(tax, market, [{ kind: 'publish', itemId, caseId: 'package:tax_fast_track_package', packageId: 'tax_fast_track_package', source: brandNew }]);
    expect(ack.status).to.equal('accepted');
    expect(ack.reason).to.match(/held for an administrator of department market/);
    expect((await market.engine.listDefinitions()).map((d) => d.processId)).to.deep.equal(before, 'nothing installed');
    const held = await market.federation!.heldPackages.list({ state: 'held' });
    expect(held.map((h) => [h.id, h.sender, h.packageId])).to.deep.include([itemId, 'tax', 'tax_fast_track_package']);
  });

  it('regression: the home handing over the same activity instance again under a second item id got a second performing instance; the signed Deliver gets a duplicate ack', async () => {
    const row = (await market.engine.outbox({ instanceId: caseId })).filter(outboxKind('transfer')).find((m) => m.payload.activityId === 'inspect_premises')!;
    const p = row.payload;
    const item: TransferItem = {
      kind: 'hand-over', itemId: randomUUID(), caseId, home: 'market', processId: String(p.processId), version: Number(p.version), contentHash: String(p.contentHash),
      activityId: 'inspect_premises', activityInstanceId: inspectInstance, data: Object.fromEntries(Object.entries(p.data as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
    };
    const performing = async () => (await fire.engine.listInstances({ homeDepartment: 'market', homeInstanceId: caseId })).items.map((i) => i.id);
    expect(await performing()).to.have.length(1);
    const before = await snapshot();
    const [ack] = await send(market, fire, [item]);
    expect(ack).to.include({ itemId: item.itemId, status: 'duplicate' });
    expect(ack.reason).to.match(new RegExp(`activity instance ${inspectInstance} \\(inspect_premises\\) of case ${caseId} from market was taken before under another item id`));
    expect(await snapshot()).to.deep.equal(before, 'no second performing instance, no second work item');
    expect(await performing()).to.have.length(1);
    const logged = (await fire.federation!.messageLog.trace(caseId)).find((t) => t.itemId === item.itemId);
    expect(logged, "in fire's message log").to.include({ outcome: 'duplicate', from: 'market' });
    expect(fire.logs.lines.some((l) => l.msg === 'transfer hand-over duplicate of an activity instance taken before' && l.itemId === item.itemId && l.level === 40)).to.equal(true, 'and a warning in its log');
  });

  it('data minimisation: each department received only the fields its activity reads', async () => {
    const performing = await waitFor(async () => (await fire.engine.listInstances({ limit: 100 })).items.find((i) => i.processId === 'fire_inspection'), 'fire inspection instance');
    expect(Object.keys(performing.data).filter((k) => performing.data[k] !== null && performing.data[k] !== undefined && performing.data[k] !== '' && performing.data[k] !== false).sort())
      .to.deep.equal(['address', 'visitScheduled'], 'fire holds the address (and what it computed itself), never the applicant, business name or review');
    const taxCase = (await tax.engine.listInstances({ limit: 100 })).items.find((i) => i.processId === 'business_licence');
    expect(taxCase?.data).to.deep.equal({ applicantId: 'A-77', taxpayerId: 'TX-A-77' }, 'tax holds what Register taxpayer reads and writes; never the address, name or review');
    for (const d of [tax, fire]) {
      const envelopes = (await d.federation!.messageLog.envelopes(caseId)).map((m) => m.envelope).join('\n');
      expect(envelopes).to.not.include('Corner Bakery', `${d.code}'s message log never held the business name`);
    }
    const fireEnvelopes = (await fire.federation!.messageLog.envelopes(caseId)).map((m) => m.envelope).join('\n');
    expect(fireEnvelopes).to.include('5 Mill Lane').and.not.include('A-77');
  });

  it('after every refusal the licence still runs to its end with the real inspector\'s answer', async () => {
    const item = await waitFor(async () => (await fire.engine.worklist({ participants: ['inspector'] })).find((w) => w.activityId === 'visit_premises'), 'the inspection work item');
    await fire.engine.completeWorkItem(item.id, { data: { premisesSafe: true } });
    await waitFor(async () => (await market.engine.getInstance(caseId)).workItems.find((w) => w.activityId === 'approve'), 'the approval work item');
    const approving = await market.engine.getInstance(caseId);
    await market.engine.completeWorkItem(approving.workItems[0].id, { data: { approved: true } });
    const done = await closedCase(market, caseId);
    expect(done.data).to.include({ premisesSafe: true, licenceNo: 'LIC-A-77' });
  });
});

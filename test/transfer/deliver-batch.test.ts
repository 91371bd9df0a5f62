import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { signCanonical, signEnvelope } from '../../src/transfer/signing';
import { deliverContent, deliverEnvelope, TRANSFER_SERVICE_PATH, type TransferItem } from '../../src/transfer';
import { FIDELITY_VALUES } from '../services/text-fidelity';
import { TransferFederation } from './federation-support';

/**
 * A Deliver takes the items of different cases at once (their transactions share a commit) and
 * the items of one case one after another, in the order sent (bench/RESULTS.md, issue 16).
 */
describe('a Deliver of several items, taken at once', function () {
  this.timeout(60_000);
  let fed: TransferFederation;
  before(async () => {
    fed = await TransferFederation.open();
  });
  after(async () => fed?.close());

  const handOver = (caseId: string, itemId: string): Extract<TransferItem, { kind: 'hand-over' }> => ({
    kind: 'hand-over', itemId, caseId, home: 'market', processId: 'business_licence_express', version: 1,
    activityId: 'x_register_taxpayer', activityInstanceId: `${caseId}/register`, data: { applicantId: `A-${caseId.slice(0, 8)}` },
  });

  /** Signed by signEnvelope, as tools do; the department's own sender writes canonical text and signs it with signCanonical. */
  async function post(items: TransferItem[], signer: 'signEnvelope' | 'signCanonical' = 'signEnvelope'): Promise<{ status: number; body: string }> {
    const market = fed.dept('market');
    const header = { messageId: randomUUID(), sender: 'market', receiver: 'tax', sentAt: new Date() };
    const envelope = signer === 'signEnvelope' ? signEnvelope(deliverEnvelope(header, items), market.federation!.identity) : signCanonical(deliverContent(header, items), market.federation!.identity);
    const res = await fetch(fed.dept('tax').url + TRANSFER_SERVICE_PATH, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: envelope });
    return { status: res.status, body: await res.text() };
  }

  async function deliver(items: TransferItem[], signer?: 'signEnvelope' | 'signCanonical'): Promise<Array<{ itemId: string; status: string }>> {
    const { status, body } = await post(items, signer);
    expect(status, body).to.equal(200);
    return [...body.matchAll(/<tr:Ack><tr:ItemId>([^<]+)<\/tr:ItemId><tr:Status>([^<]+)<\/tr:Status>/g)].map((m) => ({ itemId: m[1], status: m[2] }));
  }

  const cases = async (c: string) => (await fed.dept('tax').engine.listInstances({ homeInstanceId: c, limit: 10 })).total;

  it('acknowledges every item in the order sent, takes each once, and the same items sent again are all duplicates', async () => {
    const ids = Array.from({ length: 8 }, () => randomUUID());
    const items = ids.map((c) => handOver(c, `${c}-1`));
    const acks = await deliver(items);
    expect(acks).to.deep.equal(items.map((i) => ({ itemId: i.itemId, status: 'accepted' })));
    for (const c of ids) expect(await cases(c), c).to.equal(1);
    // The sender's retry after a lost answer: the same items in a new message, in another order.
    const again = await deliver([...items].reverse());
    expect(again).to.deep.equal([...items].reverse().map((i) => ({ itemId: i.itemId, status: 'duplicate' })));
    for (const c of ids) expect(await cases(c), c).to.equal(1);
  });

  it('regression: a message carrying one item twice failed with an internal error after taking it (and so did every retry); it is refused up front', async () => {
    const c = randomUUID();
    const { status, body } = await post([handOver(c, `${c}-1`), handOver(c, `${c}-1`)]);
    expect(status).to.equal(500);
    expect(body).to.contain('<faultcode>soap:Client</faultcode>').and.contain('DUPLICATE_ITEM').and.match(new RegExp(`item ${c}-1 appears more than once`));
    expect(await cases(c)).to.equal(0);
    const refused = (await fed.dept('tax').store.dataSource.query(`SELECT reason FROM if_message WHERE direction = 'refused'`)) as Array<{ reason: string }>;
    expect(refused.map((r) => r.reason).join('\n')).to.contain(`item ${c}-1 appears more than once`);
  });

  it('regression: one activity instance under two item ids in one Deliver made two performing instances; the second item is a duplicate', async () => {
    const c = randomUUID();
    const acks = await deliver([handOver(c, `${c}-1`), handOver(c, `${c}-2`)]);
    expect(acks).to.deep.equal([{ itemId: `${c}-1`, status: 'accepted' }, { itemId: `${c}-2`, status: 'duplicate' }]);
    expect(await cases(c)).to.equal(1);
  });

  it('regression: data values lost their leading and trailing spaces and line breaks on the way (the signed parts were read with a trimming parser)', async () => {
    const c = randomUUID();
    const value = '  A-1, Rue de la Paix\r\n  second line\n\t';
    const [ack] = await deliver([{ ...handOver(c, `${c}-1`), data: { applicantId: value } }]);
    expect(ack.status).to.equal('accepted');
    const [performing] = (await fed.dept('tax').engine.listInstances({ homeInstanceId: c, limit: 1 })).items;
    expect((await fed.dept('tax').engine.getInstance(performing.id)).data.applicantId).to.equal(value);
  });

  for (const signer of ['signEnvelope', 'signCanonical'] as const) {
    it(`regression: U+0085 and U+2028 in data values arrived as line feeds (the signer wrote them so, or parsed them so); signed by ${signer}, every value arrives exactly`, async () => {
      const sent = Object.entries(FIDELITY_VALUES).map(([key, value]) => {
        const c = randomUUID();
        return { key, value, c, item: { ...handOver(c, `${c}-1`), data: { applicantId: value } } };
      });
      const acks = await deliver(sent.map((s) => s.item), signer);
      expect(acks.map((a) => a.status)).to.deep.equal(sent.map(() => 'accepted'));
      for (const { key, value, c } of sent) {
        const [performing] = (await fed.dept('tax').engine.listInstances({ homeInstanceId: c, limit: 1 })).items;
        expect((await fed.dept('tax').engine.getInstance(performing.id)).data.applicantId, key).to.equal(value);
      }
    });
  }

  it('regression: a Sender with spaces around it verified as the trimmed department but was taken as written; the Sender must be exactly the department whose key verified', async () => {
    const c = randomUUID();
    const envelope = signEnvelope(deliverEnvelope({ messageId: randomUUID(), sender: ' market\n', receiver: 'tax', sentAt: new Date() }, [{ ...handOver(c, `${c}-1`), home: ' market\n' }]), fed.dept('market').federation!.identity);
    const res = await fetch(fed.dept('tax').url + TRANSFER_SERVICE_PATH, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: envelope });
    const body = await res.text();
    expect(res.status).to.equal(500);
    expect(body).to.contain('SIGNATURE_BAD_SIGNATURE').and.contain('is not exactly &quot;market&quot;');
    expect(await cases(c)).to.equal(0);
  });
});

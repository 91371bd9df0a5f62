import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningIdentity, signEnvelope } from '../../src/transfer/signing';
import { deliverEnvelope, TRANSFER_SERVICE_PATH, verifyCaseMessages } from '../../src/transfer';
import { closedCase, TransferFederation } from './federation-support';
import { transfersRefused } from '../../src/monitoring';
import { waitFor } from '../support/wait-for';

/**
 * Messages between departments that are not what they claim: each is refused with a fault,
 * logged, and changes nothing at the receiver.
 */
describe('cross-department transfer: tampered, replayed and foreign messages change nothing', function () {
  this.timeout(60_000);
  let fed: TransferFederation;
  let original = '';
  let caseId = '';

  before(async () => {
    fed = await TransferFederation.open();
    const market = fed.dept('market');
    const c = await market.engine.startProcess('business_licence_express', { data: { applicantId: 'S-1', businessName: 'Shop', address: '3 Side St' } });
    caseId = c.id;
    await closedCase(market, c.id);
    // The case can close (tax's result came back) a moment before market logged the hand-over it sent.
    original = await waitFor(async () => (await market.federation!.messageLog.envelopes(c.id)).find((m) => m.direction === 'out' && m.envelope.includes('x_register_taxpayer'))?.envelope, 'market to log its hand-over to tax');
  });
  after(async () => fed?.close());

  async function postToTax(envelope: string) {
    const res = await fetch(fed.dept('tax').url + TRANSFER_SERVICE_PATH, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: envelope });
    return { status: res.status, body: await res.text() };
  }

  async function taxState() {
    const tax = fed.dept('tax');
    const instances = (await tax.engine.listInstances({ limit: 1000 })).total;
    const log = await tax.federation!.messageLog.trace(caseId);
    return { instances, accepted: log.filter((t) => t.direction === 'in').length };
  }

  async function expectRefused(envelope: string, code: RegExp, message: RegExp) {
    const before = await taxState();
    const res = await postToTax(envelope);
    expect(res.status).to.equal(500, 'a SOAP 1.1 fault');
    // WSS 1.1 §12: a refused signature's faultcode is a wsse code, its namespace declared on it
    expect(res.body).to.match(/<faultcode xmlns:wsse="http:\/\/docs\.oasis-open\.org\/wss\/2004\/01\/oasis-200401-wss-wssecurity-secext-1\.0\.xsd">wsse:(?:InvalidSecurity|FailedCheck|SecurityTokenUnavailable|MessageExpired)<\/faultcode>/).and.match(message);
    expect(res.body).to.match(code);
    expect(res.body).to.not.match(/\n\s+at /, 'no stack trace');
    expect(await taxState()).to.deep.equal(before, 'nothing changed at the receiver');
  }

  it('a tampered Body is refused (bad signature)', async () => {
    const tampered = original.replace('<tr:Name>applicantId</tr:Name><tr:Value>S-1</tr:Value>', '<tr:Name>applicantId</tr:Name><tr:Value>EVIL</tr:Value>');
    expect(tampered).to.not.equal(original);
    await expectRefused(tampered, /SIGNATURE_BAD_SIGNATURE/, /Transfer refused/);
  });

  it('a replayed message is refused (the same signature seen within the window), and counted as refused', async () => {
    const replays = async () => (await transfersRefused.get()).values.find((v) => v.labels.direction === 'in' && v.labels.reason === 'replay')?.value ?? 0;
    const before = await replays();
    await expectRefused(original, /SIGNATURE_REPLAY/, /replay/i);
    expect(await replays()).to.equal(before + 1);
  });

  it('an unsigned message is refused', async () => {
    const unsigned = deliverEnvelope({ messageId: 'm-unsigned', sender: 'market', receiver: 'tax', sentAt: new Date() }, []);
    await expectRefused(unsigned, /SIGNATURE_UNSIGNED/, /Transfer refused/);
  });

  it('a message signed by a department the registry does not know is refused', async () => {
    const intruder = await loadSigningIdentity({ dataDir: mkdtempSync(join(tmpdir(), 'intruder-')), department: 'intruder' });
    const forged = signEnvelope(deliverEnvelope({ messageId: 'm-intruder', sender: 'intruder', receiver: 'tax', sentAt: new Date() }, [
      { kind: 'hand-over', itemId: 'x1', caseId: 'c-x', home: 'intruder', processId: 'business_licence_express', version: 1, activityId: 'x_register_taxpayer', activityInstanceId: 'c-x/a1', data: { applicantId: 'X' } },
    ]), intruder);
    await expectRefused(forged, /SIGNATURE_UNKNOWN_SENDER/, /Transfer refused/);
  });

  it("a message signed with a participant's name but someone else's key is refused", async () => {
    const impostor = await loadSigningIdentity({ dataDir: mkdtempSync(join(tmpdir(), 'impostor-')), department: 'market' });
    const forged = signEnvelope(deliverEnvelope({ messageId: 'm-impostor', sender: 'market', receiver: 'tax', sentAt: new Date() }, [
      { kind: 'hand-over', itemId: 'x2', caseId: 'c-y', home: 'market', processId: 'business_licence_express', version: 1, activityId: 'x_register_taxpayer', activityInstanceId: 'c-y/a1', data: { applicantId: 'Y' } },
    ]), impostor);
    await expectRefused(forged, /SIGNATURE_BAD_SIGNATURE/, /Transfer refused/);
  });

  it('logs every refusal with its reason, and the case exchange still verifies afterwards', async () => {
    const tax = fed.dept('tax');
    const checks = await verifyCaseMessages(tax.federation!.messageLog, tax.federation!.directory, caseId);
    expect(checks.length).to.be.greaterThan(0);
    expect(checks.every((c) => c.ok), JSON.stringify(checks)).to.equal(true);
    const refused = await tax.store.dataSource.query(`SELECT reason FROM if_message WHERE direction = 'refused'`) as Array<{ reason: string }>;
    expect(refused.map((r) => r.reason).join('\n')).to.match(/bad-signature/).and.match(/replay/).and.match(/unsigned/).and.match(/unknown-sender/);
  });
});

describe('cross-department transfer: relayed through the hub', function () {
  this.timeout(60_000);
  let fed: TransferFederation;
  before(async () => {
    fed = await TransferFederation.open(['market', 'tax', 'fire'], { routing: { market: 'relay', tax: 'relay', fire: 'relay' } });
  });
  after(async () => fed?.close());

  it('completes cases with every message passing the hub, which logs them', async () => {
    const market = fed.dept('market');
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await market.engine.startProcess('business_licence_express', { data: { applicantId: `R-${i}`, businessName: 'Relay shop', address: `${i} Hub St` } })).id);
    for (const id of ids) expect((await closedCase(market, id)).data.licenceNo).to.equal(`LIC-R-${ids.indexOf(id)}`);
    const relayed = await waitFor(async () => {
      const rows = await fed.store.dataSource.query(`SELECT sender, receiver FROM if_message WHERE direction = 'relay'`) as Array<{ sender: string; receiver: string }>;
      return rows.length >= 4 ? rows : undefined;
    }, 'the hub to log relayed messages');
    const pairs = new Set(relayed.map((r) => `${r.sender}->${r.receiver}`));
    expect([...pairs]).to.include.members(['market->tax', 'market->fire', 'tax->market', 'fire->market']);
  });
});

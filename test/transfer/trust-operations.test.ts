import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { importXpdl } from '../../src/xpdl';
import { outboxKind } from '../../src/engine';
import { loadSigningIdentity, signEnvelope } from '../../src/transfer/signing';
import { deliverEnvelope, TRANSFER_SERVICE_PATH, verifyCaseMessages } from '../../src/transfer';
import { closedCase, LICENCE_XPDL, storeUrls, TransferFederation, type Department } from './federation-support';
import { waitFor } from '../support/wait-for';

/** A package market defines and publishes: the licence under new ids, so nobody owns it yet. */
const MARKET_XPDL = LICENCE_XPDL.replace(/business_licence/g, 'market_licence').replace(/fire_inspection/g, 'market_fire_check');

/**
 * What operators see of trust between agencies, over real servers: packages held for an
 * administrator and approved with the CLI, refusals in the message log in words, and
 * `trace --verify` re-checking that each accepted result came from the department it was handed to.
 */
describe('cross-department transfer: held packages, refusals and evidence for operators', function () {
  this.timeout(90_000);
  let fed: TransferFederation;
  let caseId = '';
  const saved = { ...process.env };

  before(async () => {
    fed = await TransferFederation.open();
    const market = fed.dept('market');
    caseId = (await market.engine.startProcess('business_licence_express', { data: { applicantId: 'T-1', businessName: 'Trusty', address: '1 Proof Rd' } })).id;
    await closedCase(market, caseId);
  });
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  after(async () => fed?.close());

  async function cli(d: Department, ...args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await main(['node', 'interflow', '--db', storeUrls.get(d.store)!, '--department', d.code, ...args], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
    return { code, stdout, stderr };
  }

  /** `trace --verify` takes certificates from the registry, as an operator's shell would. */
  function useRegistry() {
    process.env.INTERFLOW_REGISTRY_URL = fed.url;
    process.env.INTERFLOW_FEDERATION_DOMAIN = fed.keys.domain;
  }

  it('holds a package from a department not in INSTALL_FROM until an administrator approves it; then its cases run', async () => {
    const market = fed.dept('market');
    const tax = fed.dept('tax');
    await market.engine.deploy(importXpdl(MARKET_XPDL), { source: MARKET_XPDL, publish: true });
    const held = await waitFor(async () => (await tax.federation!.heldPackages.list({ state: 'held' })).find((p) => p.packageId === 'market_licence_package'), 'tax to hold the package');
    expect((await tax.engine.listDefinitions()).some((d) => d.processId === 'market_licence'), 'nothing installed while held').to.equal(false);

    const list = await cli(tax, 'packages', 'list', '--state', 'held');
    expect(list.code).to.equal(0, list.stderr);
    expect(list.stdout).to.match(new RegExp(`${held.id}\\s+held\\s+market\\s+market_licence_package\\s+market_licence, market_fire_check, market_licence_express`));
    const shown = await cli(tax, 'packages', 'show', held.id);
    expect(shown.stdout).to.match(/from\s+market/).and.match(/department tax would perform/).and.match(/market_licence\s+register_taxpayer \(Register taxpayer\)\s+added\s+applicantId\s+taxpayerId/);
    // The receiver's log says held; the sender only learns that it was taken.
    const taxTrace = await tax.federation!.messageLog.trace('package:market_licence_package');
    expect(taxTrace.map((t) => t.outcomeText)).to.include('held');
    expect((await market.federation!.messageLog.trace('package:market_licence_package')).filter((t) => t.to === 'tax').map((t) => t.outcomeText)).to.include('accepted');

    const approved = await cli(tax, 'packages', 'approve', held.id, '--actor', 'tax-admin');
    expect(approved.code).to.equal(0, approved.stderr);
    expect(approved.stdout).to.match(/deployed\s+market_licence_express\s+version 1/);
    const fireHeld = await waitFor(async () => (await fed.dept('fire').federation!.heldPackages.list({ state: 'held' }))[0], 'fire to hold it too');
    await fed.dept('fire').federation!.heldPackages.approve(fireHeld.id, 'fire-admin');
    const c = await market.engine.startProcess('market_licence_express', { data: { applicantId: 'M-1', businessName: 'Market stall', address: '2 Square' } });
    expect((await closedCase(market, c.id)).data.licenceNo).to.equal('LIC-M-1');
  });

  it('verifies the case again at its home: every signature, and every accepted result from the department it was handed to', async () => {
    const market = fed.dept('market');
    const checks = await verifyCaseMessages(market.federation!.messageLog, market.federation!.directory, caseId, market.engine);
    const origins = checks.filter((c) => c.check === 'result-origin');
    expect(origins.length).to.be.greaterThan(0);
    expect(origins.map((o) => o.sender)).to.include('tax');
    expect(checks.every((c) => c.ok), JSON.stringify(checks)).to.equal(true);
    useRegistry();
    const trace = await cli(market, 'trace', caseId, '--verify');
    expect(trace.code).to.equal(0, trace.stderr);
    expect(trace.stdout).to.match(/verified\s+signature\s+in /).and.match(/verified\s+result origin\s+in \S+: result for activity x_register_taxpayer came from tax, to whom it was handed/);
    expect(trace.stdout).to.not.include('NOT VERIFIED');
  });

  it('refuses a result from a department the activity was not handed to, logs it as not authorised, and --verify flags a log that says otherwise', async () => {
    const market = fed.dept('market');
    const fire = fed.dept('fire');
    const toTax = (await market.engine.outbox({ instanceId: caseId })).filter(outboxKind('transfer')).find((o) => o.destination === 'tax')!;
    const envelope = signEnvelope(deliverEnvelope({ messageId: 'm-wrong-sender', sender: 'fire', receiver: 'market', sentAt: new Date() }, [
      { kind: 'result', itemId: 'wrong-1', caseId, activityInstanceId: String(toTax.payload.activityInstanceId), outcome: 'completed', data: { taxpayerId: 'FORGED' } },
    ]), fire.federation!.identity);
    const res = await fetch(market.url + TRANSFER_SERVICE_PATH, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: envelope });
    expect(res.status).to.equal(200);
    expect(await res.text()).to.match(/<tr:Status>refused<\/tr:Status>/);
    expect((await market.engine.getInstance(caseId)).data.taxpayerId).to.not.equal('FORGED');

    const trace = await cli(market, 'trace', caseId);
    expect(trace.stdout).to.match(/in\s+fire\s+market\s+result\s+refused \(not authorised\): /);
    const refused = await cli(market, 'messages', 'refused', '--since', '1h');
    expect(refused.stdout).to.match(new RegExp(`not authorised\\s+fire\\s+market\\s+result of ${caseId}`));

    // A log claiming that result was accepted (an older engine's, or a doctored one) fails verification.
    await market.store.dataSource.query(`UPDATE if_message_item SET outcome = 'accepted' WHERE item_id = 'wrong-1'`);
    const checks = await verifyCaseMessages(market.federation!.messageLog, market.federation!.directory, caseId, market.engine);
    const bad = checks.filter((c) => !c.ok);
    expect(bad).to.have.length(1);
    expect(bad[0]).to.include({ check: 'result-origin', sender: 'fire', itemId: 'wrong-1' });
    expect(bad[0].detail).to.equal('result for activity x_register_taxpayer accepted from fire, but it was handed to tax');
    useRegistry();
    const verify = await cli(market, 'trace', caseId, '--verify');
    expect(verify.code).to.equal(1);
    expect(verify.stdout).to.match(/NOT VERIFIED\s+result origin\s+in m-wrong-sender: result for activity x_register_taxpayer accepted from fire, but it was handed to tax/);
    expect(verify.stderr).to.match(/^error: 1 of \d+ checks did not verify\n$/);
  });

  it("logs what a forged message claimed, as refused (signature), in the case's trace; verification leaves it aside", async () => {
    const tax = fed.dept('tax');
    const intruder = await loadSigningIdentity({ dataDir: mkdtempSync(join(tmpdir(), 'intruder-')), department: 'market' });
    const forged = signEnvelope(deliverEnvelope({ messageId: 'm-forged', sender: 'market', receiver: 'tax', sentAt: new Date() }, [
      { kind: 'hand-over', itemId: 'forged-1', caseId, home: 'market', processId: 'business_licence_express', version: 1, activityId: 'x_register_taxpayer', activityInstanceId: `${caseId}/forged`, data: { applicantId: 'EVIL' } },
    ]), intruder);
    const res = await fetch(tax.url + TRANSFER_SERVICE_PATH, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: forged });
    expect(res.status).to.equal(500);
    const trace = await tax.federation!.messageLog.trace(caseId);
    const claimed = trace.find((t) => t.itemId === 'forged-1');
    expect(claimed).to.include({ direction: 'refused', from: 'market', outcome: 'refused-signature', outcomeText: 'refused (signature)', activityId: 'x_register_taxpayer' });
    expect(claimed!.reason).to.match(/^bad-signature: /);
    const refusals = await tax.federation!.messageLog.refusals({ since: new Date(Date.now() - 60_000) });
    expect(refusals.find((r) => r.cause === 'signature')?.items).to.deep.equal([{ itemId: 'forged-1', caseId, kind: 'hand-over', activityId: 'x_register_taxpayer' }]);
    const checks = await verifyCaseMessages(tax.federation!.messageLog, tax.federation!.directory, caseId, tax.engine);
    expect(checks.some((c) => c.messageId.startsWith('refused-')), 'refused messages are not evidence to verify').to.equal(false);
    expect(checks.every((c) => c.ok), JSON.stringify(checks)).to.equal(true);
  });
});

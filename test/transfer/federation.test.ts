import { expect } from 'chai';
import { InstanceStates } from '../../src/engine';
import { whereIs } from '../../src/transfer';
import { main } from '../../src/cli/main';
import { metricsText, transfersReceived, transfersRetried, transfersSent } from '../../src/monitoring';
import { closedCase, storeUrls, TransferFederation } from './federation-support';
import { waitFor } from '../support/wait-for';

/**
 * One business licence across three department engines (market regulation, tax, fire), over real
 * HTTP on loopback: found through the registry, every transfer signed and verified against the
 * registry's certificates, durable on both sides.
 */
describe('cross-department transfer: the business licence across three engines', function () {
  this.timeout(60_000);
  let fed: TransferFederation;

  before(async () => {
    fed = await TransferFederation.open();
  });
  after(async () => fed?.close());

  async function work(code: string, caseOrStar: string, activityId: string, data: Record<string, unknown> = {}) {
    const d = fed.dept(code);
    const item = await waitFor(() => d.item(caseOrStar, activityId), `${activityId} in the ${code} worklist`);
    return d.engine.completeWorkItem(item.id, { data, actor: `${code}-user` });
  }

  it('a definition deployed at one department was published to and installed by every participant, same content', async () => {
    const hashes = await Promise.all(['market', 'tax', 'fire'].map(async (c) => (await fed.dept(c).engine.getDefinition('business_licence')).contentHash));
    expect(new Set(hashes).size).to.equal(1);
    const installed = await fed.dept('market').engine.getDefinition('business_licence');
    expect(installed.deployedBy).to.equal('fire', 'installed from the publishing department');
    // The receiver logs a message after the transaction it caused: on MariaDB the install can be seen first.
    const marketLog = await waitFor(async () => {
      const log = await whereIs(fed.dept('market').engine, fed.dept('market').federation!.messageLog, 'package:business_licence_package');
      return log.transfers.length > 0 && log;
    }, "market's log of the publication");
    expect(marketLog.transfers.map((t) => [t.direction, t.kind, t.from, t.outcome])).to.deep.equal([['in', 'publish', 'fire', 'accepted']]);
  });

  for (const [outcome, safe, state] of [['approved', 'true', 'licenceNo'], ['rejected', 'false', 'rejectionReason']] as const) {
    it(`runs to its end when ${outcome}: AND-split to tax and fire, the fire department's own process, the join and XOR at market`, async () => {
      const market = fed.dept('market');
      const started = await market.engine.startProcess('business_licence', { data: { applicantId: `A-${outcome}` }, actor: 'legacy' });
      await work('market', started.id, 'receive_application', { businessName: 'Corner Bakery', address: '1 Main St' });
      await work('market', started.id, 'review_application', { complete: 'true' });
      // The fire department performs "Inspect premises" with its own internal process.
      await work('fire', '*', 'visit_premises', { premisesSafe: safe });
      await work('market', started.id, 'approve', { approved: 'true' });
      const done = await closedCase(market, started.id);
      expect(done.state).to.equal(InstanceStates.completed);
      expect(done.data.taxpayerId).to.equal(`TX-A-${outcome}`, 'registered by the tax bureau (automatic, on its engine)');
      expect(done.data.premisesSafe).to.equal(safe === 'true');
      expect(done.data[state]).to.be.a('string');

      const where = await whereIs(market.engine, market.federation!.messageLog, started.id);
      const handOvers = where.transfers.filter((t) => t.direction === 'out' && t.kind === 'hand-over');
      expect(handOvers.map((t) => [t.to, t.activityId, t.outcome]).sort()).to.deep.equal([['fire', 'inspect_premises', 'accepted'], ['tax', 'register_taxpayer', 'accepted']]);
      const results = where.transfers.filter((t) => t.direction === 'in' && t.kind === 'result');
      expect(results.map((t) => [t.from, t.outcome]).sort()).to.deep.equal([['fire', 'accepted'], ['tax', 'accepted']]);
      // Tax logs its result once market has acknowledged it, which may be a moment after market moved on.
      const taxSaw = await waitFor(async () => {
        const w = await whereIs(fed.dept('tax').engine, fed.dept('tax').federation!.messageLog, started.id);
        return w.transfers.length >= 2 ? w : undefined;
      }, 'the tax log to show the result it sent');
      expect(taxSaw.home).to.equal(undefined, 'tax is not the home');
      expect(taxSaw.transfers.map((t) => `${t.direction} ${t.kind} ${t.from}->${t.to}`)).to.deep.equal(['in hand-over market->tax', 'out result tax->market']);
    });
  }

  it('moves the transfer counters: hand-overs sent and results received at the home, the opposite at the performer', async () => {
    const value = async (c: typeof transfersSent, labels: Record<string, string>) => (await c.get()).values.find((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))?.value ?? 0;
    const counted = () => Promise.all([
      value(transfersSent, { peer: 'tax', kind: 'handover' }),
      value(transfersReceived, { peer: 'market', kind: 'handover' }),
      value(transfersSent, { peer: 'market', kind: 'result' }),
      value(transfersReceived, { peer: 'tax', kind: 'result' }),
    ]);
    const before = await counted();
    const retriedBefore = await value(transfersRetried, { peer: 'tax' });
    const market = fed.dept('market');
    const c = await market.engine.startProcess('business_licence_express', { data: { applicantId: 'M-1', businessName: 'Metrics', address: '2 Gauge Rd' } });
    await closedCase(market, c.id);
    // The performer counts its result as sent once market acknowledged it, a moment after the case moved on.
    const after = await waitFor(async () => {
      const now = await counted();
      return now.every((n, i) => n > before[i]!) ? now : undefined;
    }, 'every transfer counter to move');
    // Counters are per process and all three departments run in this one: tax and fire both count what they get from market.
    expect([after[0]! - before[0]!, after[3]! - before[3]!]).to.deep.equal([1, 1], 'one hand-over market→tax and one result tax→market, each counted once');
    expect(await value(transfersRetried, { peer: 'tax' })).to.equal(retriedBefore, 'nothing was retried');
    expect(await metricsText()).to.match(/^interflow_transfers_sent_total\{peer="tax",kind="handover"\} [1-9]/m);
  });

  it('interflow trace answers where a case is, at the home and at a performing department, and verifies the signatures', async () => {
    const market = fed.dept('market');
    const c = await market.engine.startProcess('business_licence_express', { data: { applicantId: 'TR-1', businessName: 'Trace', address: '9 Way' } });
    await closedCase(market, c.id);
    const run = async (code: string, ...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const exit = await main(['node', 'interflow', '--db', storeUrls.get(fed.dept(code).store)!, '--department', code, 'trace', c.id, ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
      return { exit, stdout, stderr };
    };
    const home = await run('market');
    expect(home.exit, home.stderr).to.equal(0);
    expect(home.stdout).to.match(/home market, business_licence_express v\d+, closed\.completed/)
      .and.match(/out\s+market\s+tax\s+hand-over\s+x_register_taxpayer\s+accepted/)
      .and.match(/in\s+fire\s+market\s+result\s+accepted/);
    const fire = await waitFor(async () => {
      const r = await run('fire');
      return /out\s+fire\s+market\s+result/.test(r.stdout) ? r : undefined;
    }, "fire's log of its result");
    expect(fire.stdout).to.match(/its home is another department/).and.match(/in\s+market\s+fire\s+hand-over\s+x_fire_check\s+accepted/);
    process.env.INTERFLOW_REGISTRY_URL = fed.url;
    process.env.INTERFLOW_FEDERATION_DOMAIN = 'federation.test';
    try {
      const verified = await run('market', '--verify');
      expect(verified.stdout.match(/^ {2}verified /gm)?.length ?? 0).to.be.greaterThan(1);
      expect(verified.stdout).to.not.include('NOT VERIFIED');
    } finally {
      delete process.env.INTERFLOW_REGISTRY_URL;
      delete process.env.INTERFLOW_FEDERATION_DOMAIN;
    }
  });
});

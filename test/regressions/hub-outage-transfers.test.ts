import { expect } from 'chai';
import { InstanceStates } from '../../src/engine';
import { closedCase, TransferFederation } from '../transfer/federation-support';
import { waitFor } from '../support/wait-for';

/**
 * Issue 17, "Hub outage", with real transfers: cached bindings lived only as long as their lease,
 * so hand-overs stopped once the leases lapsed during an outage; a department restarted during the
 * outage could not send anything ("nothing is cached"); after the hub returned, recovery waited for
 * registration and outbox backoffs. Here leases run 3 s ahead (refresh every second).
 */
describe('regression: transfers go on through a hub outage, across a restart, and registrations recover when it returns (issue 17)', function () {
  this.timeout(120_000);
  let fed: TransferFederation;

  before(async () => {
    fed = await TransferFederation.open(['market', 'tax', 'fire'], { refreshSeconds: 1, persistBindings: true });
  });
  after(async () => fed?.close());

  async function expressCase(tag: string) {
    const market = fed.dept('market');
    const started = await market.engine.startProcess('business_licence_express', { data: { applicantId: tag, businessName: `Shop ${tag}`, address: '3 Outage Rd' } });
    const done = await closedCase(market, started.id, 30_000);
    expect(done.state, tag).to.equal(InstanceStates.completed);
    expect(done.data.taxpayerId, `${tag}: registered by the tax bureau, across a hand-over and its result`).to.equal(`TX-${tag}`);
  }

  it('hands over past the lease while the hub is down, from a department restarted meanwhile, and recovers promptly', async () => {
    const events: string[] = [];
    await expressCase('before');
    const market = fed.dept('market');
    const tax = fed.dept('tax');
    // Every department's last registration before the outage: their leases end by then.
    const leasesEnd = Math.max(...[...fed.departments.values()].map((d) => d.registration!.status().lastSuccess!.getTime())) + 3_000;
    await fed.stopHub();
    events.push('hub down');
    await waitFor(async () => Date.now() > leasesEnd + 500 || undefined, 'every lease to lapse', 10_000);
    await expressCase('past-the-lease');
    events.push('sent past the lease');

    // Restarted in place (the same address, as INTERFLOW_PUBLIC_URL keeps it): nobody could learn a new one from a hub that is down.
    const port = Number(new URL(market.url).port);
    await market.down();
    await market.up({ waitRegistered: false, port });
    events.push('market restarted');
    await expressCase('after-restart');
    events.push('sent after the restart');
    expect(tax.registration!.status().state, 'tax keeps trying the hub').to.equal('retrying');

    await fed.startHub();
    events.push('hub back');
    await Promise.all([market.registration!.whenRegistered(), waitFor(async () => tax.registration!.status().state === 'registered' || undefined, 'tax to register again')]);
    events.push('registered again');
    await waitFor(async () => market.logs.lines.some((l) => /registry reachable again: waiting hand-overs are sent now/.test(String(l.msg))) || undefined, 'market to nudge its outbox');
    expect(events).to.deep.equal(['hub down', 'sent past the lease', 'market restarted', 'sent after the restart', 'hub back', 'registered again']);
    await expressCase('after');
  });
});

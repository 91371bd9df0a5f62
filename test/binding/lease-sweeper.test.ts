import { expect } from 'chai';
import { LeaseSweeper } from '../../src/binding';
import { Federation } from './support';

describe('lease sweeper (registry host)', function () {
  this.timeout(30_000);
  let f: Federation;

  beforeEach(async () => {
    f = await Federation.open();
    await f.publisher('planning');
  });
  afterEach(async () => {
    await f?.close();
  });

  it('withdraws the bindings of an engine that stopped refreshing long ago, keeps live ones, and the engine comes back on its own', async () => {
    const gone = await f.engine('planning', { engineId: 'gone' });
    await gone.registration.whenRegistered();
    const live = await f.engine('planning', { engineId: 'live' });
    await live.registration.whenRegistered();
    await gone.registration.stop(); // its leases end now

    const at = (seconds: number) => new LeaseSweeper({ registry: f.registry, keys: f.keys, withdrawAfterSeconds: 300, log: f.logs.logger, clock: () => new Date(Date.now() + seconds * 1000) });
    expect(await at(60).sweepOnce(), 'lapsed, but not long enough ago').to.deep.equal([]);

    const withdrawn = await at(600).sweepOnce();
    expect(withdrawn.map((w) => w.bindingKey).sort()).to.deep.equal([
      'uddi:federation.test:dept:planning:factory:archive_case:gone',
      'uddi:federation.test:dept:planning:factory:building_permit:gone',
      'uddi:federation.test:dept:planning:observer:gone',
      'uddi:federation.test:dept:planning:process-service:gone',
    ]);
    expect(withdrawn[0].accessPoint).to.match(new RegExp(`^${gone.url}/`));
    const line = f.logs.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('withdrew binding'));
    expect(line?.msg).to.match(/its lease lapsed at .* and its engine has not refreshed since/);

    const [b] = await f.registry.getBusinessDetail([f.keys.department('planning')]);
    const keys = b.businessServices.flatMap((s) => s.bindingTemplates.map((t) => t.bindingKey));
    expect(keys.every((k) => k!.endsWith(':live'))).to.equal(true);
    expect(keys).to.have.length(4);

    // The engine returns: its next registration saves the bindings again under the same keys.
    await gone.registration.registerOnce();
    const [again] = await f.registry.getBusinessDetail([f.keys.department('planning')]);
    expect(again.businessServices.flatMap((s) => s.bindingTemplates)).to.have.length(8);
  });
});

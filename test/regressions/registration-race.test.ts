import { expect } from 'chai';
import { Federation } from '../binding/support';

/**
 * Issue 17, "Registration race": two replicas of one department registering at the same moment
 * each read the businessEntity and saved it whole, so one replica's bindings disappeared until its
 * next lease refresh (5 of 8 rounds). Now a registration saves its own bindings again with
 * save_binding once the save_business of a concurrent replica has had time to land, so both
 * replicas' bindings are there when both registrations have settled, in every round.
 */
describe('regression: two replicas registering at once keep both bindings (issue 17)', function () {
  this.timeout(120_000);
  let f: Federation;

  before(async () => {
    f = await Federation.open();
    await f.publisher('environment');
  });
  after(async () => {
    await f?.close();
  });

  it('in each of 12 rounds, every service holds the bindings of both replicas once both registrations have settled', async () => {
    const a = await f.engine('environment', { engineId: 'a', start: false, registration: { settleMs: 300 } });
    const b = await f.engine('environment', { engineId: 'b', start: false, store: a.store, registration: { settleMs: 300 } });
    for (let round = 0; round < 12; round++) {
      // Alternate who starts first, and start from nothing every other round.
      if (round % 2 === 0) {
        const token = await f.registry.getAuthToken('environment', 'environment-secret-password');
        await f.registry.deleteBusiness(token, [f.keys.department('environment')]).catch(() => undefined);
      }
      const [first, second] = round % 4 < 2 ? [a, b] : [b, a];
      await Promise.all([first.registration.registerOnce(first.url), second.registration.registerOnce(second.url)]);
      await Promise.all([a.registration.settled(), b.registration.settled()]);
      const [business] = await f.registry.getBusinessDetail([f.keys.department('environment')]);
      for (const service of business!.businessServices) {
        const engines = service.bindingTemplates.map((t) => t.bindingKey!.split(':').pop()).sort();
        expect(engines, `round ${round}: bindings of ${service.serviceKey}`).to.deep.equal(['a', 'b']);
      }
    }
  });
});

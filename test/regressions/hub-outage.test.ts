import { expect } from 'chai';
import { Binder, BindingError, type BindingTarget, type Endpoint } from '../../src/binding';
import { bindingsCheck } from '../../src/monitoring';
import { SharedState } from '../../src/persistence/shared-state';
import { Federation, type DepartmentEngine } from '../binding/support';
import { waitFor } from '../support/wait-for';

const PS_LIST = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ps:ListProcessDefinitions xmlns:ps="urn:interflow:process-service:1"/></soap:Body></soap:Envelope>`;
const PLANNING_PS: BindingTarget = { department: 'planning', service: 'ProcessService' };

/** A real call on the bound engine; connection errors propagate from fetch (endpoint failures). */
async function call(endpoint: Endpoint): Promise<string> {
  const res = await fetch(endpoint.url, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: PS_LIST });
  await res.text();
  if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
  return endpoint.url;
}

/**
 * Issue 17, "Routing to replicas" and "Hub outage": all work went to the replica the registry
 * listed first; cached bindings lived only as long as their lease, so transfers stopped 73 s into
 * a 120 s hub outage; a department restarted during the outage had nothing cached; recovery waited
 * for registration backoffs of up to 30 s.
 */
describe('regression: replicas share the work, and a hub outage stops nobody (issue 17)', function () {
  this.timeout(60_000);
  let f: Federation;
  let e1: DepartmentEngine;
  let e2: DepartmentEngine;

  beforeEach(async () => {
    f = await Federation.open();
    await f.publisher('planning');
    e1 = await f.engine('planning', { engineId: 'e1' });
    e2 = await f.engine('planning', { engineId: 'e2' });
    await Promise.all([e1.registration.whenRegistered(), e2.registration.whenRegistered()]);
    // Registered at the same moment: each saves its own bindings again once the other's save landed.
    await Promise.all([e1.registration.settled(), e2.registration.settled()]);
  });
  afterEach(async () => {
    await f?.close();
  });

  it('calls to a department are spread over its live replicas in turn, and a failed one is skipped', async () => {
    const b = new Binder({ registry: f.client(), keys: f.keys, cacheTtlSeconds: 3600, log: f.logs.logger });
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) seen.push(await b.invoke(PLANNING_PS, call));
    const count = (e: DepartmentEngine) => seen.filter((u) => u.startsWith(e.url)).length;
    expect([count(e1), count(e2)]).to.deep.equal([5, 5]);
    await e2.crash();
    const after: string[] = [];
    for (let i = 0; i < 4; i++) after.push(await b.invoke(PLANNING_PS, call));
    expect(after.every((u) => u.startsWith(e1.url)), after.join()).to.equal(true);
    expect(b.stats.failovers, 'the dead replica is tried once, then kept behind').to.equal(1);
  });

  it('with the hub down, sends go on past the lease, a restarted department sends from the persisted bindings, and leases judge again once it is back', async () => {
    const snapshots = new SharedState(f.store);
    let offsetMs = 0;
    const clock = () => new Date(Date.now() + offsetMs);
    const registry = f.client();
    const binderOf = () => new Binder({ registry, keys: f.keys, cacheTtlSeconds: 0, registryRetrySeconds: 0, snapshots, clock, log: f.logs.logger });
    const before = binderOf();
    expect(await before.invoke(PLANNING_PS, call)).to.match(/ProcessService$/);
    await waitFor(async () => (await snapshots.loadSnapshot('department:planning')) !== undefined, 'the department entry persisted');

    const hubPort = Number(new URL(f.url).port);
    await f.stopHub();
    // Hours later by the binder's clock: every lease (three refresh intervals) has lapsed, as it
    // would in a long outage, because no engine can renew its lease at a hub that is down.
    offsetMs = 4 * 3600_000;
    expect(await before.invoke(PLANNING_PS, call), 'the running department still sends').to.match(/ProcessService$/);
    expect(before.health().registryUnreachableSince).to.be.instanceOf(Date);

    const restarted = binderOf();
    expect(await restarted.invoke(PLANNING_PS, call), 'a department restarted during the outage sends from its database').to.match(/ProcessService$/);
    expect(restarted.health().fromSnapshots).to.equal(1);
    const check = bindingsCheck(restarted);
    let message = '';
    await check.check().catch((e: Error) => (message = e.message));
    expect(message, '/ready says why it is degraded').to.match(/registry has been unreachable since .*sending with the last known good bindings, 1 of them read back from the database/);
    expect(check.degradedOnly).to.equal(true);

    await f.startHub(hubPort);
    // The hub answers again: lapsed leases count again (these engines are not refreshing by the
    // binder's clock), so nothing is chosen; the outage state is over.
    const err = await restarted.invoke(PLANNING_PS, call).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(BindingError);
    expect((err as BindingError).code).to.equal('NO_ENDPOINT');
    expect(restarted.health().registryUnreachableSince).to.equal(undefined);
    await check.check();
    offsetMs = 0;
    expect(await restarted.invoke(PLANNING_PS, call)).to.match(/ProcessService$/);
  });

  it('a registration failing while the hub is down retries on a short cap, and recovers (then nudges the outbox) as soon as it returns', async () => {
    const hubUrl = f.url;
    const hubPort = Number(new URL(hubUrl).port);
    await f.stopHub();
    const events: string[] = [];
    const late = await f.engine('planning', {
      engineId: 'late',
      registryUrl: hubUrl,
      deploy: false,
      store: e1.store,
      registration: { refreshSeconds: 60, unreachableRetryMaxMs: 200, onRegistryBack: () => events.push('registry back') },
    });
    await waitFor(() => late.registration.status().consecutiveFailures >= 4, 'four failed attempts', 20_000);
    events.push('hub restarting');
    const status = late.registration.status();
    expect(status.state).to.equal('retrying');
    expect(status.nextAttemptInMs, 'capped far below the 60 s refresh while the hub is unreachable').to.be.at.most(200);
    await f.startHub(hubPort);
    await late.registration.whenRegistered();
    await waitFor(() => events.includes('registry back'), 'the registry-back hook');
    expect(events).to.deep.equal(['hub restarting', 'registry back']);
    expect(late.registration.status().state).to.equal('registered');
  });
});

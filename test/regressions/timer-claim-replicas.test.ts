import { expect } from 'chai';
import { WorkflowEngine, ManualClock, type Store } from '../../src/engine';
import { openStore } from '../../src/persistence';
import { createTypeormTestStore, testDatabaseConfig, testDatabaseKind } from '../support/test-store';
import { end, flow, manual, pkg, process, start } from '../support/definition-builder';

/**
 * Issue 11, "Two replicas of one department": both read the due timers without claiming them and
 * fireTimer did not check the row was still there, so a non-interrupting deadline fired twice in
 * 185 of 200 cases. Two engines on one database (MariaDB with INTERFLOW_TEST_DB, else one SQLite
 * file) now fire every deadline exactly once.
 */
describe(`regression: two engines on one ${testDatabaseKind()} database fire each timer once (issue 11)`, () => {
  const cases = testDatabaseKind() === 'mysql' ? 200 : 60;
  let storeA: Store;
  let storeB: Store;

  before(async () => {
    const config = testDatabaseConfig();
    storeA = await createTypeormTestStore(config);
    storeB = await openStore(config, { migrate: true, allowMemory: true });
  });
  after(async () => {
    await storeA?.close();
    await storeB?.close();
  });

  it(`a non-interrupting deadline fires once in each of ${cases} cases`, async function () {
    this.timeout(120_000);
    const t0 = Date.UTC(2026, 11, 1, 9, 0, 0);
    const clockA = new ManualClock(t0);
    const clockB = new ManualClock(t0);
    const a = new WorkflowEngine({ store: storeA, clock: clockA });
    const b = new WorkflowEngine({ store: storeB, clock: clockB });
    await a.deploy(pkg(process('replica_remind', {
      activities: [
        start(),
        manual('review', 'reviewer', { deadlines: [{ duration: '60000', exceptionName: 'remind', synchronous: false }] }),
        manual('reminder', 'boss'),
        end(),
        end('reminded'),
      ],
      transitions: [flow('start', 'review'), flow('review', 'end'), flow('review', 'reminder', 'exception:remind'), flow('reminder', 'reminded')],
    })));
    const ids: string[] = [];
    for (let i = 0; i < cases; i++) ids.push((await a.startProcess('replica_remind')).id);
    clockA.advance(61_000);
    clockB.advance(61_000);
    const drain = async (engine: WorkflowEngine) => {
      let total = 0;
      for (let n = await engine.fireDueTimers(25); n > 0; n = await engine.fireDueTimers(25)) total += n;
      return total;
    };
    const [firedA, firedB] = await Promise.all([drain(a), drain(b)]);
    expect(firedA + firedB).to.equal(cases);
    for (const id of ids) {
      const passed = (await a.history(id)).filter((h) => h.type === 'deadline.passed');
      expect(passed, `deadline events of ${id}`).to.have.length(1);
      const items = await a.worklist({ instanceId: id });
      expect(items.map((i) => i.activityId).sort(), `open work of ${id}`).to.deep.equal(['reminder', 'review']);
    }
    // Nothing is left to fire twice.
    expect(await a.fireDueTimers()).to.equal(0);
    expect(await b.fireDueTimers()).to.equal(0);
  });

  it('a timer claimed by an engine that died is fired by the other after the lease', async () => {
    const t0 = Date.UTC(2026, 11, 2, 9, 0, 0);
    const clock = new ManualClock(t0);
    const a = new WorkflowEngine({ store: storeA, clock });
    const b = new WorkflowEngine({ store: storeB, clock });
    await a.deploy(pkg(process('replica_lease', {
      activities: [start(), manual('review', 'reviewer', { deadlines: [{ duration: '1000', exceptionName: 'late', synchronous: true }] }), manual('late', 'boss'), end()],
      transitions: [flow('start', 'review'), flow('review', 'end'), flow('review', 'late', 'exception:late'), flow('late', 'end')],
    })));
    const c = await a.startProcess('replica_lease');
    clock.advance(2_000);
    // Engine A claims the timer and "dies" before firing it.
    const claimed = await storeA.transaction((tx) => tx.claimDueTimers(clock.now(), 10, 60_000));
    expect(claimed.map((t) => t.instanceId)).to.include(c.id);
    expect(await b.fireDueTimers()).to.equal(0);
    clock.advance(61_000);
    expect(await b.fireDueTimers()).to.equal(1);
    expect((await b.getInstance(c.id)).openActivities.map((x) => x.activityId)).to.deep.equal(['late']);
  });
});

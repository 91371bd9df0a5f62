import { expect } from 'chai';
import { openStore, type TypeormStore } from '../../src/persistence';
import { SharedState } from '../../src/persistence/shared-state';
import { createTypeormTestStore, testDatabaseConfig, testDatabaseKind } from '../support/test-store';

/** The shared-state tables replicas of one department use (docs/operations.md), on two stores of one database. */
describe(`persistence: shared state of replicas (${testDatabaseKind()})`, () => {
  let a: TypeormStore;
  let b: TypeormStore;
  let sa: SharedState;
  let sb: SharedState;

  before(async () => {
    const db = testDatabaseConfig();
    a = await createTypeormTestStore(db);
    b = await openStore(db, { migrate: true, allowMemory: true });
    sa = new SharedState(a);
    sb = new SharedState(b);
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('a replay key: one winner of concurrent claims, seen while live, taken over once expired (by one replica)', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? sa : sb).claim('k1', 2_000, 1_000)));
    expect(results.filter((r) => r === 'fresh')).to.have.length(1);
    expect(await sb.claim('k1', 3_000, 1_999)).to.equal('seen');
    const later = await Promise.all([sa.claim('k1', 5_000, 2_000), sb.claim('k1', 5_000, 2_000), sa.claim('k1', 5_000, 2_000)]);
    expect(later.filter((r) => r === 'fresh'), later.join()).to.have.length(1);
    expect(await sa.claim('k1', 6_000, 4_999)).to.equal('seen');
  });

  it('failure counts add up from both replicas and start over when their window ends', async () => {
    for (let i = 0; i < 3; i++) await (i % 2 ? sa : sb).countFailure(['u\u0000x'], 10_000 + i, 60_000);
    expect((await sb.failures(['u\u0000x', 'a\u0000y'], 10_000 - 60_000)).get('u\u0000x')).to.deep.equal({ count: 3, since: 10_000 });
    await sa.countFailure(['u\u0000x'], 70_000, 60_000);
    expect((await sb.failures(['u\u0000x'], 70_000 - 60_000)).get('u\u0000x')).to.deep.equal({ count: 1, since: 70_000 });
    expect((await sb.failures(['u\u0000x'], 70_000)).size, 'a window that started at or before windowStart is over').to.equal(0);
  });

  it('outbox rows waiting out a backoff become due now, and are claimable at once (the hub came back)', async () => {
    const now = new Date();
    const later = new Date(now.getTime() + 60_000);
    await a.transaction((tx) =>
      tx.enqueueOutbox([
        { id: 'waiting-1', instanceId: 'case-1', kind: 'publish', destination: 'tax', payload: { packageId: 'p', source: '<Package/>', publisher: null }, state: 'pending', attempts: 3, nextAttemptAt: later, createdAt: now },
        { id: 'due-1', instanceId: 'case-1', kind: 'publish', destination: 'tax', payload: { packageId: 'p', source: '<Package/>', publisher: null }, state: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now },
      ]),
    );
    expect((await a.transaction((tx) => tx.claimOutbox(10, now, 1_000))).map((r) => r.id)).to.deep.equal(['due-1']);
    expect(await sb.outboxDueNow(now)).to.equal(1);
    expect((await a.transaction((tx) => tx.claimOutbox(10, now, 1_000))).map((r) => r.id)).to.deep.equal(['waiting-1']);
  });

  it('a binding snapshot is saved over and read back by another replica', async () => {
    await sa.saveSnapshot('department:tax', '{"v":1}', 1_000);
    await sa.saveSnapshot('department:tax', '{"v":2}', 2_000);
    expect(await sb.loadSnapshot('department:tax')).to.deep.equal({ doc: '{"v":2}', fetchedAt: 2_000 });
    expect(await sb.loadSnapshot('department:fire')).to.equal(undefined);
  });
});

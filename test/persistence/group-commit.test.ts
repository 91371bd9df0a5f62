import { expect } from 'chai';
import type { InstanceRecord, Store } from '../../src/engine';
import { createTestStore } from '../support/test-store';

function instance(id: string): InstanceRecord {
  const now = new Date();
  return {
    id, processId: 'p', version: 1, state: 'open.running', data: { n: 0 },
    runtime: { tokens: [], activities: [], seq: 0 }, createdAt: now, updatedAt: now, revision: 1,
  };
}

/**
 * Concurrent transactions on SQLite share one commit (group commit). Each must still behave as if
 * it ran alone: its failure undoes only its own work, and the others are kept.
 */
describe('group commit: concurrent transactions stay independent', () => {
  let store: Store;
  before(async () => { store = await createTestStore(); });
  after(async () => store.close());

  it('a failing transaction in a group rolls back only itself', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `gc-${i}`);
    const results = await Promise.allSettled(ids.map((id, i) => store.transaction(async (tx) => {
      await tx.insertInstance(instance(id));
      await tx.appendHistory([{ instanceId: id, at: new Date(), type: 'test' }]);
      if (i % 4 === 3) throw new Error(`boom ${id}`);
      return id;
    })));
    for (const [i, r] of results.entries()) {
      if (i % 4 === 3) {
        expect(r.status).to.equal('rejected');
        expect(String((r as PromiseRejectedResult).reason.message)).to.equal(`boom gc-${i}`);
      } else {
        expect(r).to.deep.equal({ status: 'fulfilled', value: `gc-${i}` });
      }
    }
    const stored = await store.read(async (tx) => Promise.all(ids.map((id) => tx.findInstance(id))));
    expect(stored.map((s) => !!s)).to.deep.equal(ids.map((_, i) => i % 4 !== 3));
    const history = await store.read((tx) => tx.listHistory('gc-3'));
    expect(history).to.have.length(0, 'the failed transaction left no history');
  });

  it('keeps serial semantics: each transaction sees the ones before it', async () => {
    await store.transaction((tx) => tx.insertInstance(instance('counter')));
    await Promise.all(Array.from({ length: 20 }, () => store.transaction(async (tx) => {
      const rec = (await tx.lockInstance('counter'))!;
      rec.data.n = (rec.data.n as number) + 1;
      rec.revision += 1;
      await tx.updateInstance(rec);
    })));
    const rec = await store.read((tx) => tx.findInstance('counter'));
    expect(rec!.data.n).to.equal(20);
  });
});

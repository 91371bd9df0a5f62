import { expect } from 'chai';
import { WorkflowEngine, ManualClock, InstanceStates, ConcurrencyError, type Store } from '../../src/engine';
import { createTestStore } from '../support/test-store';
import { MemoryStore } from '../support/memory-store';
import { end, flow, manual, pkg, process, start } from '../support/definition-builder';
import type { DefinitionRecord } from '../../src/engine';

/**
 * The in-memory Store (test/support/memory-store.ts) keeps the port's contract: the same engine
 * scenario gives the same answers on it as on SQLite, a failed transaction leaves nothing, and a
 * stale revision is refused.
 */
describe('in-memory Store for engine tests', () => {
  const stores: Array<[string, () => Promise<Store>]> = [
    ['memory', async () => new MemoryStore()],
    ['sqlite', () => createTestStore()],
  ];

  for (const [name, make] of stores) {
    it(`${name}: a case with a deadline and a loop runs to the same end`, async () => {
      const store = await make();
      try {
        const clock = new ManualClock(Date.UTC(2026, 11, 2, 9));
        const engine = new WorkflowEngine({ store, clock });
        await engine.deploy(pkg(process('memo', {
          activities: [
            start(),
            manual('draft', 'clerk', { deadlines: [{ duration: 'PT1H', exceptionName: 'late', synchronous: true }] }),
            manual('remind'),
            manual('sign', 'boss', { loop: { condition: 'rounds < 2', testBefore: false } }),
            end(),
          ],
          transitions: [flow('start', 'draft'), flow('draft', 'sign'), flow('draft', 'remind', 'exception:late'), flow('remind', 'sign'), flow('sign', 'end')],
          fields: [{ id: 'rounds', type: 'INTEGER', initialValue: '0' }],
        })));
        const inst = await engine.startProcess('memo');
        expect((await engine.timers(inst.id)).map((t) => t.kind)).to.deep.equal(['deadline']);
        clock.advance(3_600_001);
        expect(await engine.fireDueTimers()).to.equal(1);
        const items = async () => (await engine.worklist({ instanceId: inst.id })).map((i) => i.activityId);
        expect(await items()).to.deep.equal(['remind']);
        await engine.completeWorkItem((await engine.worklist({ instanceId: inst.id }))[0].id, {});
        for (const rounds of [1, 2]) {
          const [item] = await engine.worklist({ instanceId: inst.id });
          expect(item.activityId).to.equal('sign');
          await engine.completeWorkItem(item.id, { data: { rounds } });
        }
        const done = await engine.getInstance(inst.id);
        expect(done.state).to.equal(InstanceStates.completed);
        const history = await engine.history(inst.id);
        expect(history.map((h) => h.id)).to.deep.equal([...history.map((h) => h.id)].sort((a, b) => a! - b!));
        expect(history.filter((h) => h.type === 'activity.completed').map((h) => h.activityId)).to.deep.equal(['start', 'remind', 'sign', 'sign', 'end']);
        expect((await engine.listInstances({ statePrefix: 'closed.' })).total).to.equal(1);
      } finally {
        await store.close();
      }
    });
  }

  it('a failed transaction leaves nothing; a stale revision is refused', async () => {
    const store = new MemoryStore();
    const record: DefinitionRecord = {
      processId: 'p', version: 1, definition: { id: 'p', dataFields: [], participants: [], applications: [], activities: [], transitions: [] },
      contentHash: 'h', deployedAt: new Date(0),
    };
    await store.transaction(async (tx) => tx.insertDefinition(record));
    await store
      .transaction(async (tx) => {
        await tx.insertDefinition({ ...record, version: 2 });
        throw new Error('boom');
      })
      .catch((e: Error) => expect(e.message).to.equal('boom'));
    expect(await store.read((tx) => tx.listDefinitions())).to.have.length(1);
    const instance = {
      id: 'i1', processId: 'p', version: 1, state: 'open.running' as const, data: {}, runtime: { tokens: [], activities: [], seq: 0 },
      createdAt: new Date(0), updatedAt: new Date(0), revision: 1,
    };
    await store.transaction((tx) => tx.insertInstance(instance));
    await store.transaction((tx) => tx.updateInstance({ ...instance, revision: 2 }));
    let refused: unknown;
    await store.transaction((tx) => tx.updateInstance({ ...instance, revision: 2 })).catch((e) => (refused = e));
    expect(refused).to.be.instanceOf(ConcurrencyError);
    await store.close();
  });
});

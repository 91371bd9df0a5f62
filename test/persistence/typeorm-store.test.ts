import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  DefinitionRecord,
  HistoryRecord,
  InstanceRecord,
  OutboxRecord,
  TimerRecord,
  WorkItemRecord,
} from '../../src/engine/ports/records';
import { ConcurrencyError, type StoreTx } from '../../src/engine/ports/store';
import { InstanceStates } from '../../src/engine/runtime/instance-state';
import { MIGRATIONS, openStore, TypeormStore } from '../../src/persistence';
import type { DatabaseConfig } from '../../src/persistence/database-url';
import { MIGRATIONS_TABLE } from '../../src/persistence/schema-types';
import {
  createTestStore,
  createTypeormTestStore,
  testDatabaseConfig,
  testDatabaseKind,
} from '../support/test-store';

const kind = testDatabaseKind();

/** Millisecond-precise dates, to prove nothing is truncated to seconds. */
function at(offsetMs: number): Date {
  return new Date(Date.UTC(2024, 10, 21, 9, 30, 15, 123) + offsetMs);
}

function instance(id: string, overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    id,
    processId: 'p.order',
    version: 1,
    state: InstanceStates.running,
    data: { counter: 0 },
    runtime: { tokens: [], activities: [], seq: 0 },
    createdAt: at(0),
    updatedAt: at(0),
    revision: 1,
    ...overrides,
  };
}

function outbox(id: string, overrides: Partial<Omit<OutboxRecord, 'kind' | 'payload'>> = {}): OutboxRecord<'transfer'> {
  return {
    id,
    instanceId: 'i-1',
    kind: 'transfer',
    destination: 'DEPT-B',
    payload: { caseId: 'i-1', processId: 'p', version: 1, contentHash: null, home: null, activityId: id, activityInstanceId: `ai-${id}`, sender: null, data: { n: id } },
    state: 'pending',
    attempts: 0,
    nextAttemptAt: at(0),
    createdAt: at(0),
    ...overrides,
  };
}

function workItem(id: string, overrides: Partial<WorkItemRecord> = {}): WorkItemRecord {
  return {
    id,
    instanceId: 'i-1',
    activityInstanceId: 'i-1:a1',
    activityId: 'approve',
    participant: 'clerk',
    kind: 'normal',
    state: 'open',
    createdAt: at(0),
    ...overrides,
  };
}

describe(`TypeormStore on ${kind}`, function () {
  this.timeout(60_000);
  let store: TypeormStore;

  beforeEach(async () => {
    store = await createTypeormTestStore();
  });

  afterEach(async () => {
    await store.close();
  });

  describe('round trips', () => {
    it('definitions: full and minimal records, lookups and ordering', async () => {
      const full: DefinitionRecord = {
        processId: 'p.order',
        version: 1,
        packageId: 'pkg',
        name: 'Order ✓ — ünïcödé 🚀',
        definition: { id: 'p.order', activities: [{ id: 'a' }] } as unknown as DefinitionRecord['definition'],
        source: '<Package>…</Package>',
        contentHash: 'a'.repeat(64),
        deployedAt: at(1),
        deployedBy: 'admin',
      };
      const v2: DefinitionRecord = {
        processId: 'p.order',
        version: 2,
        definition: { id: 'p.order', v: 2 } as unknown as DefinitionRecord['definition'],
        contentHash: 'b'.repeat(64),
        deployedAt: at(2),
      };
      const other: DefinitionRecord = { ...v2, processId: 'a.first', version: 1 };
      await store.transaction(async (tx) => {
        await tx.insertDefinition(full);
        await tx.insertDefinition(v2);
        await tx.insertDefinition(other);
      });
      await store.read(async (tx) => {
        expect(await tx.findDefinition('p.order', 1)).to.deep.equal(full);
        expect(await tx.findDefinition('p.order')).to.deep.equal(v2);
        expect(await tx.findDefinition('p.order', 3)).to.equal(undefined);
        expect(await tx.findDefinition('nope')).to.equal(undefined);
        expect(await tx.findDefinitionByHash('p.order', 'a'.repeat(64))).to.deep.equal(full);
        expect(await tx.findDefinitionByHash('a.first', 'a'.repeat(64))).to.equal(undefined);
        const listed = await tx.listDefinitions();
        expect(listed.map((d) => `${d.processId}@${d.version}`)).to.deep.equal(['a.first@1', 'p.order@2', 'p.order@1']);
        expect(listed[2]).to.deep.equal(full);
      });
    });

    it('instances: all optional fields, none, and millisecond dates', async () => {
      const full = instance('i-full', {
        subject: 'Subject with ünïcödé 🚀',
        parentInstanceId: 'i-parent',
        parentActivityInstanceId: 'i-parent:a7',
        observer: 'https://dept-b.example/wfxml/observer?x=1',
        data: { nested: { list: [1, 'two', null, true], empty: {} }, n: 1.5 },
        runtime: {
          tokens: [{ id: 't1', arc: 'start:a', choiceGroup: 'g' }],
          activities: [{ id: 'ai1', activityId: 'a', state: 'active', iteration: 1, startedAt: at(5).toISOString() }],
          seq: 7,
        },
        completedAt: at(999),
        startedBy: 'alice',
        state: InstanceStates.completed,
      });
      const minimal = instance('i-min');
      await store.transaction(async (tx) => {
        await tx.insertInstance(full);
        await tx.insertInstance(minimal);
      });
      const [a, b] = await store.read(async (tx) => [await tx.findInstance('i-full'), await tx.findInstance('i-min')]);
      expect(a).to.deep.equal(full);
      expect(b).to.deep.equal(minimal);
      expect(b).to.not.have.property('subject');
      expect(b).to.not.have.property('completedAt');
      expect(a!.completedAt).to.be.instanceOf(Date);
      expect(a!.completedAt!.getTime()).to.equal(at(999).getTime());
      expect(await store.read((tx) => tx.findInstance('missing'))).to.equal(undefined);
    });

    it('work items: insert, then upsert by id in one batch', async () => {
      const full = workItem('w-1', {
        activityName: 'Approve order',
        department: 'DEPT-A',
        kind: 'assist',
        delegatedFrom: 'bob',
        parentWorkItemId: 'w-0',
        loopCounter: 0,
        data: { approved: true, note: 'ok' },
        completedAt: at(10),
        completedBy: 'carol',
        state: 'completed',
      });
      const minimal = workItem('w-2');
      await store.transaction((tx) => tx.saveWorkItems([full, minimal]));
      expect(await store.read((tx) => tx.findWorkItem('w-1'))).to.deep.equal(full);
      expect(await store.read((tx) => tx.findWorkItem('w-2'))).to.deep.equal(minimal);

      const changed = { ...minimal, state: 'completed' as const, completedAt: at(20), completedBy: 'dave', data: { x: 1 } };
      const added = workItem('w-3', { createdAt: at(1) });
      await store.transaction((tx) => tx.saveWorkItems([changed, added]));
      await store.read(async (tx) => {
        expect(await tx.findWorkItem('w-2')).to.deep.equal(changed);
        expect(await tx.findWorkItem('w-1')).to.deep.equal(full);
        expect(await tx.findWorkItem('w-3')).to.deep.equal(added);
        expect((await tx.listWorkItems({})).map((w) => w.id)).to.deep.equal(['w-1', 'w-2', 'w-3']);
      });
      // Clearing an optional field through an update stores NULL again.
      const { completedAt: _c, completedBy: _b, data: _d, ...reopened } = changed;
      await store.transaction((tx) => tx.saveWorkItems([{ ...reopened, state: 'open' }]));
      expect(await store.read((tx) => tx.findWorkItem('w-2'))).to.deep.equal({ ...reopened, state: 'open' });
    });

    it('history: batch append, ids assigned in order', async () => {
      const events: HistoryRecord[] = [
        { instanceId: 'i-1', at: at(0), type: 'instance.created', actor: 'alice', detail: { a: 1 } },
        { instanceId: 'i-1', at: at(1), type: 'activity.started', activityId: 'a' },
        { instanceId: 'i-2', at: at(1), type: 'instance.created' },
        { instanceId: 'i-1', at: at(2), type: 'workitem.completed', activityId: 'a', workItemId: 'w-1', actor: 'bob' },
      ];
      await store.transaction((tx) => tx.appendHistory(events));
      await store.transaction((tx) => tx.appendHistory([]));
      const listed = await store.read((tx) => tx.listHistory('i-1'));
      expect(listed.map(({ id: _id, ...rest }) => rest)).to.deep.equal([events[0], events[1], events[3]]);
      const ids = listed.map((e) => e.id!);
      ids.forEach((id) => expect(id).to.be.a('number'));
      expect([...ids].sort((x, y) => x - y)).to.deep.equal(ids);
      expect(new Set(ids).size).to.equal(3);
    });

    it('outbox: enqueue, list, sent and retry bookkeeping', async () => {
      const a = outbox('o-1', { lastError: 'earlier', sentAt: at(3), state: 'sent', attempts: 2 });
      const b = outbox('o-2', { instanceId: 'i-2', createdAt: at(1) });
      await store.transaction((tx) => tx.enqueueOutbox([a, b]));
      await store.read(async (tx) => {
        expect(await tx.listOutbox({})).to.deep.equal([a, b]);
        expect(await tx.listOutbox({ instanceId: 'i-2' })).to.deep.equal([b]);
        expect(await tx.listOutbox({ state: 'sent' })).to.deep.equal([a]);
      });

      const [claimed] = await store.transaction((tx) => tx.claimOutbox(10, at(5), 60_000));
      expect(claimed).to.deep.equal({ ...b, attempts: 1 });
      await store.transaction((tx) => tx.markOutboxRetry('o-2', 'HTTP 503', at(100), false));
      let [after] = await store.read((tx) => tx.listOutbox({ instanceId: 'i-2' }));
      expect(after).to.deep.equal({ ...b, attempts: 1, lastError: 'HTTP 503', nextAttemptAt: at(100) });
      // The retry cleared the lease: due again as soon as nextAttemptAt passes.
      expect(await store.transaction((tx) => tx.claimOutbox(10, at(99), 60_000))).to.deep.equal([]);
      expect((await store.transaction((tx) => tx.claimOutbox(10, at(100), 60_000))).map((m) => m.id)).to.deep.equal(['o-2']);

      await store.transaction((tx) => tx.markOutboxRetry('o-2', 'x'.repeat(100_000), at(200), true));
      [after] = await store.read((tx) => tx.listOutbox({ instanceId: 'i-2' }));
      expect(after.state).to.equal('dead');
      expect(after.lastError!.length).to.be.at.most(16_000);
      expect(await store.transaction((tx) => tx.claimOutbox(10, at(10_000), 60_000))).to.deep.equal([]);

      await store.transaction((tx) => tx.enqueueOutbox([outbox('o-3')]));
      await store.transaction((tx) => tx.claimOutbox(1, at(0), 1000));
      await store.transaction((tx) => tx.markOutboxSent('o-3', at(7)));
      const [sent] = await store.read((tx) => tx.listOutbox({ state: 'sent', instanceId: 'i-1' }).then((l) => l.filter((m) => m.id === 'o-3')));
      expect(sent).to.deep.equal({ ...outbox('o-3'), state: 'sent', sentAt: at(7), attempts: 1 });
    });

    it('timers: upsert, due, delete by id and by activity', async () => {
      const t1: TimerRecord = { id: 't1', instanceId: 'i-1', activityInstanceId: 'ai-1', dueAt: at(100), kind: 'timer' };
      const t2: TimerRecord = {
        id: 't2',
        instanceId: 'i-1',
        activityInstanceId: 'ai-2',
        dueAt: at(50),
        kind: 'deadline',
        exceptionName: 'Late',
        cancelsActivity: false,
      };
      const t3: TimerRecord = { ...t2, id: 't3', dueAt: at(60), cancelsActivity: true, instanceId: 'i-2' };
      await store.transaction((tx) => tx.saveTimers([t1, t2, t3]));
      await store.read(async (tx) => {
        expect(await tx.listTimers('i-1')).to.deep.equal([t2, t1]);
        expect(await tx.dueTimers(at(60), 10)).to.deep.equal([t2, t3]);
        expect(await tx.dueTimers(at(60), 1)).to.deep.equal([t2]);
        expect(await tx.dueTimers(at(49), 10)).to.deep.equal([]);
      });
      const moved = { ...t1, dueAt: at(10) };
      await store.transaction((tx) => tx.saveTimers([moved]));
      expect(await store.read((tx) => tx.dueTimers(at(10), 10))).to.deep.equal([moved]);

      await store.transaction(async (tx) => {
        await tx.deleteTimersOfActivity('ai-2');
        await tx.deleteTimers(['t3', 'does-not-exist']);
        await tx.deleteTimers([]);
      });
      expect(await store.read((tx) => tx.dueTimers(at(1_000_000), 10))).to.deep.equal([moved]);
    });
  });

  describe('queries', () => {
    it('listInstances filters, counts the total, pages newest first; countInstancesByState', async () => {
      await store.transaction(async (tx) => {
        for (let i = 0; i < 7; i += 1) {
          await tx.insertInstance(
            instance(`i-${i}`, {
              createdAt: at(i * 1000),
              processId: i % 2 === 0 ? 'p.even' : 'p.odd',
              state: i < 3 ? InstanceStates.running : i < 5 ? InstanceStates.suspended : InstanceStates.terminated,
              ...(i >= 5 ? { parentInstanceId: 'i-0' } : {}),
            }),
          );
        }
      });
      await store.read(async (tx) => {
        const all = await tx.listInstances({});
        expect(all.total).to.equal(7);
        expect(all.items.map((r) => r.id)).to.deep.equal(['i-6', 'i-5', 'i-4', 'i-3', 'i-2', 'i-1', 'i-0']);

        const page = await tx.listInstances({ offset: 2, limit: 2 });
        expect(page.total).to.equal(7);
        expect(page.items.map((r) => r.id)).to.deep.equal(['i-4', 'i-3']);
        expect((await tx.listInstances({ offset: 5 })).items.map((r) => r.id)).to.deep.equal(['i-1', 'i-0']);
        expect(await tx.listInstances({ limit: 0 })).to.deep.equal({ items: [], total: 7 });

        const even = await tx.listInstances({ processId: 'p.even', limit: 1 });
        expect(even.total).to.equal(4);
        expect(even.items.map((r) => r.id)).to.deep.equal(['i-6']);

        expect((await tx.listInstances({ state: InstanceStates.suspended })).items.map((r) => r.id)).to.deep.equal(['i-4', 'i-3']);
        expect((await tx.listInstances({ statePrefix: 'open.' })).total).to.equal(5);
        expect((await tx.listInstances({ statePrefix: 'open.notrunning' })).total).to.equal(2);
        expect((await tx.listInstances({ statePrefix: 'closed.' })).items.map((r) => r.id)).to.deep.equal(['i-6', 'i-5']);
        // Prefix matching is literal and case-sensitive on both databases.
        expect((await tx.listInstances({ statePrefix: 'OPEN.' })).total).to.equal(0);
        expect((await tx.listInstances({ statePrefix: 'open_' })).total).to.equal(0);
        expect((await tx.listInstances({ statePrefix: '%' })).total).to.equal(0);
        expect((await tx.listInstances({ parentInstanceId: 'i-0', processId: 'p.odd' })).items.map((r) => r.id)).to.deep.equal(['i-5']);

        expect(await tx.countInstancesByState()).to.deep.equal({
          [InstanceStates.running]: 3,
          [InstanceStates.suspended]: 2,
          [InstanceStates.terminated]: 2,
        });
      });
    });

    it('listWorkItems filters by participants, instance and states, in creation order', async () => {
      await store.transaction((tx) =>
        tx.saveWorkItems([
          workItem('w-a', { participant: 'clerk', createdAt: at(3) }),
          workItem('w-b', { participant: 'manager', createdAt: at(1) }),
          workItem('w-c', { participant: 'clerk', state: 'completed', createdAt: at(2), instanceId: 'i-2' }),
          workItem('w-d', { participant: 'Clerk', createdAt: at(0) }),
        ]),
      );
      await store.read(async (tx) => {
        const ids = async (f: Parameters<StoreTx['listWorkItems']>[0]) => (await tx.listWorkItems(f)).map((w) => w.id);
        expect(await ids({})).to.deep.equal(['w-d', 'w-b', 'w-c', 'w-a']);
        expect(await ids({ participants: ['clerk'] })).to.deep.equal(['w-c', 'w-a']);
        expect(await ids({ participants: ['clerk', 'manager'], states: ['open'] })).to.deep.equal(['w-b', 'w-a']);
        expect(await ids({ instanceId: 'i-2' })).to.deep.equal(['w-c']);
        expect(await ids({ participants: [] })).to.deep.equal([]);
        expect(await ids({ states: [] })).to.deep.equal([]);
        expect(await ids({ offset: 1, limit: 2 })).to.deep.equal(['w-b', 'w-c']);
      });
    });
  });

  describe('transactions and concurrency', () => {
    it('updateInstance bumps the revision and rejects a stale one with ConcurrencyError', async () => {
      await store.transaction((tx) => tx.insertInstance(instance('i-1')));
      const updated = instance('i-1', { revision: 2, data: { counter: 1 }, subject: 'now with subject', updatedAt: at(5) });
      await store.transaction((tx) => tx.updateInstance(updated));
      expect(await store.read((tx) => tx.findInstance('i-1'))).to.deep.equal(updated);

      let caught: unknown;
      try {
        await store.transaction((tx) => tx.updateInstance(instance('i-1', { revision: 2, data: { counter: 99 } })));
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(ConcurrencyError);
      expect((caught as Error).message).to.contain('i-1');
      expect(await store.read((tx) => tx.findInstance('i-1'))).to.deep.equal(updated);

      // Clearing an optional field is an update like any other.
      const { subject: _s, ...withoutSubject } = { ...updated, revision: 3 };
      await store.transaction((tx) => tx.updateInstance(withoutSubject));
      expect(await store.read((tx) => tx.findInstance('i-1'))).to.deep.equal(withoutSubject);

      const missing = store.transaction((tx) => tx.updateInstance(instance('nope', { revision: 5 })));
      await expectRejection(missing, ConcurrencyError, /nope/);
    });

    it('a throwing transaction leaves nothing behind', async () => {
      const failure = new Error('boom');
      const attempt = store.transaction(async (tx) => {
        await tx.insertInstance(instance('i-rolled-back'));
        await tx.appendHistory([{ instanceId: 'i-rolled-back', at: at(0), type: 'instance.created' }]);
        await tx.saveWorkItems([workItem('w-rb', { instanceId: 'i-rolled-back' })]);
        await tx.enqueueOutbox([outbox('o-rb', { instanceId: 'i-rolled-back' })]);
        await tx.saveTimers([{ id: 't-rb', instanceId: 'i-rolled-back', activityInstanceId: 'a', dueAt: at(0), kind: 'timer' }]);
        expect(await tx.recordInbox('m-rb', 'test', at(0))).to.equal(true);
        throw failure;
      });
      await expectRejection(attempt, Error, /boom/);
      await store.read(async (tx) => {
        expect(await tx.findInstance('i-rolled-back')).to.equal(undefined);
        expect(await tx.listHistory('i-rolled-back')).to.deep.equal([]);
        expect(await tx.findWorkItem('w-rb')).to.equal(undefined);
        expect(await tx.listOutbox({})).to.deep.equal([]);
        expect(await tx.listTimers('i-rolled-back')).to.deep.equal([]);
      });
      // The inbox entry was rolled back too, so the message counts as new again.
      expect(await store.transaction((tx) => tx.recordInbox('m-rb', 'test', at(0)))).to.equal(true);
      // And the store is usable afterwards.
      await store.transaction((tx) => tx.insertInstance(instance('i-after')));
      expect(await store.read((tx) => tx.findInstance('i-after'))).to.not.equal(undefined);
    });

    it('recordInbox is idempotent, within and across transactions and stores', async () => {
      expect(await store.transaction((tx) => tx.recordInbox('urn:uuid:1', 'DEPT-B', at(0)))).to.equal(true);
      expect(await store.transaction((tx) => tx.recordInbox('urn:uuid:1', 'DEPT-C', at(1)))).to.equal(false);
      await store.transaction(async (tx) => {
        expect(await tx.recordInbox('urn:uuid:2', 'DEPT-B', at(0))).to.equal(true);
        expect(await tx.recordInbox('urn:uuid:2', 'DEPT-B', at(0))).to.equal(false);
        // The failed duplicate did not spoil the transaction.
        await tx.insertInstance(instance('i-after-dup'));
      });
      expect(await store.read((tx) => tx.findInstance('i-after-dup'))).to.not.equal(undefined);
      // Ids differing only in case are different messages (binary collation on MySQL).
      expect(await store.transaction((tx) => tx.recordInbox('URN:UUID:1', 'DEPT-B', at(0)))).to.equal(true);

      const second = await openSecondStore(store);
      try {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 === 0 ? store : second).transaction((tx) => tx.recordInbox('urn:uuid:race', `replica-${i % 2}`, at(i))),
          ),
        );
        expect(results.filter(Boolean)).to.have.length(1);
      } finally {
        await second.close();
      }
    });

    it('two stores claiming the outbox concurrently never get the same message', async () => {
      const total = 50;
      await store.transaction((tx) =>
        tx.enqueueOutbox(Array.from({ length: total }, (_, i) => outbox(`o-${String(i).padStart(3, '0')}`, { createdAt: at(i) }))),
      );
      const second = await openSecondStore(store);
      const now = at(1_000_000);
      try {
        const claimLoop = async (s: TypeormStore): Promise<string[]> => {
          const mine: string[] = [];
          for (;;) {
            const batch = await s.transaction(async (tx) => {
              const claimed = await tx.claimOutbox(3, now, 60_000);
              // Hold the claim's locks a little while, so the other replica really runs into them.
              await new Promise((resolve) => setTimeout(resolve, 2));
              return claimed;
            });
            if (batch.length === 0) return mine;
            mine.push(...batch.map((m) => m.id));
          }
        };
        const [a, b, c, d] = await Promise.all([claimLoop(store), claimLoop(second), claimLoop(store), claimLoop(second)]);
        const all = [...a, ...b, ...c, ...d];
        expect(new Set(all).size, 'no message claimed twice').to.equal(all.length);
        expect(all.length).to.equal(total);
        expect(a.length + c.length).to.be.greaterThan(0);
        expect(b.length + d.length).to.be.greaterThan(0);
        const listed = await store.read((tx) => tx.listOutbox({}));
        expect(listed.every((m) => m.attempts === 1)).to.equal(true);
        // Leases still run: nothing to claim until they expire, then everything again.
        expect(await second.transaction((tx) => tx.claimOutbox(100, now, 60_000))).to.deep.equal([]);
        const expired = new Date(now.getTime() + 60_001);
        const reclaimed = await second.transaction((tx) => tx.claimOutbox(100, expired, 60_000));
        expect(reclaimed.map((m) => m.id)).to.deep.equal(listed.map((m) => m.id));
        expect(reclaimed.every((m) => m.attempts === 2)).to.equal(true);
      } finally {
        await second.close();
      }
    });

    it('lockInstance + updateInstance serialise concurrent increments (two stores)', async () => {
      await store.transaction((tx) => tx.insertInstance(instance('i-counter')));
      const second = await openSecondStore(store);
      const n = 24;
      try {
        await Promise.all(
          Array.from({ length: n }, (_, i) =>
            (i % 2 === 0 ? store : second).transaction(async (tx) => {
              const current = await tx.lockInstance('i-counter');
              // Yield while holding the lock, as the engine does between reading and writing.
              await new Promise((resolve) => setTimeout(resolve, 1));
              const counter = (current!.data.counter as number) + 1;
              await tx.updateInstance({ ...current!, data: { counter }, revision: current!.revision + 1 });
            }),
          ),
        );
      } finally {
        await second.close();
      }
      const final = await store.read((tx) => tx.findInstance('i-counter'));
      expect(final!.data.counter).to.equal(n);
      expect(final!.revision).to.equal(n + 1);
      expect(await store.read((tx) => tx.lockInstance('missing'))).to.equal(undefined);
    });

    it('another process contending for the same database: increments and claims stay exact', async function () {
      this.timeout(120_000);
      const messages = 60;
      const increments = 40;
      await store.transaction(async (tx) => {
        await tx.insertInstance(instance('i-counter'));
        await tx.enqueueOutbox(Array.from({ length: messages }, (_, i) => outbox(`o-${String(i).padStart(3, '0')}`, { createdAt: at(i) })));
      });
      const config = store.kind === 'sqlite' ? sqliteConfigOf(store) : testDatabaseConfig();
      const child = spawn(
        process.execPath,
        ['-r', 'tsx/cjs', path.join(__dirname, 'fixtures', 'contender.ts'), JSON.stringify(config), String(increments)],
        { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      // Start contending once the child has opened its store, so the two really overlap.
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (stdout.includes('ready')) resolve();
        };
        child.stdout.on('data', check);
        void exited.then(() => reject(new Error(`contender exited early: ${stderr}`)));
      });

      const mine: string[] = [];
      let done = 0;
      let drained = false;
      while (done < increments || !drained) {
        if (done < increments) {
          await store.transaction(async (tx) => {
            const current = (await tx.lockInstance('i-counter'))!;
            await new Promise((resolve) => setImmediate(resolve));
            await tx.updateInstance({ ...current, data: { counter: (current.data.counter as number) + 1 }, revision: current.revision + 1 });
          });
          done += 1;
        }
        if (!drained) {
          const batch = await store.transaction((tx) => tx.claimOutbox(2, new Date('2030-01-01T00:00:00Z'), 3_600_000));
          mine.push(...batch.map((m) => m.id));
          drained = batch.length === 0;
        }
      }
      expect(await exited, stderr).to.equal(0);
      const theirs = (JSON.parse(stdout.slice(stdout.indexOf('{'))) as { claimed: string[] }).claimed;
      const all = [...mine, ...theirs];
      expect(new Set(all).size, 'no message claimed twice').to.equal(all.length);
      expect(all).to.have.length(messages);
      const final = await store.read((tx) => tx.findInstance('i-counter'));
      expect(final!.data.counter).to.equal(2 * increments);
    });

    it('latestDefinitionVersion follows deploys by another store and forgets a deploy rolled back', async () => {
      const def = (version: number): DefinitionRecord => ({
        processId: 'p.latest',
        version,
        definition: { id: 'p.latest', v: version } as unknown as DefinitionRecord['definition'],
        contentHash: String(version).repeat(64),
        deployedAt: at(version),
      });
      const latest = (s: TypeormStore) => s.transaction((tx) => tx.latestDefinitionVersion('p.latest'));
      expect(await latest(store)).to.equal(undefined);
      await store.transaction((tx) => tx.insertDefinition(def(1)));
      expect(await latest(store)).to.equal(1);
      expect(await latest(store)).to.equal(1);
      await store.transaction((tx) => tx.insertDefinition(def(2)));
      expect(await latest(store)).to.equal(2);
      // Another replica on the same database deploys: the next transaction here sees its version.
      const second = await openSecondStore(store);
      try {
        await second.transaction((tx) => tx.insertDefinition(def(3)));
        expect(await latest(store)).to.equal(3);
      } finally {
        await second.close();
      }
      // A deploy that fails after reading its own version back leaves nothing behind, not even in
      // what the next transaction, committed in the same group, is told.
      const [failed, after] = await Promise.allSettled([
        store.transaction(async (tx) => {
          await tx.insertDefinition(def(4));
          expect(await tx.latestDefinitionVersion('p.latest')).to.equal(4);
          throw new Error('deploy abandoned');
        }),
        latest(store),
      ]);
      expect(failed.status).to.equal('rejected');
      expect(after).to.deep.equal({ status: 'fulfilled', value: 3 });
      expect(await latest(store)).to.equal(3);
    });

    it('read() sees committed data only and refuses writes', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let inserted!: () => void;
      const insertedSignal = new Promise<void>((resolve) => (inserted = resolve));
      const writer = store.transaction(async (tx) => {
        await tx.insertInstance(instance('i-uncommitted'));
        inserted();
        await gate;
      });
      await insertedSignal;
      // Neither blocked by the open transaction nor able to see its work.
      const seen = await Promise.race([
        store.read((tx) => tx.findInstance('i-uncommitted')),
        new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), 1000)),
      ]);
      expect(seen).to.equal(undefined);
      release();
      await writer;
      expect(await store.read((tx) => tx.findInstance('i-uncommitted'))).to.not.equal(undefined);

      await expectRejection(
        store.read((tx) => tx.insertInstance(instance('i-from-read'))),
        Error,
        /Store\.transaction/,
      );
      await expectRejection(store.read((tx) => tx.claimOutbox(1, at(0), 1)), Error, /Store\.transaction/);
    });

    it('a StoreTx is dead after its transaction, and nesting is reported instead of deadlocking', async () => {
      let leaked!: StoreTx;
      await store.transaction(async (tx) => {
        leaked = tx;
      });
      await expectRejection(leaked.findInstance('x'), Error, /already ended/);
      await expectRejection(
        store.transaction(() => store.transaction(async () => undefined)),
        Error,
        /inside a transaction/,
      );
      // Callbacks scheduled from a finished transaction may open their own.
      let later!: Promise<void>;
      await store.transaction(async () => {
        later = new Promise<void>((resolve, reject) =>
          setTimeout(() => store.transaction((tx) => tx.insertInstance(instance('i-later'))).then(resolve, reject), 5),
        );
      });
      await later;
      expect(await store.read((tx) => tx.findInstance('i-later'))).to.not.equal(undefined);
    });
  });

  describe('schema', () => {
    it('is created by migrations, recorded in the migrations table, never by synchronize', async () => {
      const ds = store.dataSource;
      expect(ds.options.synchronize).to.equal(false);
      expect(ds.options.migrationsRun).to.equal(false);
      const queryRunner = ds.createQueryRunner();
      try {
        expect(await queryRunner.hasTable(MIGRATIONS_TABLE)).to.equal(true);
        for (const table of ['if_definition', 'if_instance', 'if_work_item', 'if_history', 'if_outbox', 'if_inbox', 'if_timer']) {
          expect(await queryRunner.hasTable(table), table).to.equal(true);
        }
        const rows = (await queryRunner.query(`SELECT name FROM ${MIGRATIONS_TABLE}`)) as Array<{ name: string }>;
        expect(rows.map((r) => r.name)).to.deep.equal(MIGRATIONS.map((m) => new m().name));
        expect(rows[0].name).to.equal('InitialSchema1732190000000');
        const outbox = await queryRunner.getTable('if_outbox');
        expect(outbox!.indices.map((i) => i.columnNames.join(','))).to.include.members(['state,next_attempt_at', 'instance_id']);
      } finally {
        await queryRunner.release();
      }
      expect(await ds.showMigrations()).to.equal(false);
    });

    it('migrations go down and up again', async () => {
      const ds = store.dataSource;
      for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration();
      const queryRunner = ds.createQueryRunner();
      try {
        expect(await queryRunner.hasTable('if_instance')).to.equal(false);
        expect(await ds.showMigrations()).to.equal(true);
      } finally {
        await queryRunner.release();
      }
      // Reopening applies the pending migration again.
      await store.close();
      store = await openStore(store.dataSource.options.type === 'better-sqlite3' ? sqliteConfigOf(store) : testDatabaseConfig(), {
        allowMemory: true,
      });
      await store.transaction((tx) => tx.insertInstance(instance('i-after-remigrate')));
      expect(await store.read((tx) => tx.findInstance('i-after-remigrate'))).to.not.equal(undefined);
    });

    it('no source file turns synchronize on', () => {
      const offenders: string[] = [];
      const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) walk(full);
          else if (/\.ts$/.test(entry.name) && /synchronize\s*:\s*true/.test(fs.readFileSync(full, 'utf8'))) offenders.push(full);
        }
      };
      walk(path.resolve(__dirname, '../../src'));
      expect(offenders).to.deep.equal([]);
    });

    it('createTestStore hands out a working, migrated Store', async () => {
      const other = await createTestStore();
      try {
        expect(other.kind).to.equal(kind);
        await other.transaction((tx) => tx.insertInstance(instance('i-x')));
        expect(await other.read((tx) => tx.findInstance('i-x'))).to.deep.equal(instance('i-x'));
      } finally {
        await other.close();
      }
    });
  });
});

/** A second store (its own DataSource and connections) on the same database as `store`. */
async function openSecondStore(store: TypeormStore): Promise<TypeormStore> {
  return openStore(store.kind === 'sqlite' ? sqliteConfigOf(store) : testDatabaseConfig(), { migrate: false });
}

function sqliteConfigOf(store: TypeormStore): DatabaseConfig {
  return { kind: 'sqlite', path: String(store.dataSource.options.database) };
}

async function expectRejection(promise: Promise<unknown>, type: new (...args: never[]) => Error, message: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(type);
    expect((error as Error).message).to.match(message);
    return;
  }
  expect.fail('expected a rejection');
}

describe('TypeormStore on in-memory SQLite (tests only)', () => {
  it('works without a reader connection: reads wait for the running transaction', async () => {
    const store = await openStore(':memory:', { allowMemory: true });
    try {
      expect(store.kind).to.equal('sqlite');
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let inserted!: () => void;
      const insertedSignal = new Promise<void>((resolve) => (inserted = resolve));
      const writer = store.transaction(async (tx) => {
        await tx.insertInstance(instance('i-mem'));
        // With a single connection a read from inside the transaction cannot help seeing its work
        // (file databases and MySQL read through another connection and would not).
        expect(await store.read((r) => r.findInstance('i-mem'))).to.not.equal(undefined);
        inserted();
        await gate;
      });
      await insertedSignal;
      const read = store.read((tx) => tx.findInstance('i-mem'));
      let settled = false;
      void read.then(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(settled, 'read waited for the writer').to.equal(false);
      release();
      await writer;
      expect(await read).to.deep.equal(instance('i-mem'));
    } finally {
      await store.close();
    }
  });
});

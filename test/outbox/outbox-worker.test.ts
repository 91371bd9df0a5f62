import { expect } from 'chai';
import pino from 'pino';
import { WorkflowEngine, type OutboxRecord } from '../../src/engine';
import { OutboxWorker, type DeliveryContext, type DeliveryOutcome, type DeliveryStrategy } from '../../src/outbox';
import { TypeormStoreTx, type TypeormStore } from '../../src/persistence';
import { createTypeormTestStore } from '../support/test-store';
import { waitFor } from '../support/wait-for';
import { end, manual, pkg, process as definition, start, flow } from '../support/definition-builder';

type Row = OutboxRecord<'transfer'>;

const row = (id: string, destination: string, createdAt = new Date()): Row => ({
  id,
  instanceId: `case-${id}`,
  kind: 'transfer',
  destination,
  payload: { caseId: `case-${id}`, processId: 'p', version: 1, contentHash: null, home: 'home', activityId: 'a', activityInstanceId: `ai-${id}`, sender: 'home', data: {} },
  state: 'pending',
  attempts: 0,
  nextAttemptAt: new Date(0),
  createdAt,
});

/**
 * A strategy whose deliveries a test finishes by hand: each waits until the test answers it (or
 * its signal aborts), so the test sees what is in flight per receiver.
 */
class HeldDeliveries implements DeliveryStrategy<'transfer'> {
  readonly name = 'held';
  readonly kinds = ['transfer'] as const;
  readonly batchSize = 1;
  readonly policy = { maxRefusals: 3, retryBaseMs: 0, retryMaxMs: 0 };
  readonly inFlight: Array<{ receiver: string; id: string; answer: (o: DeliveryOutcome) => void; signal: AbortSignal }> = [];
  readonly aborted: string[] = [];
  constructor(readonly timeoutMs = 60_000) {}

  receiverOf(r: Row): { receiver: string } {
    return { receiver: r.destination };
  }

  deliver(receiver: string, rows: readonly Row[], ctx: DeliveryContext): Promise<Map<string, DeliveryOutcome>> {
    const id = rows[0]!.id;
    return new Promise((resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        this.aborted.push(ctx.failure(ctx.signal.reason));
        reject(ctx.signal.reason);
      });
      this.inFlight.push({ receiver, id, signal: ctx.signal, answer: (o) => resolve(new Map([[id, o]])) });
    });
  }

  take(id: string): (o: DeliveryOutcome) => void {
    const i = this.inFlight.findIndex((f) => f.id === id);
    if (i < 0) throw new Error(`${id} is not in flight`);
    return this.inFlight.splice(i, 1)[0]!.answer;
  }
}

describe('OutboxWorker', function () {
  this.timeout(60_000);
  let store: TypeormStore;
  let engine: WorkflowEngine;
  const log = pino({ level: 'silent' });

  beforeEach(async () => {
    store = await createTypeormTestStore();
    engine = new WorkflowEngine({ store, department: 'home' });
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
  });

  it('takes a message in the transaction that writes it and sends it without a claim of its own', async () => {
    await engine.deploy(pkg(definition('xdept', {
      participants: [{ id: 'env', type: 'ORGANIZATIONAL_UNIT', department: 'environment' }],
      activities: [start(), manual('review', 'env', { department: 'environment' }), end()],
      transitions: [flow('start', 'review'), flow('review', 'end')],
    })));
    const strategy = new HeldDeliveries();
    // An hour between polls: whatever is sent here was not found by a poll.
    const worker = new OutboxWorker({ engine, log, strategies: [strategy], intervalMs: 3_600_000 });
    const claims: number[] = [];
    const claimOutbox = TypeormStoreTx.prototype.claimOutbox;
    TypeormStoreTx.prototype.claimOutbox = function (...args: Parameters<typeof claimOutbox>) {
      claims.push(Date.now());
      return claimOutbox.apply(this, args);
    };
    try {
      worker.start();
      await waitFor(async () => claims.length === 1, 'the first claim, at start');
      const inst = await engine.startProcess('xdept');
      await waitFor(async () => strategy.inFlight.length === 1, 'the hand-over to be sent');
      expect(claims, 'no claim after the one at start').to.have.length(1);
      const [written] = await store.read((tx) => tx.listOutbox({ instanceId: inst.id }));
      expect(written).to.include({ kind: 'transfer', destination: 'environment', state: 'pending', attempts: 1 });
      const raw = await store.read((tx) => (tx as TypeormStoreTx).entityManager().query('SELECT claimed_by, claimed_until FROM if_outbox WHERE id = ?', [written.id]));
      expect(raw[0].claimed_by, 'written claimed by this worker').to.equal(worker.id);
      strategy.take(written.id)({ sent: true });
      await waitFor(async () => (await store.read((tx) => tx.listOutbox({ instanceId: inst.id })))[0].state === 'sent', 'the row to be marked sent');
    } finally {
      TypeormStoreTx.prototype.claimOutbox = claimOutbox;
      await worker.stop();
    }
    // A stopped worker takes nothing: the next message is written unclaimed, for whoever claims.
    const later = await engine.startProcess('xdept');
    const raw = await store.read((tx) => (tx as TypeormStoreTx).entityManager().query('SELECT claimed_by, attempts FROM if_outbox WHERE instance_id = ?', [later.id]));
    expect(raw[0]).to.include({ claimed_by: null, attempts: 0 });
  });

  it('sends at most laneConcurrency requests per receiver, and other receivers\' rows meanwhile', async () => {
    const strategy = new HeldDeliveries();
    await store.transaction((tx) => tx.enqueueOutbox([...['s1', 's2', 's3', 's4'].map((id, i) => row(id, 'slow', new Date(1000 + i))), row('q1', 'quick', new Date(2000))]));
    const worker = new OutboxWorker({ engine, log, strategies: [strategy], laneConcurrency: 2, intervalMs: 20 });
    worker.start();
    try {
      await waitFor(async () => strategy.inFlight.some((f) => f.receiver === 'quick'), "quick's row to be sent");
      expect(strategy.inFlight.filter((f) => f.receiver === 'slow').map((f) => f.id)).to.deep.equal(['s1', 's2'], 'two of slow at a time, oldest first');
      strategy.take('q1')({ sent: true });
      // A row written now, for quick, is claimed and sent while slow's first two still hang.
      await store.transaction((tx) => tx.enqueueOutbox([row('q2', 'quick')]));
      await waitFor(async () => strategy.inFlight.some((f) => f.id === 'q2'), 'the new row for quick to be sent');
      strategy.take('q2')({ sent: true });
      strategy.take('s1')({ sent: true });
      await waitFor(async () => strategy.inFlight.some((f) => f.id === 's3'), "slow's third row to go once one of its two finished");
      for (const id of ['s2', 's3']) strategy.take(id)({ sent: true });
      await waitFor(async () => strategy.inFlight.some((f) => f.id === 's4'), "slow's last row");
      strategy.take('s4')({ sent: true });
      await waitFor(async () => (await engine.outbox({ state: 'sent' })).length === 6, 'all six sent');
    } finally {
      await worker.stop();
    }
  });

  it('counts refusals in a row in their column: an attempt that found nobody starts again, the last refusal is dead', async () => {
    const strategy = new HeldDeliveries();
    await store.transaction((tx) => tx.enqueueOutbox([row('r', 'picky')]));
    const worker = new OutboxWorker({ engine, log, strategies: [strategy] });
    const attempt = async (o: DeliveryOutcome) => {
      const pass = worker.runOnce();
      await waitFor(async () => strategy.inFlight.length === 1, 'the row in flight');
      strategy.take('r')(o);
      return pass;
    };
    const now = async () => (await engine.outbox({}))[0]!;
    expect(await attempt({ retry: 'no', refusal: true })).to.include({ retried: 1 });
    expect(await now()).to.include({ refusals: 1, lastError: 'refusal 1 of 3: no' });
    expect(await attempt({ retry: 'nobody there' })).to.include({ retried: 1 });
    expect((await now()).refusals, 'reset by an attempt that found nobody').to.equal(undefined);
    await attempt({ retry: 'no', refusal: true });
    await attempt({ retry: 'no', refusal: true });
    expect(await attempt({ retry: 'still no', refusal: true })).to.include({ dead: 1 });
    expect(await now()).to.include({ state: 'dead', refusals: 3, attempts: 5, lastError: 'refusal 3 of 3: still no' });
  });

  it('a send that outlives its timeout is aborted and retried, and says it timed out', async () => {
    const strategy = new HeldDeliveries(200);
    await store.transaction((tx) => tx.enqueueOutbox([row('t', 'frozen')]));
    const report = await new OutboxWorker({ engine, log, strategies: [strategy] }).runOnce();
    expect(report).to.deep.equal({ sent: 0, retried: 1, dead: 0, dropped: 0 });
    expect((await engine.outbox({}))[0]!.lastError).to.equal('timed out: frozen did not answer within 200 ms');
  });

  it('when its claims can no longer be renewed, it stops the sends before the claims run out', async () => {
    const strategy = new HeldDeliveries();
    await store.transaction((tx) => tx.enqueueOutbox([row('l', 'slow')]));
    const worker = new OutboxWorker({ engine, log, strategies: [strategy], leaseMs: 600 });
    worker.start();
    await waitFor(async () => strategy.inFlight.length === 1, 'the row in flight');
    // The database goes away: renewals fail.
    await store.close();
    await waitFor(async () => strategy.aborted.length === 1, 'the send to be aborted', 5_000);
    expect(strategy.aborted[0]).to.match(/the claim could not be renewed/);
    await worker.stop();
  });
});

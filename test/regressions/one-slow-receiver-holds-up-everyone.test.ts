import { expect } from 'chai';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outboxKind, WorkflowEngine } from '../../src/engine';
import { MessageLog, TransferDispatcher } from '../../src/transfer';
import { loadSigningIdentity } from '../../src/transfer/signing';
import type { TypeormStore } from '../../src/persistence';
import { createTypeormTestStore } from '../support/test-store';
import { LogCapture } from '../services/support';
import { TransferFederation } from '../transfer/federation-support';
import { waitFor } from '../support/wait-for';
import { TypeormMessageLogRepository } from '../../src/persistence';

/**
 * A department that accepts connections and never answers: what a frozen (SIGSTOPped) engine looks
 * like from the sender. It records each request's arrival and whether the sender gave up on it.
 */
class FrozenDepartment {
  readonly requests: Array<{ socket: Socket; closedBySender: boolean }> = [];
  private server?: TcpServer;

  async listen(port = 0): Promise<number> {
    this.server = createTcpServer((socket) => {
      const entry = { socket, closedBySender: false };
      socket.once('data', () => this.requests.push(entry));
      socket.on('close', () => (entry.closedBySender = true));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const r of this.requests) r.socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/**
 * Reliability run (issue 17): "One slow receiver holds up everyone". While fire was frozen, healthy
 * tax's branch went from p50 0.5 s to 8.6 s: a dispatch pass waited for every receiver and nothing
 * new was claimed meanwhile. Now each receiver has its own lane: tax's hand-overs are claimed and
 * sent while fire's first message still waits for an answer that never comes.
 */
describe('regression: one slow receiver holds up everyone', function () {
  this.timeout(120_000);

  describe('in a federation: fire frozen, tax healthy', () => {
    let fed: TransferFederation;
    const frozen = new FrozenDepartment();

    before(async () => {
      // A send timeout far longer than the test: only lanes, not timeouts, can let tax through.
      fed = await TransferFederation.open(['market', 'tax', 'fire'], { env: { INTERFLOW_OUTBOX_SEND_TIMEOUT_MS: '300000', INTERFLOW_OUTBOX_LEASE_MS: '1500' } });
      // fire freezes: its registered address keeps accepting connections and answers nothing.
      const port = Number(new URL(fed.dept('fire').url).port);
      await fed.dept('fire').down();
      await frozen.listen(port);
    });
    after(async () => {
      await frozen.close();
      await fed?.close();
    });

    it("tax's branch of every case completes while fire's first hand-over is still unanswered", async () => {
      const market = fed.dept('market');
      const first = await market.engine.startProcess('business_licence_express', { data: { applicantId: 'F-0', businessName: 'Frozen', address: '0 Ice Rd' } });
      await waitFor(async () => frozen.requests.length > 0, "market's first hand-over to reach the frozen fire department");
      // Cases started while fire's message hangs: under the old dispatcher these waited for its pass.
      const N = 8;
      const cases = [first.id];
      for (let i = 1; i <= N; i++) cases.push((await market.engine.startProcess('business_licence_express', { data: { applicantId: `F-${i}`, businessName: `Shop ${i}`, address: `${i} Main St` } })).id);
      const taxDone = async (id: string) => (await market.engine.history(id)).some((h) => h.type === 'activity.completed' && h.activityId === 'x_register_taxpayer');
      await waitFor(async () => (await Promise.all(cases.map(taxDone))).every(Boolean), "tax's branch of every case to complete at market", 60_000);

      expect(frozen.requests[0]!.closedBySender, "fire's first message is still waiting for its answer").to.equal(false);
      // tax's result can reach market before tax's acknowledgement of the hand-over does (tax sends
      // it as soon as its own commit is done), so the row's 'sent' may follow the branch's completion.
      const taxSent = async (id: string) => (await market.engine.outbox({ instanceId: id })).some((r) => outboxKind('transfer')(r) && r.destination === 'tax' && r.state === 'sent');
      await waitFor(async () => (await Promise.all(cases.map(taxSent))).every(Boolean), 'market to record every hand-over to tax as sent', 10_000);
      for (const id of cases) {
        const rows = (await market.engine.outbox({ instanceId: id })).filter(outboxKind('transfer'));
        expect(rows.find((r) => r.destination === 'tax')?.state, `case ${id}: hand-over to tax`).to.equal('sent');
        expect(rows.find((r) => r.destination === 'fire')?.state, `case ${id}: hand-over to fire`).to.equal('pending');
      }
      // fire's lane holds its messages past several 1.5 s leases, renewing them: another replica
      // claiming now finds nothing to send again.
      const since = Date.now();
      await waitFor(async () => Date.now() - since > 3 * 1500, 'three leases to pass', 10_000);
      const second = await market.store.transaction((tx) => tx.claimOutbox(100, new Date(), 1500, ['transfer']));
      expect(second.map((r) => r.id), 'nothing for a second replica to take').to.deep.equal([]);
      const held = (await market.engine.outbox({ instanceId: first.id })).filter(outboxKind('transfer')).find((r) => r.destination === 'fire')!;
      expect(held.attempts, 'claimed once, never re-claimed').to.equal(1);
      expect(frozen.requests.every((r) => !r.closedBySender), 'no message to fire was given up or sent twice').to.equal(true);
    });
  });

  describe('a timeout is logged as a timeout', () => {
    let store: TypeormStore;
    let engine: WorkflowEngine;
    const frozen = new FrozenDepartment();

    before(async () => {
      store = await createTypeormTestStore();
      engine = new WorkflowEngine({ store, department: 'market' });
    });
    after(async () => {
      await frozen.close();
      await store.close();
    });

    it('says "timed out: no reply within 300 ms", not an error code', async () => {
      const port = await frozen.listen();
      await store.transaction((tx) =>
        tx.enqueueOutbox([
          {
            id: 'to-fire',
            instanceId: 'case-1',
            kind: 'transfer',
            destination: 'fire',
            payload: { caseId: 'case-1', processId: 'p', version: 1, contentHash: null, home: 'market', activityId: 'inspect', activityInstanceId: 'ai-1', sender: 'market', data: {} },
            state: 'pending',
            attempts: 0,
            nextAttemptAt: new Date(0),
            createdAt: new Date(),
          },
        ]),
      );
      const logs = new LogCapture();
      const dispatcher = new TransferDispatcher({
        engine,
        identity: await loadSigningIdentity({ dataDir: mkdtempSync(join(tmpdir(), 'timeout-')), department: 'market' }),
        directory: { deliver: (_d, post) => post(`http://127.0.0.1:${port}/services/TransferService`), certificateFor: async () => undefined },
        messageLog: new MessageLog(new TypeormMessageLogRepository(store)),
        log: logs.logger,
        timeoutMs: 300,
      });
      expect(await dispatcher.runOnce()).to.deep.equal({ sent: 0, retried: 1, dead: 0 });
      const [row] = await engine.outbox({ instanceId: 'case-1' });
      expect(row.lastError).to.match(/^delivery to fire failed: POST http:\/\/127\.0\.0\.1:\d+\/services\/TransferService failed: timed out: no reply within 300 ms$/);
      const logged = logs.lines.find((l) => l.msg === 'transfer to fire failed; will retry');
      expect(String(logged?.reason)).to.match(/timed out: no reply within 300 ms$/);
      await waitFor(async () => frozen.requests[0]?.closedBySender, 'the sender to give up the connection');
    });
  });
});

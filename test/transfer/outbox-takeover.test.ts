import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { outboxKind } from '../../src/engine';
import { closedCase, storeUrls, TransferFederation, type Department } from './federation-support';
import { waitFor } from '../support/wait-for';

/**
 * Forwards a department's transfer messages to it and keeps the answer from the sender: the
 * receiver has taken the items, the sender never learns it (it is killed before the answer).
 */
class Withholder {
  forwardedItems = 0;
  private server?: Server;
  constructor(private readonly to: Department) {}

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const reply = await fetch(`${this.to.url}${req.url}`, { method: 'POST', headers: { 'Content-Type': String(req.headers['content-type']), SOAPAction: String(req.headers.soapaction ?? '""') }, body });
        await reply.text();
        this.forwardedItems += (body.match(/<tr:HandOver>/g) ?? []).length;
        // No answer: res is left open until the sender goes away.
        res.on('close', () => undefined);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/services/TransferService`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

/**
 * Issue 17: a killed replica's claimed rows waited for a 12 s lease. Now leases are short and
 * renewed while a worker holds them: a replica killed mid-send leaves its rows to another replica
 * on the same database after one short lease, and the receivers' inboxes turn the resends into
 * duplicates, so every hand-over is still performed exactly once.
 */
describe('outbox worker: another replica takes over a killed replica\'s claims', function () {
  this.timeout(120_000);
  let fed: TransferFederation;
  let replica: ChildProcess | undefined;
  const withholders: Withholder[] = [];

  before(async () => {
    fed = await TransferFederation.open(['market', 'tax', 'fire']);
  });
  after(async () => {
    replica?.kill('SIGKILL');
    for (const w of withholders) await w.close();
    await fed?.close();
  });

  it('replica A dies mid-send holding claims; replica B resends them after A\'s 1 s lease; tax and fire perform each hand-over once', async () => {
    const market = fed.dept('market');
    // B is market's own worker: stopped while A works, as if it were busy elsewhere.
    await market.federation!.dispatcher.stop();
    const tax = new Withholder(fed.dept('tax'));
    const fire = new Withholder(fed.dept('fire'));
    withholders.push(tax, fire);
    const routes = { tax: await tax.listen(), fire: await fire.listen() };
    replica = spawn(process.execPath, ['-r', 'tsx/cjs', resolve(__dirname, 'fixtures/outbox-replica.ts'), storeUrls.get(market.store)!, fed.keyDir, 'market', JSON.stringify(routes), '1000'], {
      cwd: resolve(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    replica.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    await waitFor(async () => output.includes('ready'), 'replica A to start', 30_000);

    const K = 4;
    const cases: string[] = [];
    for (let i = 0; i < K; i++) cases.push((await market.engine.startProcess('business_licence_express', { data: { applicantId: `K-${i}`, businessName: `Kill ${i}`, address: `${i} Crash Rd` } })).id);
    // A has sent every hand-over; tax and fire took them all, and A is still waiting for the answers.
    await waitFor(async () => tax.forwardedItems >= K && fire.forwardedItems >= K, 'replica A to deliver every hand-over', 30_000);
    const claimed = await Promise.all(cases.map(async (id) => (await market.engine.outbox({ instanceId: id })).filter(outboxKind('transfer'))));
    expect(claimed.flat().map((r) => [r.state, r.attempts])).to.deep.equal(Array.from({ length: 2 * K }, () => ['pending', 1]), 'claimed by A, not acknowledged');

    replica.kill('SIGKILL');
    await new Promise((r) => replica!.once('exit', r));
    market.federation!.dispatcher.start();

    // The results came back from tax and fire meanwhile; what B must do is settle A's rows.
    for (const id of cases) expect((await closedCase(market, id, 60_000)).state).to.equal('closed.completed');
    const transfers = async () => (await Promise.all(cases.map((id) => market.engine.outbox({ instanceId: id })))).flat().filter(outboxKind('transfer'));
    await waitFor(async () => (await transfers()).every((r) => r.state === 'sent'), "replica B to resend A's hand-overs", 30_000);
    for (const code of ['tax', 'fire']) {
      const performed = (await fed.dept(code).engine.listInstances({})).items.filter((i) => cases.some((c) => i.observer?.includes(c)));
      expect(performed.length, `${code}: one performing instance per hand-over`).to.equal(K);
    }
    for (const id of cases) {
      const rows = (await market.engine.outbox({ instanceId: id })).filter(outboxKind('transfer'));
      expect(rows.map((r) => [r.destination, r.state, r.attempts]).sort()).to.deep.equal([['fire', 'sent', 2], ['tax', 'sent', 2]], `case ${id}: resent once, by B`);
      const out = (await market.federation!.messageLog.trace(id)).filter((t) => t.direction === 'out' && t.kind === 'hand-over');
      expect(out.map((t) => [t.to, t.outcome]).sort()).to.deep.equal([['fire', 'duplicate'], ['tax', 'duplicate']], `case ${id}: B's resends were known duplicates`);
    }
  });
});

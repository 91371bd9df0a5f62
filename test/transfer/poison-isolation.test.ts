import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { WorkflowEngine, type OutboxRecord } from '../../src/engine';
import { importXpdl } from '../../src/xpdl';
import { MessageLog, TransferDispatcher } from '../../src/transfer';
import { loadSigningIdentity } from '../../src/transfer/signing';
import { deliverResponse } from '../../src/transfer/transfer-items';
import type { TypeormStore } from '../../src/persistence';
import { createTypeormTestStore } from '../support/test-store';
import { TypeormMessageLogRepository } from '../../src/persistence';

const PERMIT = readFileSync(resolve(__dirname, '../../examples/building-permit.xpdl'), 'utf8');

/**
 * Issue 10: one item the receiver can never take must not take its batch down with it. The
 * receiver here is a stand-in TransferService with a 1 MiB limit that refuses items marked so.
 */
describe('issue 10: poison isolation in the transfer dispatcher', () => {
  let store: TypeormStore;
  let engine: WorkflowEngine;
  let receiver: Server;
  let url: string;
  let caseId: string;
  const bodies: number[] = [];

  before(async () => {
    store = await createTypeormTestStore();
    engine = new WorkflowEngine({ store, department: 'market' });
    await engine.deploy(importXpdl(PERMIT));
    caseId = (await engine.startProcess('building_permit', { data: {}, actor: 't' })).id;
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        bodies.push(text.length);
        if (text.length > 1024 * 1024) {
          res.writeHead(413, { 'Content-Type': 'text/xml' }).end('<fault/>');
          return;
        }
        const acks = [...text.matchAll(/<tr:HandOver><tr:ItemId>([^<]+)<\/tr:ItemId>[\s\S]*?<\/tr:HandOver>/g)].map((m) =>
          m[0].includes('forbidden')
            ? { itemId: m[1], status: 'refused' as const, reason: 'not authorised: department market may not hand over to this process' }
            : m[0].includes('not-yet')
              ? { itemId: m[1], status: 'refused' as const, reason: 'Process definition "building_permit version 1" does not exist: department tax has not installed it' }
              : { itemId: m[1], status: 'accepted' as const },
        );
        res.writeHead(200, { 'Content-Type': 'text/xml' }).end(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${deliverResponse(acks)}</soap:Body></soap:Envelope>`);
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/transfer`;
  });
  after(async () => {
    receiver.close();
    await store.close();
  });

  const row = (id: string, data: Record<string, string>): OutboxRecord => ({
    id,
    instanceId: caseId,
    kind: 'transfer',
    destination: 'tax',
    payload: { caseId, activityId: 'review', home: 'market', processId: 'building_permit', version: 1, contentHash: null, sender: 'market', activityInstanceId: `ai-${id}`, data },
    state: 'pending',
    attempts: 0,
    nextAttemptAt: new Date(0),
    createdAt: new Date(),
  });

  it('finding: a 2 MB hand-over answered 413 does not take the ordinary hand-overs of its batch down; it alone is dead, with what to do', async () => {
    await store.transaction((tx) => tx.enqueueOutbox([row('ok-1', { note: 'small' }), row('big', { scan: 'x'.repeat(2 * 1024 * 1024) }), row('ok-2', { note: 'small too' }), row('bad', { note: 'forbidden' }), row('later', { note: 'not-yet' })]));
    const dispatcher = new TransferDispatcher({
      engine,
      identity: await loadSigningIdentity({ dataDir: mkdtempSync(join(tmpdir(), 'poison-')), department: 'market' }),
      directory: { deliver: (_d, post) => post(url), certificateFor: async () => undefined },
      messageLog: new MessageLog(new TypeormMessageLogRepository(store)),
      log: pino({ level: 'silent' }),
    });
    const report = await dispatcher.runOnce();
    expect(report.dead).to.equal(2);
    expect(report.retried).to.equal(1, 'a refusal that may pass later (the definition not installed there yet) is retried');
    const rows = new Map((await engine.outbox({ instanceId: caseId })).map((r) => [r.id, r]));
    expect(rows.get('ok-1')!.state).to.equal('sent');
    expect(rows.get('ok-2')!.state).to.equal('sent');
    expect(rows.get('big')!.state).to.equal('dead');
    expect(rows.get('big')!.lastError).to.match(/dead, not retried: alone it makes a message of \d+ bytes, over what tax accepts \(HTTP 413\)\. Make the case's data smaller .* raise INTERFLOW_MAX_BODY at tax/);
    expect(rows.get('bad')!.state).to.equal('dead');
    expect(rows.get('bad')!.lastError).to.match(/tax refused it: not authorised: department market may not hand over/);
    expect(rows.get('later')!.state).to.equal('pending');
    expect(bodies.filter((b) => b > 1024 * 1024).length, 'the batch, then the big item alone').to.equal(2);
  });
});

import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import pino from 'pino';
import { MessageLog, RefusalBudget, refusedExcerpt } from '../../src/transfer/message-log';
import { verifiedDelivery } from '../../src/transfer/verified-delivery';
import { deliverEnvelope } from '../../src/transfer/transfer-items';
import { ReplayCache } from '../../src/transfer/signing/replay-cache';
import { MessageEntity } from '../../src/persistence/entities';
import type { TypeormStore } from '../../src/persistence';
import { createTypeormTestStore } from '../support/test-store';
import { waitFor } from '../support/wait-for';
import { TypeormMessageLogRepository } from '../../src/persistence';

/** Issue 10: refused messages are logged as a digest and an excerpt, and a flood of them is counted. */
describe('issue 10: bounded logs of refused messages', () => {
  let store: TypeormStore;
  before(async () => {
    store = await createTypeormTestStore();
  });
  after(async () => store.close());

  const unsigned = (size: number) =>
    deliverEnvelope({ messageId: randomUUID(), sender: 'market', receiver: 'tax', sentAt: new Date() }, [
      { kind: 'hand-over', itemId: randomUUID(), caseId: 'c-1', home: 'market', processId: 'p', version: 1, activityId: 'a', activityInstanceId: 'ai', data: { blob: 'x'.repeat(size) } },
    ]);

  it('a refused envelope is kept as its sha256, its size and its first 4 KiB', () => {
    const env = unsigned(100_000);
    const kept = refusedExcerpt(env);
    expect(kept.length).to.be.below(4300);
    expect(kept).to.include(`sha256=${createHash('sha256').update(env).digest('hex')}`);
    expect(kept).to.include(`${Buffer.byteLength(env)} bytes`);
    expect(refusedExcerpt('<small/>')).to.match(/-->\n<small\/>$/);
  });

  it('finding: 30 anonymous unsigned Deliver messages (256 KiB here; 1 MB in the finding) are not stored whole, and past 20 a minute only counted', async () => {
    const messageLog = new MessageLog(new TypeormMessageLogRepository(store));
    let now = 1_000_000;
    (messageLog as unknown as { anonymousRefusals: RefusalBudget }).anonymousRefusals = new RefusalBudget(20, 60_000, () => now);
    const o = { directory: { deliver: async () => undefined as never, certificateFor: async () => undefined }, messageLog, log: pino({ level: 'silent' }), replayCache: new ReplayCache(), receiver: 'tax', refusedBy: 'Transfer' };
    for (let i = 0; i < 30; i++) {
      let code = '';
      await verifiedDelivery(unsigned(256 * 1024), o).catch((e: { code: string }) => void (code = e.code));
      expect(code).to.match(/^SIGNATURE_/);
    }
    const rows = await store.dataSource.getRepository(MessageEntity).find({ where: { direction: 'refused' } });
    expect(rows.length).to.equal(20);
    for (const r of rows) expect(r.envelope.length).to.be.below(4300);
    now += 60_000;
    await verifiedDelivery(unsigned(10), o).catch(() => undefined);
    const after = await waitFor(async () => {
      const rows = await store.dataSource.getRepository(MessageEntity).find({ where: { direction: 'refused' } });
      return rows.some((r) => (r.reason ?? '').startsWith('summary:')) ? rows : undefined;
    }, 'the summary of the refusals over budget');
    const summary = after.find((r) => (r.reason ?? '').startsWith('summary:'));
    expect(summary?.reason).to.match(/^summary: 10 more messages refused for their signature/);
    expect(after.length).to.equal(22);
  });
});

/**
 * bench/signing — the CPU cost of signing and verifying one transfer message (one hand-over item),
 * steady state, in this process: what every hop pays twice over. `npx tsx bench/signing.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey, createSign, createVerify, createPrivateKey } from 'node:crypto';
import { loadSigningIdentity, signEnvelope, verifyEnvelope, ReplayCache } from '../src/transfer/signing';
import { deliverEnvelope, type TransferItem } from '../src/transfer/transfer-items';

const N_HOT = Number(process.env.BENCH_N ?? 400);
/** Items per message: under load the outbox sends about ten hand-overs or results in one. */
const ITEMS = Number(process.env.BENCH_ITEMS ?? 1);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `paceMs`: a pause before every measured operation, as an idle server meets its messages (caches
 * cold, the CPU woken from idle) rather than in a hot loop; fewer messages then.
 */
export async function benchSigning(options: { paceMs?: number } = {}): Promise<{ signMs: number; verifyMs: number; rsaSignMs: number; rsaVerifyMs: number }> {
  const pace = options.paceMs ?? 0;
  const N = pace ? Math.min(N_HOT, 60) : N_HOT;
  const dir = mkdtempSync(join(tmpdir(), 'if-bench-signing-'));
  try {
    const identity = await loadSigningIdentity({ dataDir: dir, department: 'market' });
    const item: TransferItem = {
      kind: 'hand-over', itemId: 'item-1', caseId: 'case-1', home: 'market', processId: 'business_licence_express', version: 1,
      activityId: 'x_register_taxpayer', activityInstanceId: 'ai-1', data: { applicantId: 'A1', businessName: 'Bench', address: 'street' },
    };
    const replayCache = new ReplayCache({ maxEntries: N * 4 });
    const signT: number[] = [];
    const verifyT: number[] = [];
    for (let i = 0; i < N; i++) {
      const items = Array.from({ length: ITEMS }, (_, k) => ({ ...item, itemId: `item-${i}-${k}`, caseId: `case-${i}-${k}`, activityInstanceId: `ai-${i}-${k}` }));
      const xml = deliverEnvelope({ messageId: `m-${i}`, sender: 'market', receiver: 'tax', sentAt: new Date() }, items);
      if (pace) await sleep(pace);
      let t = process.hrtime.bigint();
      const signed = signEnvelope(xml, identity);
      signT.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (pace) await sleep(pace);
      t = process.hrtime.bigint();
      await verifyEnvelope(signed, { certificateFor: async () => identity.certificatePem, replayCache, receiver: 'tax' });
      verifyT.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    // The RSA operations alone, the part no XML work can remove.
    const key = createPrivateKey(identity.privateKeyPem);
    const pub = createPublicKey(identity.certificatePem);
    const rs: number[] = [];
    const rv: number[] = [];
    for (let i = 0; i < N; i++) {
      if (pace) await sleep(pace);
      let t = process.hrtime.bigint();
      const sig = createSign('RSA-SHA256').update(`signed info ${i}`).sign(key);
      rs.push(Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      createVerify('RSA-SHA256').update(`signed info ${i}`).verify(pub, sig);
      rv.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const r = { signMs: median(signT.slice(N / 4)), verifyMs: median(verifyT.slice(N / 4)), rsaSignMs: median(rs.slice(N / 4)), rsaVerifyMs: median(rv.slice(N / 4)) };
    console.log(`bench/signing: ${ITEMS === 1 ? 'one hand-over item' : `${ITEMS} hand-over items`} per message, ${N} messages (median of the last 3/4)${pace ? `, each after ${pace} ms idle` : ''}`);
    console.log(`  signEnvelope ${r.signMs.toFixed(2)} ms   verifyEnvelope ${r.verifyMs.toFixed(2)} ms`);
    console.log(`  RSA-2048 alone: sign ${r.rsaSignMs.toFixed(2)} ms, verify ${r.rsaVerifyMs.toFixed(3)} ms`);
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchSigning().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

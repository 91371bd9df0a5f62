import { expect } from 'chai';
import { inThisThread, ReplayCache, SignatureError, SigningThreads, signEnvelope, type VerifyOptions } from '../../../src/transfer/signing';
import { deliverMessage, envelope, makeDepartments, type Departments } from './helpers';

/**
 * Signing and verification in worker threads (INTERFLOW_SIGNING_THREADS) must be the same
 * functions with the same answers as in the event loop; only the trust store and the replay cache
 * stay in the main thread, asked over the port.
 */
describe('SigningThreads: the same signatures and refusals off the event loop', () => {
  let d: Departments;
  let threads: SigningThreads;
  before(async () => {
    d = await makeDepartments();
    threads = new SigningThreads(2);
  });
  after(async () => {
    await threads.close();
    d.cleanup();
  });

  const options = (cache = new ReplayCache()): VerifyOptions => ({ certificateFor: async (dep) => d.trustStore.get(dep), replayCache: cache, receiver: 'ZONE' });

  it('a message signed in a thread verifies in the event loop, and one signed there verifies in a thread, with the same reading', async () => {
    const message = deliverMessage({ items: 3 });
    const inThread = await threads.sign(message.content, d.plan);
    const here = await inThisThread.verify(inThread, options());
    // The same message signed the other way, parsed and canonicalised: the same signed Body.
    const signedHere = signEnvelope(message.envelope, d.plan);
    const there = await threads.verify(signedHere, options());
    expect(here.sender).to.equal('PLAN');
    expect(there.sender).to.equal('PLAN');
    const withoutId = (xml: string) => xml.replace(/wsu:Id="[^"]*"/, 'wsu:Id=""');
    expect(withoutId(there.signedBody)).to.equal(withoutId(here.signedBody));
    expect(there.signedBody).to.contain('<tr:ItemId>item-2</tr:ItemId>');
    expect(there.timestamp.created).to.be.instanceOf(Date);
    expect(there.certificateFingerprint256).to.equal(d.plan.fingerprint256);
  });

  it('a changed signed part is refused in the thread with the code the event loop gives', async () => {
    const tampered = signEnvelope(envelope({ value: '100' }), d.plan).replace('<tr:Value>100</tr:Value>', '<tr:Value>999</tr:Value>');
    const codes = await Promise.all([inThisThread, threads].map((c) => c.verify(tampered, options()).then(() => 'accepted', (e: unknown) => (e instanceof SignatureError ? e.code : `not a SignatureError: ${String(e)}`))));
    expect(codes).to.deep.equal(['bad-signature', 'bad-signature']);
  });

  it('the replay cache is the caller\'s: the second delivery of one message is a replay', async () => {
    const cache = new ReplayCache();
    const signed = signEnvelope(envelope(), d.plan);
    await threads.verify(signed, options(cache));
    const second = await threads.verify(signed, options(cache)).then(() => undefined, (e: unknown) => e);
    expect(second).to.be.instanceOf(SignatureError);
    expect((second as SignatureError).code).to.equal('replay');
  });

  it('the trust store is the caller\'s: a sender it does not know is refused, and an unreachable registry is not a signature error', async () => {
    const outsider = signEnvelope(envelope({ sender: 'EVIL' }), d.evil);
    const unknown = await threads.verify(outsider, options()).then(() => undefined, (e: unknown) => e);
    expect((unknown as SignatureError).code).to.equal('unknown-sender');
    const down = await threads
      .verify(signEnvelope(envelope(), d.plan), { ...options(), certificateFor: async () => Promise.reject(new Error('registry unreachable')) })
      .then(() => undefined, (e: unknown) => e);
    expect(down).to.be.instanceOf(Error);
    expect(down).to.not.be.instanceOf(SignatureError);
    expect((down as Error).message).to.contain('registry unreachable');
  });

  it('many at once: every answer reaches its own caller', async () => {
    const cache = new ReplayCache();
    const signed = await Promise.all(Array.from({ length: 40 }, (_, i) => threads.sign((i % 2 ? deliverMessage({ items: 1 + (i % 3) }) : deliverMessage({ items: 1 + (i % 3), sender: 'ZONE', receiver: 'PLAN' })).content, i % 2 ? d.plan : d.zone)));
    const verified = await Promise.all(signed.map((s, i) => threads.verify(s, { ...options(cache), receiver: undefined }).then((v) => [i, v.sender])));
    expect(verified).to.deep.equal(signed.map((_, i) => [i, i % 2 ? 'PLAN' : 'ZONE']));
  });
});

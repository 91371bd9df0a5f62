/**
 * The worker-thread side of SigningThreads (threads.ts): signs transfer messages and verifies
 * envelopes with the very functions the event loop would use. What only the main thread has — the registry's trust
 * store and the department's replay cache — is asked for over the port while a verification waits,
 * so the checks, their order and their refusals are exactly those of verifyEnvelope.
 */
import { parentPort } from 'node:worker_threads';
import { signCanonical } from './sign';
import { verifyEnvelope } from './verify';
import { SignatureError } from './errors';
import type { SigningIdentity } from './identity';
import type { RememberResult } from '../../services/security';
import type { ThreadReply, ThreadRequest } from './threads';

const port = parentPort;
if (!port) throw new Error('signing-thread runs in a worker thread');

/** Identities by fingerprint: their KeyObject is cached on the object, so it must be kept. */
const identities = new Map<string, SigningIdentity>();

function identityOf(plain: ThreadRequest & { op: 'sign' }): SigningIdentity {
  const { identity } = plain;
  let known = identities.get(plain.fingerprint256);
  if (!known) {
    if (!identity) throw new Error(`signing thread: no key for certificate ${plain.fingerprint256}`);
    known = { ...identity, certificateDer: Buffer.from(identity.certificateDer) };
    // As loadSigningIdentity makes it: the key is not enumerable, so nothing that logs an identity prints it.
    Object.defineProperty(known, 'privateKeyPem', { value: identity.privateKeyPem, enumerable: false });
    identities.set(identity.fingerprint256, known);
  }
  return known;
}

let askSeq = 0;
const asked = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function ask(id: number, question: { cb: 'certificateFor'; department: string } | { cb: 'remember'; key: string; until: number; now: number }): Promise<unknown> {
  const askId = ++askSeq;
  return new Promise((resolve, reject) => {
    asked.set(askId, { resolve, reject });
    port!.postMessage({ id, askId, ...question } satisfies ThreadReply);
  });
}

port.on('message', (m: ThreadRequest) => {
  if (m.op === 'answer') {
    const waiting = asked.get(m.askId);
    asked.delete(m.askId);
    if (m.error !== undefined) waiting?.reject(new Error(m.error));
    else waiting?.resolve(m.value);
    return;
  }
  void run(m).then(
    (result) => port.postMessage({ id: m.id, result } satisfies ThreadReply),
    (error: unknown) =>
      port.postMessage({
        id: m.id,
        error: error instanceof SignatureError ? { signature: { code: error.code, message: error.message, sender: error.sender } } : { message: error instanceof Error ? error.message : String(error) },
      } satisfies ThreadReply),
  );
});

async function run(m: Exclude<ThreadRequest, { op: 'answer' }>): Promise<unknown> {
  if (m.op === 'sign') return signCanonical(m.content, identityOf(m), { ...(m.now !== undefined ? { now: new Date(m.now) } : {}), ...(m.ttlSeconds !== undefined ? { ttlSeconds: m.ttlSeconds } : {}) });
  return verifyEnvelope(m.xml, {
    ...(m.now !== undefined ? { now: new Date(m.now) } : {}),
    ...(m.maxSkewSeconds !== undefined ? { maxSkewSeconds: m.maxSkewSeconds } : {}),
    ...(m.maxAgeSeconds !== undefined ? { maxAgeSeconds: m.maxAgeSeconds } : {}),
    ...(m.receiver !== undefined ? { receiver: m.receiver } : {}),
    certificateFor: (department) => ask(m.id, { cb: 'certificateFor', department }) as Promise<string | readonly string[] | undefined>,
    replayCache: { remember: (key, until, now) => ask(m.id, { cb: 'remember', key, until: until.getTime(), now: now.getTime() }) as Promise<RememberResult> },
  });
}

import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { signCanonical, type CanonicalContent, type SignOptions } from './sign';
import { verifyEnvelope, type VerifiedEnvelope, type VerifyOptions } from './verify';
import { SignatureError, type SignatureErrorCode } from './errors';
import type { SigningIdentity } from './identity';

/**
 * Where transfer messages are signed and envelopes verified: in the event loop (`inThisThread`) or
 * in worker threads (`SigningThreads`). Both run signCanonical and verifyEnvelope themselves; only
 * the thread differs. The sender's code writes a message's canonical content (cheap string
 * building) and hands it over; the digests, the RSA signature and the envelope are made here.
 */
export interface EnvelopeCrypto {
  sign(content: CanonicalContent, identity: SigningIdentity, options?: SignOptions): Promise<string>;
  verify(envelopeXml: string, options: VerifyOptions): Promise<VerifiedEnvelope>;
  close(): Promise<void>;
}

export const inThisThread: EnvelopeCrypto = {
  sign: async (content, identity, options) => signCanonical(content, identity, options),
  verify: (xml, options) => verifyEnvelope(xml, options),
  close: async () => undefined,
};

/** What the main thread sends a signing thread. */
export type ThreadRequest =
  | { op: 'sign'; id: number; content: CanonicalContent; fingerprint256: string; identity?: { department: string; privateKeyPem: string; certificatePem: string; certificateDer: Uint8Array; fingerprint256: string }; now?: number; ttlSeconds?: number }
  | { op: 'verify'; id: number; xml: string; now?: number; maxSkewSeconds?: number; maxAgeSeconds?: number; receiver?: string }
  | { op: 'answer'; askId: number; value?: unknown; error?: string };

/** What a signing thread sends back: a result, a refusal, or a question only the main thread can answer. */
export type ThreadReply =
  | { id: number; result: unknown }
  | { id: number; error: { signature?: { code: SignatureErrorCode; message: string; sender?: string }; message?: string } }
  | ({ id: number; askId: number } & ({ cb: 'certificateFor'; department: string } | { cb: 'remember'; key: string; until: number; now: number }));

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  options?: VerifyOptions;
}

/**
 * Signing and verification in worker threads, so that a department's event loop — the one thread
 * that takes its SOAP requests, runs its engine and commits — does not spend its time on XML
 * canonicalisation and RSA (about a sixth of a busy department's CPU, bench/RESULTS.md).
 *
 * Security stays where it was: the trust store (certificateFor) and the replay cache are the
 * caller's, asked for over the thread's port while its verification waits; nothing about a key or
 * a certificate is decided in the thread that the main thread did not hand it.
 *
 * INTERFLOW_SIGNING_THREADS sets how many (default 0: the event loop does the work).
 */
export class SigningThreads implements EnvelopeCrypto {
  private readonly workers: Worker[] = [];
  /** The identities each thread already holds (by fingerprint): a key crosses to a thread once. */
  private readonly told = new WeakMap<Worker, Set<string>>();
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private next = 0;
  private closed = false;

  constructor(threads: number) {
    if (!(Number.isInteger(threads) && threads >= 1)) throw new Error(`SigningThreads: threads must be a whole number ≥ 1, not ${threads}`);
    for (let i = 0; i < threads; i++) this.workers.push(this.spawn());
  }

  sign(content: CanonicalContent, identity: SigningIdentity, options: SignOptions = {}): Promise<string> {
    const worker = this.pick();
    const told = this.told.get(worker)!;
    const first = !told.has(identity.fingerprint256);
    told.add(identity.fingerprint256);
    return this.call(
      {
        op: 'sign', id: 0, content, fingerprint256: identity.fingerprint256,
        ...(first ? { identity: { department: identity.department, privateKeyPem: identity.privateKeyPem, certificatePem: identity.certificatePem, certificateDer: identity.certificateDer, fingerprint256: identity.fingerprint256 } } : {}),
        ...(options.now ? { now: options.now.getTime() } : {}),
        ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
      },
      undefined,
      worker,
    ) as Promise<string>;
  }

  verify(xml: string, options: VerifyOptions): Promise<VerifiedEnvelope> {
    // A sender reader is code, which cannot cross to another thread: such callers verify here.
    if (options.senderOf) return verifyEnvelope(xml, options);
    return this.call(
      {
        op: 'verify', id: 0, xml,
        ...(options.now ? { now: options.now.getTime() } : {}),
        ...(options.maxSkewSeconds !== undefined ? { maxSkewSeconds: options.maxSkewSeconds } : {}),
        ...(options.maxAgeSeconds !== undefined ? { maxAgeSeconds: options.maxAgeSeconds } : {}),
        ...(options.receiver !== undefined ? { receiver: options.receiver } : {}),
      },
      options,
    ) as Promise<VerifiedEnvelope>;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const p of this.pending.values()) p.reject(new Error('the signing threads were closed'));
    this.pending.clear();
  }

  private pick(): Worker {
    return this.workers[this.next++ % this.workers.length];
  }

  private call(request: Exclude<ThreadRequest, { op: 'answer' }>, options?: VerifyOptions, worker = this.pick()): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the signing threads were closed'));
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(options ? { options } : {}) });
      worker.postMessage({ ...request, id });
    });
  }

  private spawn(): Worker {
    // From dist/ the thread runs the compiled file; under tsx (tests, npx tsx) it needs tsx's loader.
    const entry = join(__dirname, __filename.endsWith('.ts') ? 'signing-thread.ts' : 'signing-thread.js');
    const worker = __filename.endsWith('.ts')
      ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(entry)});`, { eval: true })
      : new Worker(entry);
    worker.unref();
    this.told.set(worker, new Set());
    worker.on('message', (m: ThreadReply) => this.onReply(worker, m));
    worker.on('error', (error) => this.replace(worker, error));
    worker.on('exit', (code) => {
      if (!this.closed) this.replace(worker, new Error(`a signing thread exited with code ${code}`));
    });
    return worker;
  }

  /** A thread that died fails what it held (the sender retries) and is replaced. */
  private replace(worker: Worker, error: Error): void {
    const i = this.workers.indexOf(worker);
    if (i < 0 || this.closed) return;
    this.workers[i] = this.spawn();
    // Which requests it held is not known per thread: fail them all; senders and callers retry.
    for (const [id, p] of this.pending) {
      p.reject(new Error(`signing thread failed: ${error.message}`));
      this.pending.delete(id);
    }
  }

  private onReply(worker: Worker, m: ThreadReply): void {
    const p = this.pending.get(m.id);
    if ('askId' in m) {
      const answer = (value: unknown) => worker.postMessage({ op: 'answer', askId: m.askId, value } satisfies ThreadRequest);
      const fail = (e: unknown) => worker.postMessage({ op: 'answer', askId: m.askId, error: e instanceof Error ? e.message : String(e) } satisfies ThreadRequest);
      const options = p?.options;
      if (!options) return fail(new Error('no verification waits for this answer'));
      const asked = m.cb === 'certificateFor' ? options.certificateFor(m.department) : options.replayCache.remember(m.key, new Date(m.until), new Date(m.now));
      void Promise.resolve(asked).then(answer, fail);
      return;
    }
    if (!p) return;
    this.pending.delete(m.id);
    if ('result' in m) p.resolve(m.result);
    else if (m.error.signature) p.reject(new SignatureError(m.error.signature.code, m.error.signature.message, m.error.signature.sender));
    else p.reject(new Error(m.error.message ?? 'signing thread failed'));
  }
}

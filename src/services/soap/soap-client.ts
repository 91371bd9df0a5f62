import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { parseEnvelope, TEXT_KEY, type ParsedEnvelope, type SoapNode } from './envelope-parser';
import { readLimited } from './read-limited';
import { refuseDtd } from './request-guards';
import { SIZE_BOUNDED_XML_LIMITS, scanXmlTree } from './xml-scanner';
import { SoapFault } from './soap-fault';
import { CONTENT_TYPES, type SoapVersion } from './soap-version';

/**
 * The one way Interflow calls a SOAP endpoint (the ASAP client, the registry client, the relay, the
 * federation's ProcessService client, the transfer dispatcher). It guards what comes back the way
 * the server guards what comes in: the reply is read up to a size limit, a DTD is refused before
 * any parser sees it, the document must be well-formed, and it is parsed once with entities off.
 * What a failure means (retry, fail over, refuse) is the caller's: it gets a SoapTransportError with the
 * reason in words and maps it to its own error type.
 */

export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_REPLY_BYTES = 1024 * 1024;

export interface SoapCallRequest {
  url: string;
  /** The whole request envelope, as it goes on the wire (signed ones must not be touched). */
  envelope: string;
  /** Default 1.1 (text/xml). */
  version?: SoapVersion;
  /** SOAP 1.1's SOAPAction header, unquoted; default "" (the services dispatch on the Body). */
  soapAction?: string;
  timeoutMs?: number;
  /** A reply longer than this is not read: a runaway or hostile endpoint must not fill our memory. */
  maxReplyBytes?: number;
  fetch?: typeof fetch;
  /** Aborting ends the call at once (a stopping worker); the reason's message is the failure's. */
  signal?: AbortSignal;
}

export interface SoapCallReply {
  url: string;
  status: number;
  ok: boolean;
  /** The reply as received (signature checks need the exact bytes). */
  text: string;
  /** The parsed envelope; undefined when the reply was empty or was not a well-formed SOAP envelope. */
  envelope?: ParsedEnvelope;
  /** Why the reply, when not empty, is not a SOAP envelope (DTD, malformed, not an Envelope). */
  notSoap?: string;
  /** Set when the Body holds a Fault: its faultcode/Code and reason in words. */
  fault?: { code?: string; reason: string; node: SoapNode };
}

export type SoapCallFailure = 'unreachable' | 'timeout' | 'too-large' | 'aborted';

/** The endpoint could not be reached, did not answer in time, or answered more than the limit. */
export class SoapTransportError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly failure: SoapCallFailure,
    /** The reason alone (ECONNREFUSED, no reply within 10000 ms, …), for callers that word their own message. */
    readonly reason: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SoapTransportError';
  }
}

/** POSTs one envelope and reads the reply through the guards. Never throws for an HTTP status or a fault. */
export async function soapCall(request: SoapCallRequest): Promise<SoapCallReply> {
  const version = request.version ?? '1.1';
  const timeoutMs = request.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const contentType = version === '1.1' ? CONTENT_TYPES['1.1'] : `${CONTENT_TYPES['1.2']}${request.soapAction ? `; action="${request.soapAction}"` : ''}`;
  const headers: Record<string, string> = { 'Content-Type': contentType };
  if (version === '1.1') headers.SOAPAction = `"${request.soapAction ?? ''}"`;
  const reply: SoapCallReply = request.fetch ? await viaFetch(request, request.fetch, headers, timeoutMs) : await viaHttp(request, headers, timeoutMs);
  const { text } = reply;
  if (text.trim() === '') return reply;
  try {
    refuseDtd(text);
    // The server's one checked pass (well-formedness, no DTD) building the tree as it goes: a reply
    // is parsed once, as a request is. Its size is bounded by maxReplyBytes, not by a count.
    reply.envelope = parseEnvelope(text, scanXmlTree(text, SIZE_BOUNDED_XML_LIMITS));
  } catch (e) {
    reply.notSoap = e instanceof SoapFault ? e.message : 'not a SOAP envelope';
    return reply;
  }
  if (reply.envelope.operation.localName === 'Fault') reply.fault = faultOf(reply.envelope.body);
  return reply;
}

/**
 * Keep-alive connections per scheme, for every call of this process: a department talks to a
 * handful of others, over and over.
 */
const AGENTS = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

/**
 * The POST over node:http(s). Node's fetch (undici) cost ~0.2 ms more CPU per call here than a
 * plain request on a kept-alive socket, and a transfer's critical path makes one per hop. The
 * semantics are fetch's as soapCall used it: no redirects followed, the timeout covers the whole
 * exchange (connecting, the answer and its body), the body read up to the size limit.
 */
async function viaHttp(request: SoapCallRequest, headers: Record<string, string>, timeoutMs: number): Promise<SoapCallReply> {
  try {
    return await postOnce(request, headers, timeoutMs);
  } catch (e) {
    // A kept-alive socket the server closed just as it was reused: the request never got there.
    // Node's documented remedy is to send again, once, on a new connection.
    if (e instanceof StaleSocket) return postOnce(request, headers, timeoutMs);
    throw e;
  }
}

class StaleSocket extends Error {}

function postOnce(request: SoapCallRequest, headers: Record<string, string>, timeoutMs: number): Promise<SoapCallReply> {
  const { url } = request;
  const limit = request.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
  return new Promise<SoapCallReply>((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new SoapTransportError(`POST ${url} failed: not a URL`, url, 'unreachable', 'not a URL'));
      return;
    }
    const agent = target.protocol === 'https:' ? AGENTS['https:'] : target.protocol === 'http:' ? AGENTS['http:'] : undefined;
    if (!agent) {
      reject(new SoapTransportError(`POST ${url} failed: unsupported protocol ${target.protocol}`, url, 'unreachable', `unsupported protocol ${target.protocol}`));
      return;
    }
    const body = Buffer.from(request.envelope, 'utf8');
    let settled = false;
    const finish = (error: Error | undefined, reply?: SoapCallReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(reply!);
    };
    const fail = (failure: SoapCallFailure, reason: string, status?: number) => finish(new SoapTransportError(failure === 'too-large' ? reason : `POST ${url} failed: ${reason}`, url, failure, reason, status));
    const onAbort = () => fail('aborted', String((request.signal?.reason as Error | undefined)?.message ?? 'aborted'));
    const timer = setTimeout(() => fail('timeout', `timed out: no reply within ${timeoutMs} ms`), timeoutMs);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(body.length) } }, (res) => {
      const status = res.statusCode ?? 0;
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > limit) {
        fail('too-large', `${url} answered with ${declared} bytes, more than the ${limit} read`, status);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) fail('too-large', `${url} answered with more than the ${limit} bytes read`, status);
        else chunks.push(chunk);
      });
      res.on('end', () => finish(undefined, { url, status, ok: status >= 200 && status < 300, text: UTF8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)) }));
      res.on('error', (e: Error) => fail('unreachable', errorReason(e)));
    });
    req.on('error', (e: Error) => {
      const code = (e as { code?: unknown }).code;
      if (req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) finish(new StaleSocket(String(code)));
      else fail('unreachable', errorReason(e));
    });
    if (request.signal) {
      if (request.signal.aborted) return onAbort();
      request.signal.addEventListener('abort', onAbort, { once: true });
    }
    req.end(body);
  });
}

const UTF8 = new TextDecoder();

/** A connection error's code (ECONNREFUSED…) is what an operator needs; its message otherwise. */
function errorReason(e: Error): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : e.message;
}

/** The same call through an injected fetch (tests that capture or fake the exchange). */
async function viaFetch(request: SoapCallRequest, doFetch: typeof fetch, headers: Record<string, string>, timeoutMs: number): Promise<SoapCallReply> {
  let response: Response;
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    response = await doFetch(request.url, { method: 'POST', headers, body: request.envelope, signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout, redirect: 'manual' });
  } catch (e) {
    if (request.signal?.aborted) {
      const reason = String((request.signal.reason as Error | undefined)?.message ?? 'aborted');
      throw new SoapTransportError(`POST ${request.url} failed: ${reason}`, request.url, 'aborted', reason);
    }
    const timedOut = (e as Error).name === 'TimeoutError';
    const reason = transportReason(e, timeoutMs);
    throw new SoapTransportError(`POST ${request.url} failed: ${reason}`, request.url, timedOut ? 'timeout' : 'unreachable', reason);
  }
  const text = await readLimited(response, request.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES, request.url, (m) => new SoapTransportError(m, request.url, 'too-large', m, response.status));
  return { url: request.url, status: response.status, ok: response.ok, text };
}

/** Node's fetch hides the reason in `cause`; an operator needs ECONNREFUSED, not "fetch failed". */
export function transportReason(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return `timed out: no reply within ${timeoutMs} ms`;
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}

/** A Fault element of either SOAP version: its code and reason. */
export function faultOf(fault: SoapNode): { code?: string; reason: string; node: SoapNode } {
  const reasonNode = fault.Reason && typeof fault.Reason === 'object' ? (fault.Reason as SoapNode).Text : undefined;
  const codeNode = fault.Code && typeof fault.Code === 'object' ? (fault.Code as SoapNode).Value : undefined;
  const code = textOf(fault.faultcode) ?? textOf(codeNode);
  return {
    ...(code !== undefined ? { code: code.trim() } : {}),
    reason: textOf(fault.faultstring) ?? textOf(Array.isArray(reasonNode) ? reasonNode[0] : reasonNode) ?? 'no reason given',
    node: fault,
  };
}

function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as SoapNode)[TEXT_KEY] === 'string') return (v as SoapNode)[TEXT_KEY] as string;
  return undefined;
}

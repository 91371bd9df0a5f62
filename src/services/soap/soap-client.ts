import { parseEnvelope, TEXT_KEY, type ParsedEnvelope, type SoapNode } from './envelope-parser';
import { readLimited } from './read-limited';
import { refuseDtd, requireWellFormed } from './request-guards';
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
  const doFetch = request.fetch ?? fetch;
  const version = request.version ?? '1.1';
  const timeoutMs = request.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const contentType = version === '1.1' ? CONTENT_TYPES['1.1'] : `${CONTENT_TYPES['1.2']}${request.soapAction ? `; action="${request.soapAction}"` : ''}`;
  const headers: Record<string, string> = { 'Content-Type': contentType };
  if (version === '1.1') headers.SOAPAction = `"${request.soapAction ?? ''}"`;
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
  const reply: SoapCallReply = { url: request.url, status: response.status, ok: response.ok, text };
  if (text.trim() === '') return reply;
  try {
    refuseDtd(text);
    requireWellFormed(text);
    reply.envelope = parseEnvelope(text);
  } catch (e) {
    reply.notSoap = e instanceof SoapFault ? e.message : 'not a SOAP envelope';
    return reply;
  }
  if (reply.envelope.operation.localName === 'Fault') reply.fault = faultOf(reply.envelope.body);
  return reply;
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

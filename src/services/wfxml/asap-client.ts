import { randomUUID } from 'node:crypto';
import { parseEnvelope, TEXT_KEY, type SoapNode } from '../soap';
import { refuseDtd, requireWellFormed } from '../soap';
import { SoapFault } from '../soap';
import { SOAP11_ENVELOPE_NS } from '../soap';
import { escapeXml } from '../soap';
import { readLimited } from '../soap';
import { asapAction, ASAP_NS, type WfxmlResource } from './namespaces';
import { signCall, signedCallHeader, type AsapSigning } from './trust';

/**
 * Sending ASAP messages: a SOAP 1.1 envelope built here and POSTed with fetch. Not node-soap's
 * client, because that client first fetches the receiver's WSDL (an extra round trip per message,
 * and observers of other vendors do not all serve one at their key) and maps objects to XML
 * itself, which cannot write ContextData/ResultData's open content (xsd:any) reliably. The
 * envelopes are checked against wsdl/asap.xsd by the tests instead.
 */

export interface AsapRequest {
  /** Where the message goes: the receiving resource's key. */
  receiverKey: string;
  senderKey?: string;
  /** Echoed in the reply's Response header; defaults to a fresh urn:uuid. */
  requestId?: string;
  resource: WfxmlResource;
  /** Operation name for the SOAPAction, e.g. "Completed". */
  operation: string;
  /** The request element, with its own xmlns declarations. */
  body: string;
}

export interface AsapReply {
  status: number;
  /** The reply's Body element (parsed, prefixes removed), when the reply had an envelope. */
  body?: SoapNode;
  operation?: string;
}

/** A message that did not get through, and why, in words an operator can act on. */
export class AsapDeliveryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AsapDeliveryError';
  }
}

/** RequestIDs are URIs in ASAP; ids that are UUIDs become urn:uuid, anything else an Interflow URN. */
export function requestIdFor(messageId: string): string {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(messageId)
    ? `urn:uuid:${messageId.toLowerCase()}`
    : `urn:interflow:message:${encodeURIComponent(messageId)}`;
}

/**
 * The request as a SOAP 1.1 envelope; with `signing`, signed by this department for the receiving
 * one (see trust.ts), the ASAP Request header kept beside the signed header.
 */
export function requestEnvelope(request: AsapRequest, signing?: AsapSigning): string {
  const unsigned = envelopeOf(request, signing ? signedCallHeader({ sender: signing.identity.department, receiver: signing.receiver, ...(request.senderKey ? { senderKey: request.senderKey } : {}), receiverKey: request.receiverKey }) : '');
  return signing ? signCall(unsigned, signing) : unsigned;
}

function envelopeOf(request: AsapRequest, extraHeader: string): string {
  const requestId = request.requestId ?? `urn:uuid:${randomUUID()}`;
  const sender = request.senderKey ? `<as:SenderKey>${escapeXml(request.senderKey)}</as:SenderKey>` : '';
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<soap:Envelope xmlns:soap="${SOAP11_ENVELOPE_NS}"><soap:Header>` +
    `<as:Request xmlns:as="${ASAP_NS}">${sender}<as:ReceiverKey>${escapeXml(request.receiverKey)}</as:ReceiverKey>` +
    `<as:ResponseRequired>Yes</as:ResponseRequired><as:RequestID>${escapeXml(requestId)}</as:RequestID></as:Request>${extraHeader}` +
    `</soap:Header><soap:Body>${request.body}</soap:Body></soap:Envelope>`
  );
}

export interface PostOptions {
  timeoutMs?: number;
  /** A reply longer than this is not read; a runaway receiver must not fill our memory. */
  maxReplyBytes?: number;
  fetch?: typeof fetch;
  /** Sign the request for another department (calls between department engines). */
  signing?: AsapSigning;
}

export async function postAsap(request: AsapRequest, options: PostOptions = {}): Promise<AsapReply> {
  const doFetch = options.fetch ?? fetch;
  const limit = options.maxReplyBytes ?? 1024 * 1024;
  let response: Response;
  try {
    response = await doFetch(request.receiverKey, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${asapAction(request.resource, request.operation)}"` },
      body: requestEnvelope(request, options.signing),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      redirect: 'manual',
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = (e as Error).name === 'TimeoutError' ? `no reply within ${options.timeoutMs ?? 10_000} ms` : cause?.code ?? cause?.message ?? (e as Error).message;
    throw new AsapDeliveryError(`POST ${request.receiverKey} failed: ${why}`);
  }
  const text = await readLimited(response, limit, request.receiverKey, (m) => new AsapDeliveryError(m, response.status));
  if (text.trim() === '') {
    if (response.ok) return { status: response.status };
    throw new AsapDeliveryError(`${request.receiverKey} answered HTTP ${response.status} without a SOAP envelope`, response.status);
  }
  let parsed;
  try {
    refuseDtd(text);
    requireWellFormed(text);
    parsed = parseEnvelope(text);
  } catch (e) {
    if (response.ok) return { status: response.status }; // a 2xx that is not SOAP: accepted, nothing to read
    throw new AsapDeliveryError(`${request.receiverKey} answered HTTP ${response.status}: ${e instanceof SoapFault ? e.message : 'not a SOAP envelope'}`, response.status);
  }
  if (parsed.operation.localName === 'Fault') {
    throw new AsapDeliveryError(`${request.receiverKey} answered with a SOAP fault (HTTP ${response.status}): ${faultText(parsed.body)}`, response.status);
  }
  if (!response.ok) throw new AsapDeliveryError(`${request.receiverKey} answered HTTP ${response.status} with ${parsed.operation.localName}`, response.status);
  return { status: response.status, body: parsed.body, operation: parsed.operation.localName };
}

function faultText(fault: SoapNode): string {
  const textOf = (v: unknown): string | undefined =>
    typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as SoapNode)[TEXT_KEY] === 'string' ? ((v as SoapNode)[TEXT_KEY] as string) : undefined;
  const reason = fault.Reason && typeof fault.Reason === 'object' ? (fault.Reason as SoapNode).Text : undefined;
  return textOf(fault.faultstring) ?? textOf(Array.isArray(reason) ? reason[0] : reason) ?? 'no reason given';
}

import { randomUUID } from 'node:crypto';
import { escapeXml, soapCall, SoapTransportError, SOAP11_ENVELOPE_NS, type SoapCallReply, type SoapNode } from '../soap';
import { asapAction, ASAP_NS, type WfxmlResource } from './namespaces';
import { signCall, signedCallHeader, type AsapSigning } from './trust';

/**
 * Sending ASAP messages: a SOAP 1.1 envelope built here and POSTed with the SOAP layer's soapCall
 * (size limit, DTD refusal, well-formedness, fault reading). Not node-soap's
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
  /** The caller's own deadline (an OutboxWorker's send timeout): the request stops at whichever comes first. */
  signal?: AbortSignal;
  /** Sign the request for another department (calls between department engines). */
  signing?: AsapSigning;
}

export async function postAsap(request: AsapRequest, options: PostOptions = {}): Promise<AsapReply> {
  let reply: SoapCallReply;
  try {
    reply = await soapCall({
      url: request.receiverKey,
      envelope: requestEnvelope(request, options.signing),
      soapAction: asapAction(request.resource, request.operation),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxReplyBytes !== undefined ? { maxReplyBytes: options.maxReplyBytes } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (e) {
    if (e instanceof SoapTransportError) throw new AsapDeliveryError(e.message, e.status);
    throw e;
  }
  const { status, envelope } = reply;
  if (!envelope) {
    if (reply.ok) return { status }; // a 2xx with no envelope, or one that is not SOAP: accepted, nothing to read
    if (reply.notSoap === undefined) throw new AsapDeliveryError(`${request.receiverKey} answered HTTP ${status} without a SOAP envelope`, status);
    throw new AsapDeliveryError(`${request.receiverKey} answered HTTP ${status}: ${reply.notSoap}`, status);
  }
  if (reply.fault) throw new AsapDeliveryError(`${request.receiverKey} answered with a SOAP fault (HTTP ${status}): ${reply.fault.reason}`, status);
  if (!reply.ok) throw new AsapDeliveryError(`${request.receiverKey} answered HTTP ${status} with ${envelope.operation.localName}`, status);
  return { status, body: envelope.body, operation: envelope.operation.localName };
}

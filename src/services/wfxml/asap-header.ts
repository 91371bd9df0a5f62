import type { SoapNode } from '../soap';
import { FieldReader } from '../soap';
import { escapeXml } from '../soap';
import { keyPath } from './keys';
import { ASAP_NS } from './namespaces';
import { asapFault, AsapErrorCodes } from './asap-fault';

/** The ASAP `Request` SOAP header. Every field is optional here: some senders omit the header. */
export interface AsapRequestHeader {
  senderKey?: string;
  receiverKey?: string;
  responseRequired?: 'Yes' | 'No' | 'IfError';
  requestId?: string;
}

export function readRequestHeader(header: unknown): AsapRequestHeader {
  const node = header && typeof header === 'object' ? (header as SoapNode) : undefined;
  const request = node ? new FieldReader(node, 'Header').optionalChild('Request') : undefined;
  if (!request) return {};
  const trimmed = (name: string) => request.optionalString(name)?.trim() || undefined;
  const out: AsapRequestHeader = {};
  const senderKey = trimmed('SenderKey');
  const receiverKey = trimmed('ReceiverKey');
  const requestId = trimmed('RequestID');
  const responseRequired = request.optionalEnum('ResponseRequired', ['Yes', 'No', 'IfError'] as const);
  if (senderKey) out.senderKey = senderKey;
  if (receiverKey) out.receiverKey = receiverKey;
  if (requestId) out.requestId = requestId;
  if (responseRequired) out.responseRequired = responseRequired;
  return out;
}

/**
 * A ReceiverKey names the resource the sender means. If it names another resource than the
 * endpoint the message was posted to, acting on it would act on the wrong instance, so it is
 * refused. Only the path is compared: the scheme, host and port depend on how the sender reaches
 * us (a proxy, localhost, an IP address), and the query may carry the sender's own correlation.
 */
export function checkReceiver(header: AsapRequestHeader, endpointKey: string): void {
  if (!header.receiverKey) return;
  const wanted = keyPath(header.receiverKey);
  const here = keyPath(endpointKey);
  if (wanted === undefined) {
    throw asapFault('Client', AsapErrorCodes.header, `Request/ReceiverKey "${header.receiverKey}" is not an absolute http(s) URL; send the key of the resource, ${endpointKey}`);
  }
  if (wanted !== here) {
    throw asapFault(
      'Client',
      AsapErrorCodes.header,
      `Request/ReceiverKey names ${header.receiverKey}, but the message was posted to ${endpointKey}; post it to the resource its ReceiverKey names`,
    );
  }
}

/** The ASAP `Response` header of a reply: who answers, to whom, to which request. */
export function responseHeader(senderKey: string, request: AsapRequestHeader): string {
  const receiver = request.senderKey ? `<as:ReceiverKey>${escapeXml(request.senderKey)}</as:ReceiverKey>` : '';
  const id = request.requestId ? `<as:RequestID>${escapeXml(request.requestId)}</as:RequestID>` : '';
  return `<as:Response xmlns:as="${ASAP_NS}"><as:SenderKey>${escapeXml(senderKey)}</as:SenderKey>${receiver}${id}</as:Response>`;
}

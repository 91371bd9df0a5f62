import { FAULT_DETAIL_NS, type SoapFault } from './soap-fault';
import { ENVELOPE_NAMESPACES, type SoapVersion } from './soap-version';
import { escapeXml } from './xml-text';

const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

export function responseEnvelope(version: SoapVersion, body: string, headers: readonly string[] = []): string {
  const header = headers.length ? `<soap:Header>${headers.join('')}</soap:Header>` : '';
  return `${DECLARATION}<soap:Envelope xmlns:soap="${ENVELOPE_NAMESPACES[version]}">${header}<soap:Body>${body}</soap:Body></soap:Envelope>`;
}

export function faultDetail(fault: SoapFault): string {
  return fault.detail ?? `<iff:FaultDetail xmlns:iff="${FAULT_DETAIL_NS}"><iff:Code>${escapeXml(fault.code)}</iff:Code><iff:Message>${escapeXml(fault.message)}</iff:Message></iff:FaultDetail>`;
}

/** SOAP 1.1 §4.4 faultcode/faultstring/detail, or SOAP 1.2 Code/Reason/Detail with Sender/Receiver. */
export function faultEnvelope(version: SoapVersion, fault: SoapFault, headers: readonly string[] = []): string {
  const message = escapeXml(fault.message);
  if (fault.notUnderstood) {
    const notUnderstood = version === '1.2' ? fault.notUnderstood.map((q) => `<soap:NotUnderstood xmlns:nu="${escapeXml(q.namespace)}" qname="${q.namespace ? 'nu:' : ''}${escapeXml(q.localName)}"/>`) : [];
    const muBody = version === '1.1'
      ? `<soap:Fault><faultcode>soap:MustUnderstand</faultcode><faultstring xml:lang="en">${message}</faultstring></soap:Fault>`
      : `<soap:Fault><soap:Code><soap:Value>soap:MustUnderstand</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">${message}</soap:Text></soap:Reason></soap:Fault>`;
    return responseEnvelope(version, muBody, [...notUnderstood, ...headers]);
  }
  const body = version === '1.1'
    ? `<soap:Fault>${faultcode11(fault)}<faultstring xml:lang="en">${message}</faultstring><detail>${faultDetail(fault)}</detail></soap:Fault>`
    : `<soap:Fault><soap:Code><soap:Value>soap:${fault.kind === 'Client' ? 'Sender' : 'Receiver'}</soap:Value>${subcode(fault)}</soap:Code><soap:Reason><soap:Text xml:lang="en">${message}</soap:Text></soap:Reason><soap:Detail>${faultDetail(fault)}</soap:Detail></soap:Fault>`;
  return responseEnvelope(version, body, headers);
}

/**
 * SOAP 1.1 has one fault code; a more specific one (WSS 1.1 §12: wsse:FailedAuthentication…)
 * takes its place, as the WS-Security SOAP 1.1 binding prescribes, its namespace declared on it.
 */
function faultcode11(fault: SoapFault): string {
  const sub = fault.subcode;
  if (!sub) return `<faultcode>soap:${fault.kind}</faultcode>`;
  return `<faultcode xmlns:${sub.prefix}="${escapeXml(sub.namespace)}">${sub.prefix}:${escapeXml(sub.localName)}</faultcode>`;
}

function subcode(fault: SoapFault): string {
  const sub = fault.subcode;
  if (!sub) return '';
  return `<soap:Subcode><soap:Value xmlns:${sub.prefix}="${escapeXml(sub.namespace)}">${sub.prefix}:${escapeXml(sub.localName)}</soap:Value></soap:Subcode>`;
}

/**
 * SOAP 1.1 over HTTP answers every fault with 500 (WS-I BP R1126); the SOAP 1.2 HTTP binding
 * answers Sender faults with 400. A fault that carries its own status (413, 404…) keeps it.
 */
export function faultStatus(version: SoapVersion, fault: SoapFault): number {
  if (fault.httpStatus !== undefined) return fault.httpStatus;
  if (fault.notUnderstood) return 500;
  return version === '1.2' && fault.kind === 'Client' ? 400 : 500;
}

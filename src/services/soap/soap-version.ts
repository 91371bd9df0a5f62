/**
 * The two SOAP versions every endpoint speaks. A request is answered in the version it was asked
 * in, so one URL serves old SOAP 1.1 toolkits and SOAP 1.2 ones alike.
 */
export type SoapVersion = '1.1' | '1.2';

export const SOAP11_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENVELOPE_NS = 'http://www.w3.org/2003/05/soap-envelope';

export const ENVELOPE_NAMESPACES: Readonly<Record<SoapVersion, string>> = {
  '1.1': SOAP11_ENVELOPE_NS,
  '1.2': SOAP12_ENVELOPE_NS,
};

export const CONTENT_TYPES: Readonly<Record<SoapVersion, string>> = {
  '1.1': 'text/xml; charset=utf-8',
  '1.2': 'application/soap+xml; charset=utf-8',
};

export function versionOfNamespace(namespace: string | undefined): SoapVersion | undefined {
  if (namespace === SOAP11_ENVELOPE_NS) return '1.1';
  if (namespace === SOAP12_ENVELOPE_NS) return '1.2';
  return undefined;
}

/**
 * Faults raised before the envelope is read (size, DOCTYPE, malformed XML) can only go by the
 * Content-Type; SOAP 1.2 is the one with its own media type.
 */
export function versionOfContentType(contentType: string | undefined): SoapVersion {
  return contentType !== undefined && /^\s*application\/soap\+xml\b/i.test(contentType) ? '1.2' : '1.1';
}

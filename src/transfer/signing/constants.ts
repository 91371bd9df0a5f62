/** Namespaces and algorithm identifiers of the signed transfer messages (docs/signing.md). */

export const TRANSFER_NS = 'urn:interflow:transfer:1';

export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
export const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
/** xsi:nil marks a null data value in a transfer (docs/transfer-design.md). */
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

export const X509V3_VALUE_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3';
export const BASE64_ENCODING_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

/** The only algorithms Interflow writes or accepts: anything else is refused, never negotiated. */
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

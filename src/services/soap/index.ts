/** The SOAP layer every Interflow service is built on (docs/services-design.md). */
export { mountSoapService, LOCALS_REQUEST_ID, LOCALS_LOGGED } from './mount-soap-service';
export { clark } from './soap-service';
export type { SignedCall, SoapCaller, SoapContext, SoapReply, SoapHandler, SoapServiceDefinition, SoapAuthenticator, SoapOptions } from './soap-service';
export { SoapFault, faultFromError, internalFault, fieldFault, FAULT_DETAIL_NS } from './soap-fault';
export type { FaultKind, FaultSubcode } from './soap-fault';
export { FieldReader } from './field-reader';
export { ATTRIBUTES_KEY, TEXT_KEY } from './envelope-parser';
export type { SoapNode, QName } from './envelope-parser';
export { xml, escapeXml, rawXml, optionalElement, XmlFragment } from './xml-text';
export { faultEnvelope, faultStatus, responseEnvelope } from './envelope-writer';
export { CONTENT_TYPES, ENVELOPE_NAMESPACES, SOAP11_ENVELOPE_NS, SOAP12_ENVELOPE_NS, versionOfContentType } from './soap-version';
export type { SoapVersion } from './soap-version';
export { DEFAULT_MAX_BODY_BYTES, maxBodyFromEnv, describeSize } from './request-body';
export { baseUrlOf, trustProxyFromEnv } from './base-url';
export type { WsdlFiles } from './wsdl-publisher';
export { readLimited } from './read-limited';

/** The namespaces and SOAPAction conventions of the Wf-XML 2.0 / ASAP contracts (wsdl/wfxml-*.wsdl). */

export const ASAP_NS = 'http://www.oasis-open.org/asap/0.9/asap.xsd';
export const WFXML_NS = 'http://www.wfmc.org/wfxml/2.0/';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

/** `{ns}LocalName`, the key the SOAP layer dispatches on. */
export const asap = (localName: string): string => `{${ASAP_NS}}${localName}`;
export const wfxml = (localName: string): string => `{${WFXML_NS}}${localName}`;

export type WfxmlResource = 'factory' | 'instance' | 'observer';

/**
 * The SOAPAction values the WSDLs declare, in the form the ASAP demo implementations used. The
 * server ignores SOAPAction; Interflow sends it because some receivers (Axis 1, ASMX) route on it.
 */
export function asapAction(resource: WfxmlResource, operation: string): string {
  return `http://www.oasis-open.org/asap/0.9/asap/${resource}/${operation}`;
}

export function wfxmlAction(resource: WfxmlResource, operation: string): string {
  return `http://www.wfmc.org/wfxml/2.0/wfxml/${resource}/${operation}`;
}

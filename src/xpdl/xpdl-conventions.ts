import { attr, child, type XNode } from './xpdl-document';

/**
 * Names both directions must agree on: where XPDL has no element for an Interflow fact, or
 * several ways to say the same thing, the importer and the exporter use these.
 */

/** Completion condition the engine evaluates for MI_FlowCondition="One". */
export const MI_FLOW_ONE = 'nrOfCompletedInstances >= 1';

/** Suffix of the application synthesised for a TaskScript activity (`${activityId}__script`). */
export const SCRIPT_APPLICATION_SUFFIX = '__script';

/** The exception name of a DEFAULTEXCEPTION transition: it catches any exception. */
export const ANY_EXCEPTION = '*';

/**
 * Extended attributes by which the exporter marks an abstract WorkflowProcess that only stands for
 * a process defined elsewhere (XPDL 2.1 requires SubFlow/@Id to name a process of the package).
 */
export const PROXY_PROCESS_REF = 'ProcessRef';
export const PROXY_REMOTE_REF = 'RemoteRef';

/** Application extended attributes that name a web service address (compared case-insensitively). */
export const ENDPOINT_ATTRIBUTES: ReadonlySet<string> = new Set([
  'endpoint', 'endpointaddress', 'wsdl', 'wsdllocation', 'wsdlurl', 'webservice', 'webservicelocation',
]);

/** An extended attribute value that looks like an address (has a URI scheme). */
export function looksLikeAddress(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(value);
}

/** Application extended attribute naming the handler when it is not the application id. */
export const HANDLER_ATTRIBUTE = 'Handler';

/**
 * Exception names the engine gives meaning to (docs/execution.md, "Boundary events"): a failure
 * with a code (`error:*`: any), a message delivered to the case, a signal thrown in it.
 */
export const ERROR_EXCEPTION_PREFIX = 'error:';
export const MESSAGE_EXCEPTION_PREFIX = 'message:';
export const SIGNAL_EXCEPTION_PREFIX = 'signal:';

/** A signal's name: TriggerResultSignal@Name, else the event activity's Name, else its Id. */
export function signalName(event: XNode | undefined, node: XNode, id: string): string {
  return attr(child(event, 'TriggerResultSignal'), 'Name')?.trim() || attr(node, 'Name')?.trim() || id;
}

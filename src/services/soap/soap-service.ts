import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { HeaderBlock, QName, SoapNode } from './envelope-parser';
import type { XmlLimits } from './xml-scanner';
import type { SoapFault } from './soap-fault';
import type { SoapVersion } from './soap-version';
import type { WsdlFiles } from './wsdl-publisher';
import type { XmlFragment } from './xml-text';

/**
 * Who called, as the security layer established it: the one shape of an authenticated user that
 * services, the console and the permission checks share.
 */
export interface SoapCaller {
  readonly username: string;
  readonly via: 'wss' | 'basic' | 'anonymous';
  /** Process definition ids it may start; '*' = any. */
  readonly start: readonly string[];
  /** Participant ids it may act as; '*' = any. */
  readonly participants: readonly string[];
  /** May deploy definitions and change instance state. */
  readonly admin: boolean;
}

export interface SoapContext {
  /** SoapServiceDefinition.name of the service called. */
  service: string;
  version: SoapVersion;
  /** scheme://host:port as the request came in (X-Forwarded-* only with INTERFLOW_TRUST_PROXY=1). */
  baseUrl: string;
  /** baseUrl + the path the request was posted to: this resource's own address (a Wf-XML key). */
  endpoint: string;
  /** The express path parameters of the service path, decoded. */
  pathParams: Record<string, string>;
  /** The operation: the QName of the Body's first child. */
  operation: QName;
  /** Header blocks, parsed like the body (prefixes removed). */
  header: SoapNode;
  /** The same header blocks with namespaces resolved (the envelope is parsed once). */
  headerBlocks: readonly HeaderBlock[];
  /** Set by SoapOptions.authenticate when it recognised the caller. */
  caller?: SoapCaller;
  /** Set by SoapServiceDefinition.verifySignature for a message signed by a trusted party. */
  signed?: SignedCall;
  requestId: string;
  /** The client's address as the socket has it (for throttling; never trusted for anything else). */
  remoteAddress: string;
  log: Logger;
  /** The request document as received: signature checks need the exact bytes, not a parse. */
  envelope: string;
  httpHeaders: IncomingHttpHeaders;
}

export interface SoapReply {
  /** The response element, with its own xmlns declarations. */
  body: string | XmlFragment;
  /** Header blocks, each a complete element with its own xmlns declarations. */
  headers?: Array<string | XmlFragment>;
}

/**
 * A request whose signature verified against a party's registered key: who signed it, and the
 * parts that signature covers. Handlers read a signed request from here, never from the raw
 * envelope, whose unsigned parts anyone on the path could have changed.
 */
export interface SignedCall {
  /** The signing party (a department code). */
  party: string;
  /** The request element, parsed from the signed copy of the Body. */
  body: SoapNode;
  /** The signed header's fields by local name (text only). */
  header: Readonly<Record<string, string>>;
}

/** `body` is the request element, parsed (see SoapNode); read it with FieldReader. */
export type SoapHandler = (body: SoapNode, ctx: SoapContext) => Promise<SoapReply>;

export interface SoapServiceDefinition {
  /** For logs and listings, e.g. "ProcessService". */
  name: string;
  /** Express path; may hold :params (/wfxml/instance/:instanceId). */
  path: string;
  wsdl: WsdlFiles;
  /** Keyed by the request element's QName in Clark notation: `{namespace}LocalName`. */
  operations: Record<string, SoapHandler>;
  /**
   * The service establishes who its callers are by its own means (a department's signature, a
   * UDDI authInfo), so the server's caller authentication (UsernameToken, Basic) is not applied.
   */
  authenticatesItself?: boolean;
  /**
   * Runs before the server's caller authentication. A message signed by a trusted party returns
   * what its signature covers, and then stands in for user credentials (the handler gets the
   * signed body and `ctx.signed`); an unsigned message returns undefined and is authenticated as
   * usual; a bad signature throws a fault.
   */
  verifySignature?: (ctx: SoapContext) => Promise<SignedCall | undefined>;
  /**
   * Header blocks (Clark names, `{namespace}LocalName`) this service reads. A block addressed to
   * us with mustUnderstand that is neither listed here nor wsse:Security (understood everywhere) is
   * answered with a MustUnderstand fault before any work.
   */
  understoodHeaders?: readonly string[];
  /**
   * Dresses a fault the SOAP layer raises for this service before its handler runs (a request the
   * published schema refuses): the Wf-XML services add ASAP's fault detail, as their handlers do.
   */
  shapeFault?: (fault: SoapFault) => SoapFault;
}

/**
 * Establishes the caller before the handler runs. Return undefined for an anonymous caller; throw
 * a SoapFault to refuse the request.
 */
export type SoapAuthenticator = (ctx: SoapContext) => Promise<SoapCaller | undefined>;

export interface SoapOptions {
  log: Logger;
  /** Request body limit in bytes; default 1 MiB (src/app gives INTERFLOW_MAX_BODY). */
  maxBodyBytes?: number;
  /** Depth, element, attribute and name limits checked before parsing (default DEFAULT_XML_LIMITS). */
  xmlLimits?: XmlLimits;
  /** Believe X-Forwarded-Proto/Host; default false (src/app gives INTERFLOW_TRUST_PROXY). */
  trustProxy?: boolean;
  authenticate?: SoapAuthenticator;
  /**
   * Turns errors of other modules (the security layer's, say) into faults; return undefined for
   * errors it does not know, which then get the default mapping.
   */
  mapError?: (error: unknown) => SoapFault | undefined;
  /** Told of every request answered (the metrics hook; the SOAP layer keeps no metrics of its own). */
  observe?: (o: SoapObservation) => void;
}

/** One request as SoapOptions.observe hears of it. */
export interface SoapObservation {
  service: string;
  /** The operation's local name, only when the endpoint has it (callers choose the element name). */
  operation?: string;
  seconds: number;
  fault?: { kind: string; code?: string };
}

/** `{namespace}LocalName`, the key of SoapServiceDefinition.operations. */
export function clark(namespace: string, localName: string): string {
  return `{${namespace}}${localName}`;
}

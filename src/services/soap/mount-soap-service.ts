import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IRouter, Request, Response } from 'express';
import type { Logger } from 'pino';
import { baseUrlOf } from './base-url';
import { parseEnvelope } from './envelope-parser';
import { faultEnvelope, faultStatus, responseEnvelope } from './envelope-writer';
import { DEFAULT_MAX_BODY_BYTES, readBody } from './request-body';
import { scanXmlTree, scanXmlPrefix, DEFAULT_XML_LIMITS } from './xml-scanner';
import { echo } from './echo';
import { SoapFault, faultFromError } from './soap-fault';
import { clark, type SoapContext, type SoapHandler, type SoapObservation, type SoapOptions, type SoapServiceDefinition } from './soap-service';
import { CONTENT_TYPES, versionOfContentType, type SoapVersion } from './soap-version';
import { WsdlPublisher } from './wsdl-publisher';
import { requestValidators } from './schema/operation-validators';

/** res.locals keys shared with the HTTP layer's request log. */
export const LOCALS_REQUEST_ID = 'requestId';
export const LOCALS_LOGGED = 'requestLogged';

const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';

const XML_CONTENT_TYPE = /^\s*(?:text\/xml|application\/soap\+xml|application\/xml)\b/i;

/**
 * A mounted service's POST handler on node's own request and response, for a server that routes
 * requests to exact paths before express sees them (express's per-request layers cost about what
 * the whole SOAP echo does).
 */
export interface SoapEndpoint {
  /** The path as mounted (express syntax; may hold :params). */
  readonly path: string;
  /** Whether `path` is a plain path, so an exact match of the request path finds this endpoint. */
  readonly exact: boolean;
  /** Answers one POST; the caller has chosen the request id (and sent it as X-Request-Id). */
  post(req: IncomingMessage, res: ServerResponse, requestId: string): void;
}

/**
 * Mounts one SOAP service at `def.path`: POST dispatches on the QName of the Body's first child
 * (SOAPAction is not consulted: known senders disagree on it), GET serves `?wsdl` and `?xsd=NAME`.
 * Every failure, ours or the caller's, is answered with a fault in the caller's SOAP version, and
 * the endpoint keeps serving.
 */
export function mountSoapService(app: IRouter, def: SoapServiceDefinition, options: SoapOptions): SoapEndpoint {
  const publisher = new WsdlPublisher(def.wsdl);
  // Compiled here, at start-up, from the documents `?wsdl`/`?xsd=` publish: what is checked is
  // exactly what callers were told (docs/contract.md).
  const validators = requestValidators(def);
  const operations = new Map<string, SoapHandler>(Object.entries(def.operations));
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const trustProxy = options.trustProxy ?? false;
  const log = options.log.child({ soapService: def.name });
  const knownOperations = describeOperations(Object.keys(def.operations));
  const xmlLimits = options.xmlLimits ?? DEFAULT_XML_LIMITS;
  const readOptions = { probe: (prefix: string) => scanXmlPrefix(prefix, xmlLimits) };
  const understood = new Set(def.understoodHeaders ?? []);
  // docs/security.md: wsse:Security is understood on every endpoint (the security layer reads it
  // where credentials or signatures are checked; a development server without users ignores it).
  understood.add(clark(WSSE_NS, 'Security'));

  app.post(def.path, (req, res) => {
    const requestId = (res.locals[LOCALS_REQUEST_ID] as string | undefined) ?? randomUUID();
    void dispatch(req, res, requestId, { ...(req.params as Record<string, string>) }, req.originalUrl, () => {
      res.locals[LOCALS_LOGGED] = true;
    });
  });
  app.get(def.path, (req, res) => describe(req, res));
  app.all(def.path, (req, res) => {
    res.setHeader('Allow', 'GET, POST');
    const version = versionOfContentType(req.headers['content-type']);
    const fault = new SoapFault('Client', `${req.method} is not supported here; POST a SOAP request, or GET ${def.path}?wsdl`, 'METHOD_NOT_ALLOWED', { httpStatus: 405 });
    send(res, faultStatus(version, fault), version, faultEnvelope(version, fault));
  });

  /** `url` is the request target as the client sent it; `logged` tells the HTTP layer's request log this request has its line. */
  async function dispatch(req: IncomingMessage, res: ServerResponse, requestId: string, pathParams: Record<string, string>, url: string, logged?: () => void): Promise<void> {
    const started = process.hrtime.bigint();
    let version: SoapVersion = versionOfContentType(req.headers['content-type']);
    let operation: string | undefined;
    // Metrics label only operations this endpoint has: callers choose the element name.
    let known: string | undefined;
    // A child logger costs a serialisation of its bindings; most requests never log through it.
    let child: Logger | undefined;
    const requestLog = (): Logger => (child ??= log.child({ requestId }));
    try {
      const contentType = req.headers['content-type'];
      if (contentType !== undefined && !XML_CONTENT_TYPE.test(contentType)) {
        req.resume();
        throw new SoapFault('Client', `Content-Type "${contentType}" is not SOAP; send text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)`, 'NOT_SOAP', { httpStatus: 415 });
      }
      const text = await readBody(req, limit, readOptions);
      // One pass checks the limits and well-formedness and builds the tree as it goes (nothing is
      // built from a document the checks refuse); that parse is shared by the MustUnderstand
      // check, the security check and the operation.
      const envelope = parseEnvelope(text, scanXmlTree(text, xmlLimits));
      version = envelope.version;
      operation = echo(envelope.operation.localName);
      const notUnderstood = envelope.headerBlocks.length === 0 ? [] : envelope.headerBlocks.filter((b) => b.mustUnderstand && !understood.has(clark(b.ns ?? '', b.local)));
      if (notUnderstood.length > 0) {
        const names = notUnderstood.map((b) => `{${echo(b.ns ?? '')}}${echo(b.local)}`).join(', ');
        throw new SoapFault('Client', `the header ${names} is marked mustUnderstand but ${def.path} does not process it; remove the header or its mustUnderstand attribute`, 'MUST_UNDERSTAND', {
          notUnderstood: notUnderstood.map((b) => ({ namespace: b.ns ?? '', localName: b.local })),
        });
      }
      const operationKey = clark(envelope.operation.namespace, envelope.operation.localName);
      const handler = operations.get(operationKey);
      if (!handler) {
        const ns = envelope.operation.namespace ? `{${echo(envelope.operation.namespace)}}` : '(no namespace) ';
        throw new SoapFault('Client', `unknown operation ${ns}${echo(envelope.operation.localName)} at ${def.path}; this endpoint has ${knownOperations}`, 'UNKNOWN_OPERATION');
      }
      known = operation;
      const baseUrl = baseUrlOf(req, trustProxy);
      const ctx: SoapContext = {
        service: def.name,
        version,
        baseUrl,
        endpoint: baseUrl + pathOf(url),
        pathParams,
        operation: envelope.operation,
        header: envelope.header,
        headerBlocks: envelope.headerBlocks,
        requestId,
        remoteAddress: req.socket.remoteAddress ?? 'unknown',
        get log() {
          return requestLog();
        },
        envelope: text,
        httpHeaders: req.headers,
      };
      const signed = def.verifySignature ? await def.verifySignature(ctx) : undefined;
      if (signed) ctx.signed = signed;
      else if (options.authenticate && !def.authenticatesItself) {
        const caller = await options.authenticate(ctx);
        if (caller) ctx.caller = caller;
      }
      const body = signed ? signed.body : envelope.body;
      try {
        validators.get(operationKey)?.(body);
      } catch (error) {
        throw error instanceof SoapFault && def.shapeFault ? def.shapeFault(error) : error;
      }
      const reply = await handler(body, ctx);
      send(res, 200, version, responseEnvelope(version, String(reply.body), (reply.headers ?? []).map(String)));
      logRequest(log, options.observe, logged, { service: def.name, requestId, operation, known, version, status: 200, started });
    } catch (error) {
      const { fault, expected } = faultFromError(error, requestId, options.mapError);
      if (!expected) requestLog().error({ err: error, operation }, 'request failed with an unexpected error');
      const status = faultStatus(version, fault);
      if (!res.headersSent) {
        for (const [name, value] of Object.entries(fault.httpHeaders ?? {})) res.setHeader(name, value);
        send(res, status, version, faultEnvelope(version, fault));
      }
      logRequest(log, options.observe, logged, { service: def.name, requestId, operation, known, version, status, started, fault });
    }
  }

  function describe(req: Request, res: Response): void {
    const params = new URL(req.originalUrl, 'http://localhost').searchParams;
    const keys = [...params.keys()].map((k) => k.toLowerCase());
    const endpoint = baseUrlOf(req, trustProxy) + req.originalUrl.split('?')[0];
    if (keys.includes('wsdl')) {
      res.status(200).type('text/xml; charset=utf-8').send(publisher.wsdlFor(endpoint));
      return;
    }
    const xsdKey = [...params.keys()].find((k) => k.toLowerCase() === 'xsd');
    if (xsdKey !== undefined) {
      const name = params.get(xsdKey) ?? '';
      const schema = publisher.schemaFor(name, endpoint);
      if (schema === undefined) {
        res.status(404).type('text/plain; charset=utf-8').send(`No schema "${name}" here; this endpoint publishes ${publisher.schemaNames.map((n) => `?xsd=${n}`).join(', ') || 'none'}\n`);
        return;
      }
      res.status(200).type('text/xml; charset=utf-8').send(schema);
      return;
    }
    res.status(200).type('text/plain; charset=utf-8').send(`${def.name}: a SOAP 1.1 and SOAP 1.2 endpoint. POST SOAP requests here; the contract is at ${endpoint}?wsdl\n`);
  }

  return {
    path: def.path,
    exact: !/[:*?(){}]/.test(def.path),
    post: (req, res, requestId) => void dispatch(req, res, requestId, {}, req.url ?? def.path),
  };
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function send(res: ServerResponse, status: number, version: SoapVersion, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', CONTENT_TYPES[version]);
  res.end(body);
}

/** One line per SOAP request; a fault's line carries its kind and code. */
function logRequest(
  log: Logger,
  observe: ((o: SoapObservation) => void) | undefined,
  logged: (() => void) | undefined,
  entry: { service: string; requestId: string; operation?: string; known?: string; version: SoapVersion; status: number; started: bigint; fault?: SoapFault },
): void {
  logged?.();
  const seconds = Number(process.hrtime.bigint() - entry.started) / 1e9;
  observe?.({ service: entry.service, operation: entry.known, seconds, ...(entry.fault ? { fault: { kind: entry.fault.kind, code: entry.fault.code } } : {}) });
  const ms = Math.round(seconds * 1e5) / 100;
  const line = { requestId: entry.requestId, operation: entry.operation, soap: entry.version, status: entry.status, ms };
  if (!entry.fault) {
    log.info(line, 'soap request');
    return;
  }
  const faultLine = { ...line, fault: entry.fault.kind, faultCode: entry.fault.code, faultMessage: echo(entry.fault.message, 512) };
  if (entry.fault.kind === 'Client') log.warn(faultLine, 'soap fault');
  else log.error(faultLine, 'soap fault');
}

/** "StartProcess, GetProcessInstance … (namespace urn:…)", grouped by namespace. */
function describeOperations(keys: string[]): string {
  const byNs = new Map<string, string[]>();
  for (const key of keys) {
    const m = /^\{([^}]*)\}(.+)$/.exec(key);
    const [ns, local] = m ? [m[1], m[2]] : ['', key];
    byNs.set(ns, [...(byNs.get(ns) ?? []), local]);
  }
  if (byNs.size === 0) return 'no operations';
  return [...byNs].map(([ns, locals]) => `${locals.join(', ')} (namespace ${ns || 'none'})`).join('; ');
}

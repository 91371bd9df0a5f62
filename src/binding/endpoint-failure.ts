import { SoapTransportError } from '../services/soap';
import { AsapDeliveryError } from '../services/wfxml';

/**
 * Which failures of a call mean "this endpoint is not there" (try the binding's new address, or the
 * next binding) rather than "the service answered no" (a SOAP fault, which another replica would
 * answer the same way and which must reach the caller unchanged). Connection errors, timeouts and
 * the HTTP statuses of a missing or unavailable service count; everything else is the caller's.
 */

/** Thrown by a call function to say its endpoint failed, whatever the underlying error. */
export class EndpointFailure extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'EndpointFailure';
  }
}

const TRANSPORT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_HEADERS_TIMEOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
/** Not found (nothing serves that path there any more), and the gateway/unavailable family. */
const ENDPOINT_STATUSES = new Set([404, 502, 503, 504]);

export function isEndpointFailure(e: unknown): boolean {
  if (e instanceof EndpointFailure) return true;
  // A reply over the size limit came from a live endpoint: another replica would answer the same.
  if (e instanceof SoapTransportError) return e.failure !== 'too-large';
  if (e instanceof AsapDeliveryError) return e.status === undefined || ENDPOINT_STATUSES.has(e.status);
  if (e === null || typeof e !== 'object') return false;
  const err = e as { name?: string; message?: string; code?: string; status?: number; statusCode?: number; response?: { status?: number }; cause?: unknown; endpointFailure?: boolean };
  if (err.endpointFailure === true) return true;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return true;
  for (let c: unknown = e, depth = 0; c && typeof c === 'object' && depth < 4; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSPORT_CODES.has(code)) return true;
  }
  const status = err.response?.status ?? err.status ?? err.statusCode;
  if (typeof status === 'number' && ENDPOINT_STATUSES.has(status)) return true;
  // undici's generic wrapper when the cause carries no code.
  return err.name === 'TypeError' && err.message === 'fetch failed';
}

/**
 * Whether the endpoint refused or never answered, as opposed to answering 404/503. A timeout says
 * so: a DOMException's code is a number (23 for a timeout), which told an operator nothing.
 */
export function failureReason(e: unknown): string {
  const err = e as { name?: string; message?: string; code?: unknown; cause?: { code?: unknown; message?: string } };
  if (err?.name === 'TimeoutError') return err.message?.startsWith('timed out') ? err.message : `timed out (${err.message ?? 'no reply'})`;
  if (typeof err?.cause?.code === 'string') return err.cause.code;
  if (typeof err?.code === 'string') return err.code;
  return err?.message ?? String(e);
}

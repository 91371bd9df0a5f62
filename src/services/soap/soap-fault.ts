
/** Namespace of the detail element every Interflow fault carries (docs/services-design.md). */
export const FAULT_DETAIL_NS = 'urn:interflow:fault:1';

export type FaultKind = 'Client' | 'Server';

export interface FaultSubcode {
  namespace: string;
  /** Prefix to declare for the namespace in the fault. */
  prefix: string;
  localName: string;
}

/**
 * A fault meant for the caller. `Client` means the caller can fix it (SOAP 1.2: env:Sender);
 * `Server` means we failed (env:Receiver). The message is sent as is, so it must say what to do
 * and never carry internals.
 */
export class SoapFault extends Error {
  /** HTTP status to answer with instead of the SOAP binding's default (413, 404, 405, 415). */
  readonly httpStatus?: number;
  /** Replaces the default `iff:FaultDetail` (a UDDI dispositionReport, say); trusted XML. */
  readonly detail?: string;
  /** SOAP 1.2 Subcode, e.g. wsse:FailedAuthentication; in SOAP 1.1 it is the faultcode itself. */
  readonly subcode?: FaultSubcode;
  /** Response headers to send with the fault (WWW-Authenticate with a 401, say). */
  readonly httpHeaders?: Readonly<Record<string, string>>;
  /**
   * Header blocks addressed to us with mustUnderstand that no part of this service understands:
   * the fault's code is then soap:MustUnderstand (SOAP 1.1 §4.4.1, SOAP 1.2 part 1 §5.4.8), and a
   * SOAP 1.2 fault names each block in an env:NotUnderstood header.
   */
  readonly notUnderstood?: ReadonlyArray<{ namespace: string; localName: string }>;

  constructor(
    readonly kind: FaultKind,
    message: string,
    readonly code: string = kind === 'Client' ? 'INVALID_REQUEST' : 'INTERNAL',
    options: { httpStatus?: number; detail?: string; subcode?: FaultSubcode; httpHeaders?: Record<string, string>; notUnderstood?: Array<{ namespace: string; localName: string }> } = {},
  ) {
    super(message);
    this.name = 'SoapFault';
    if (options.httpStatus !== undefined) this.httpStatus = options.httpStatus;
    if (options.detail !== undefined) this.detail = options.detail;
    if (options.subcode !== undefined) this.subcode = options.subcode;
    if (options.httpHeaders !== undefined) this.httpHeaders = options.httpHeaders;
    if (options.notUnderstood !== undefined) this.notUnderstood = options.notUnderstood;
  }
}

/** What the caller may see of a failure we did not foresee: where to look, not what broke. */
export function internalFault(requestId: string): SoapFault {
  return new SoapFault(
    'Server',
    `The service could not process the request because of an internal error. It has been logged under correlation id ${requestId}; quote it when you report the problem.`,
    'INTERNAL',
  );
}

/**
 * Turns anything a handler throws into the fault the caller gets: `mapError` (the composition
 * root's: engine and security errors) first, then faults as thrown; everything else becomes a
 * generic Server fault, and `expected` is false so the caller of this function logs the real error.
 */
export function faultFromError(
  error: unknown,
  requestId: string,
  mapError?: (error: unknown) => SoapFault | undefined,
): { fault: SoapFault; expected: boolean } {
  const mapped = mapError?.(error);
  if (mapped) return { fault: mapped, expected: mapped.kind === 'Client' };
  if (error instanceof SoapFault) return { fault: error, expected: error.kind === 'Client' || error.code !== 'INTERNAL' };
  return { fault: internalFault(requestId), expected: false };
}

/** A Client fault for a field that is missing or not of its declared type. */
export function fieldFault(path: string, problem: string): SoapFault {
  return new SoapFault('Client', `${path}: ${problem}`, 'INVALID_FIELD');
}

import { EngineError } from '../../engine';
import { XpdlImportError } from '../../xpdl';
import { AuthorizationError } from '../security';
import { FAULT_DETAIL_NS, SoapFault, type FaultKind, type FaultSubcode } from '../soap';
import { escapeXml } from '../soap';
import { ASAP_NS } from './namespaces';

/**
 * ASAP fault detail codes, by class as in Wf-XML 1.x: 1xx the message, its headers or its sender, 2xx the
 * data, 3xx the resource's state or an operation it does not offer, 4xx an unknown resource, 5xx
 * our own failure. The numbers are Interflow's; ASAP 0.9 left them to implementations.
 */
export const AsapErrorCodes = {
  header: 101,
  forbidden: 102,
  invalidData: 201,
  invalidDefinition: 202,
  illegalState: 301,
  unsupported: 302,
  notFound: 401,
  internal: 501,
} as const;

const ENGINE_CODES: Record<string, number> = {
  NOT_FOUND: AsapErrorCodes.notFound,
  ILLEGAL_STATE: AsapErrorCodes.illegalState,
  INVALID_DEFINITION: AsapErrorCodes.invalidDefinition,
  INVALID_DATA: AsapErrorCodes.invalidData,
  FORBIDDEN: AsapErrorCodes.header,
  CONFLICT: AsapErrorCodes.illegalState,
};

/**
 * The detail carries both Interflow's own `iff:FaultDetail` (every Interflow fault has it, see
 * docs/services-design.md) and ASAP's `as:Fault`, which the Wf-XML WSDLs declare.
 */
export function asapFault(kind: FaultKind, errorCode: number, message: string, code?: string, subcode?: FaultSubcode): SoapFault {
  const iffCode = code ?? (kind === 'Client' ? 'INVALID_REQUEST' : 'INTERNAL');
  const detail =
    `<iff:FaultDetail xmlns:iff="${FAULT_DETAIL_NS}"><iff:Code>${escapeXml(iffCode)}</iff:Code><iff:Message>${escapeXml(message)}</iff:Message></iff:FaultDetail>` +
    `<as:Fault xmlns:as="${ASAP_NS}"><as:ErrorCode>${errorCode}</as:ErrorCode><as:ErrorMessage>${escapeXml(message)}</as:ErrorMessage></as:Fault>`;
  return new SoapFault(kind, message, iffCode, { detail, ...(subcode ? { subcode } : {}) });
}

/**
 * What a handler throws, as the fault the caller gets. Errors nobody foresaw are passed on
 * unchanged: the SOAP layer logs them and answers with a generic Server fault and a correlation id.
 */
export function toAsapFault(error: unknown): unknown {
  if (error instanceof SoapFault) {
    if (error.detail !== undefined) return error;
    if (error.kind === 'Server' && error.code === 'INTERNAL') return error;
    const cls = error.code === 'INVALID_FIELD' || error.code === 'INVALID_REQUEST' ? AsapErrorCodes.invalidData : error.kind === 'Client' ? AsapErrorCodes.header : AsapErrorCodes.internal;
    return asapFault(error.kind, cls, error.message, error.code, error.subcode);
  }
  if (error instanceof EngineError && error.isClientError) {
    return asapFault('Client', ENGINE_CODES[error.code] ?? AsapErrorCodes.invalidData, error.message, error.code);
  }
  if (error instanceof AuthorizationError) {
    return asapFault('Client', AsapErrorCodes.forbidden, error.message, 'FORBIDDEN');
  }
  if (error instanceof XpdlImportError) {
    return asapFault('Client', AsapErrorCodes.invalidDefinition, error.message, 'INVALID_DEFINITION');
  }
  return error;
}

import { EngineError } from '../engine';
import { recordSoapRequest } from '../monitoring';
import { securityFault } from '../services/http';
import { SoapFault, type SoapOptions } from '../services/soap';

/**
 * Engine errors the caller can fix keep their message and code in the fault; the SOAP layer knows
 * no engine, so the composition root tells it.
 */
export function engineFault(error: unknown): SoapFault | undefined {
  if (error instanceof EngineError && error.isClientError) return new SoapFault('Client', error.message, error.code);
  return undefined;
}

/** The hooks every SOAP endpoint of a department gets: security and engine errors as faults, metrics. */
export const departmentSoapHooks: Pick<SoapOptions, 'mapError' | 'observe'> = {
  mapError: (error) => securityFault(error) ?? engineFault(error),
  observe: recordSoapRequest,
};

/** The registry hub's: its services throw faults of their own; metrics. */
export const hubSoapHooks: Pick<SoapOptions, 'mapError' | 'observe'> = {
  mapError: engineFault,
  observe: recordSoapRequest,
};

export type BindingErrorCode =
  /** No department with that code is registered. */
  | 'UNKNOWN_DEPARTMENT'
  /** The department (or capability) exists, but no live endpoint offers that service. */
  | 'NO_ENDPOINT'
  /** Every endpoint was tried and failed at the connection/HTTP level. */
  | 'ALL_ENDPOINTS_FAILED'
  /** The registry could not be reached and nothing usable was cached. */
  | 'REGISTRY_UNAVAILABLE'
  /** The department publishes no signing certificate (or a broken one). */
  | 'NO_CERTIFICATE'
  | 'INVALID_TARGET';

export interface BindingAttempt {
  url: string;
  bindingKey: string;
  error: string;
}

/** Why dynamic binding could not produce or reach an endpoint, in words an operator can act on. */
export class BindingError extends Error {
  constructor(
    readonly code: BindingErrorCode,
    message: string,
    readonly attempts: BindingAttempt[] = [],
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'BindingError';
  }
}

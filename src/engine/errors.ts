/**
 * Engine errors carry a `code` the service layer maps to faults: `client` codes are the caller's
 * to fix (bad input, unknown ids, illegal state changes), `server` codes are ours.
 */
export type EngineErrorCode =
  | 'NOT_FOUND'
  | 'ILLEGAL_STATE'
  | 'INVALID_DEFINITION'
  | 'INVALID_DATA'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'INTERNAL';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }

  get isClientError(): boolean {
    return this.code !== 'INTERNAL';
  }
}

export class NotFoundError extends EngineError {
  constructor(what: string, id: string, hint?: string) {
    super('NOT_FOUND', `${what} "${id}" does not exist${hint ? `: ${hint}` : ''}`);
    this.name = 'NotFoundError';
  }
}

export class IllegalStateError extends EngineError {
  constructor(message: string) {
    super('ILLEGAL_STATE', message);
    this.name = 'IllegalStateError';
  }
}

/**
 * An authenticated party asked for something the process does not grant it (docs/security-model.md).
 * Kept apart from other refusals so logs and the message log can say "refused (not authorised)".
 */
export class NotAuthorisedError extends EngineError {
  constructor(message: string) {
    super('FORBIDDEN', `not authorised: ${message}`);
    this.name = 'NotAuthorisedError';
  }
}

export class InvalidDataError extends EngineError {
  constructor(message: string) {
    super('INVALID_DATA', message);
    this.name = 'InvalidDataError';
  }
}

/** A definition that cannot be deployed; `problems` lists every problem found, each naming its element. */
export class DefinitionError extends EngineError {
  constructor(
    readonly processId: string,
    readonly problems: string[],
  ) {
    super(
      'INVALID_DEFINITION',
      `Process "${processId}" cannot be deployed:\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'DefinitionError';
  }
}

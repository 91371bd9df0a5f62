/**
 * Errors of the security module. None of them ever carries a secret: no password, digest, nonce or
 * Authorization header value appears in a message, a reason or any other property.
 */

/** Machine-readable class of an authentication failure (stable: the SOAP layer may switch on it). */
export type AuthFailureCode =
  /** No credentials of an accepted kind were sent. */
  | 'missing-credentials'
  /** Credentials were sent but are structurally wrong (a missing Nonce, a bad Created format...). */
  | 'malformed'
  /** A kind of credential this service does not accept (PasswordText, an unknown Password Type). */
  | 'unsupported'
  /** Credentials that are only accepted over TLS arrived over plain HTTP. */
  | 'insecure-transport'
  /** UsernameToken Created is too old or too far in the future. */
  | 'expired'
  /** UsernameToken nonce already seen within the freshness window. */
  | 'replay'
  /** Unknown user or wrong password/digest (deliberately not told apart to the caller). */
  | 'failed'
  /** WS-Security and HTTP Basic name different users. */
  | 'conflict'
  /** The replay cache is full: the server cannot safely accept more tokens right now. */
  | 'unavailable';

/**
 * Fault codes of OASIS WSS 1.1 SOAP Message Security §12, in namespace {@link WSSE_FAULT_NS}.
 * The SOAP layer may use them as the fault (sub)code: `wsse:FailedAuthentication` etc.
 */
export type WsseFaultCode =
  | 'UnsupportedSecurityToken'
  | 'InvalidSecurity'
  | 'InvalidSecurityToken'
  | 'FailedAuthentication'
  | 'FailedCheck'
  | 'SecurityTokenUnavailable'
  | 'MessageExpired';

/** The fault (sub)code of a WS-Security failure, as SoapFault carries it (SOAP 1.1 faultcode, SOAP 1.2 Subcode). */
export function wsseSubcode(code: WsseFaultCode): { namespace: string; prefix: string; localName: string } {
  return { namespace: WSSE_FAULT_NS, prefix: 'wsse', localName: code };
}

export const WSSE_FAULT_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';

export interface AuthenticationErrorDetails {
  code: AuthFailureCode;
  /** Detail for the log, never for the caller. No secrets. */
  reason: string;
  /** The service the caller tried to reach. */
  serviceName: string;
  /** The user name the caller claimed, when there was one (it is not a secret; it is for the log). */
  username?: string;
  wsseFault?: WsseFaultCode;
  /** When set, answer HTTP 401 with this `WWW-Authenticate` header value. */
  challenge?: string;
}

/**
 * The caller could not be authenticated. `message` is for the caller (it says what to fix without
 * telling an unknown user from a wrong password); `reason` is for the log.
 */
export class AuthenticationError extends Error {
  readonly code: AuthFailureCode;
  readonly reason: string;
  readonly serviceName: string;
  readonly username?: string;
  readonly wsseFault?: WsseFaultCode;
  readonly challenge?: string;

  constructor(message: string, details: AuthenticationErrorDetails) {
    super(message);
    this.name = 'AuthenticationError';
    this.code = details.code;
    this.reason = details.reason;
    this.serviceName = details.serviceName;
    if (details.username !== undefined) this.username = details.username;
    if (details.wsseFault !== undefined) this.wsseFault = details.wsseFault;
    if (details.challenge !== undefined) this.challenge = details.challenge;
  }

  /** True when the failure is the server's (replay cache full): answer soap:Server / env:Receiver. */
  get isServerError(): boolean {
    return this.code === 'unavailable';
  }

  /** HTTP status the SOAP layer should use: 401 with a challenge, 503 when unavailable, else its own fault status. */
  get httpStatus(): number | undefined {
    if (this.challenge) return 401;
    if (this.code === 'unavailable') return 503;
    return undefined;
  }
}

export type AuthorizedAction =
  | { kind: 'start'; processId: string }
  | { kind: 'act-as'; participant: string }
  | { kind: 'administer'; operation?: string };

/** An authenticated caller asked for something its permissions do not include. */
export class AuthorizationError extends Error {
  constructor(
    message: string,
    readonly username: string,
    readonly action: AuthorizedAction,
  ) {
    super(message);
    this.name = 'AuthorizationError';
  }
}

/** The users file or the security settings are wrong; `problems` lists each one, naming user and field. */
export class SecurityConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(
      problems.length === 1
        ? `Security configuration (${source}): ${problems[0]}`
        : `Security configuration (${source}) has ${problems.length} problems:\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'SecurityConfigError';
  }
}

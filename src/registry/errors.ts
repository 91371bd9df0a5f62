/**
 * UDDI v3 error codes (UDDI v3.0.2 §12.1). A UddiError reaches the caller as a dispositionReport
 * inside a SOAP Fault; its message is sent as the errInfo text, so it must say what to fix and
 * never carry internals.
 */
export const UDDI_ERRORS = {
  E_success: 0,
  E_tooManyOptions: 10030,
  E_unrecognizedVersion: 10040,
  E_unsupported: 10050,
  E_languageError: 10060,
  E_authTokenExpired: 10110,
  E_authTokenRequired: 10120,
  E_userMismatch: 10140,
  E_unknownUser: 10150,
  E_accountLimitExceeded: 10160,
  E_invalidKeyPassed: 10210,
  E_invalidURLPassed: 10220,
  E_keyRetired: 10310,
  E_busy: 10400,
  E_fatalError: 10500,
  E_invalidValue: 20200,
  E_valueNotAllowed: 20210,
  E_unvalidatable: 20220,
  E_invalidProjection: 20230,
  E_requestTimeout: 20240,
  E_assertionNotFound: 30000,
  E_invalidCompletionStatus: 30100,
  E_messageTooLarge: 30110,
  E_transferAborted: 30200,
  E_requestDenied: 30210,
  E_invalidTime: 40030,
  E_tokenAlreadyExists: 40070,
  E_keyUnavailable: 40100,
  E_resultSetTooLarge: 40300,
  E_unacceptableSignature: 40400,
  E_invalidCombination: 40500,
  E_transferNotAllowed: 40600,
} as const;

export type UddiErrorCode = keyof typeof UDDI_ERRORS;

export type UddiKeyType = 'businessKey' | 'tModelKey' | 'serviceKey' | 'bindingKey';

export class UddiError extends Error {
  constructor(
    readonly errorCode: UddiErrorCode,
    readonly errno: number,
    message: string,
    /** result/@keyType: which kind of key the error is about, when it is about one. */
    readonly keyType?: UddiKeyType,
  ) {
    super(message);
    this.name = 'UddiError';
  }

  /**
   * Who was refused what, for the node's log (a refused publication is worth an operator's look:
   * it may be a department trying another's partition). Never sent; never holds a secret.
   */
  audit?: Record<string, string | string[] | undefined>;

  withAudit(audit: Record<string, string | string[] | undefined>): this {
    this.audit = audit;
    return this;
  }

  /** The caller's fault (soap:Client) unless the node itself failed or is busy. */
  get isClientError(): boolean {
    return this.errorCode !== 'E_fatalError' && this.errorCode !== 'E_busy';
  }
}

/** A UddiError with the errno the specification assigns to the code. */
export function uddiError(code: UddiErrorCode, message: string, keyType?: UddiKeyType): UddiError {
  return new UddiError(code, UDDI_ERRORS[code], message, keyType);
}

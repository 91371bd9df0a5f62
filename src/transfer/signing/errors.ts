/**
 * Why a message was refused. The transfer layer turns every code into a SOAP fault and a message
 * log entry, so each code names one checkable fact (docs/signing.md lists them in check order).
 */
export type SignatureErrorCode =
  | 'malformed'
  | 'unsigned'
  | 'incomplete'
  | 'unknown-sender'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'replay'
  | 'wrong-receiver';

/**
 * The WSS 1.1 SOAP Message Security §12 fault code of each refusal: a signature that does not
 * verify failed its check; a sender whose certificate the registry does not hold left the token
 * unavailable; a stale timestamp expired the message; anything else is an invalid security header.
 */
export const WSSE_CODE_OF_SIGNATURE_ERROR: Readonly<Record<SignatureErrorCode, 'InvalidSecurity' | 'FailedCheck' | 'SecurityTokenUnavailable' | 'MessageExpired'>> = {
  malformed: 'InvalidSecurity',
  unsigned: 'InvalidSecurity',
  incomplete: 'InvalidSecurity',
  'unknown-sender': 'SecurityTokenUnavailable',
  'bad-signature': 'FailedCheck',
  expired: 'MessageExpired',
  'not-yet-valid': 'MessageExpired',
  replay: 'InvalidSecurity',
  'wrong-receiver': 'FailedCheck',
};

export class SignatureError extends Error {
  override readonly name = 'SignatureError';

  constructor(
    readonly code: SignatureErrorCode,
    message: string,
    /** The claimed sender, when the envelope got far enough to name one (for the message log). */
    readonly sender?: string,
  ) {
    super(message);
  }
}

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

import { join } from 'node:path';
import type { Logger } from 'pino';
import { SoapFault, type WsdlFiles } from '../services/soap';
import { SignatureError, verifyEnvelope, type ReplayCacheLike } from './signing';
import type { MessageLog } from './message-log';
import type { TransferDirectory } from './transfer-directory';
import { readDeliver, readTransferHeader, type TransferHeader, type TransferItem } from './transfer-items';

const WSDL_DIR = join(__dirname, '..', '..', 'wsdl');

/** The contract the TransferService and the hub's relay both speak. */
export const TRANSFER_WSDL: WsdlFiles = {
  file: join(WSDL_DIR, 'transfer-service.wsdl'),
  schemas: { 'transfer-service.xsd': join(WSDL_DIR, 'transfer-service.xsd') },
};

export interface VerifiedDelivery {
  header: TransferHeader;
  items: TransferItem[];
}

/**
 * Verifies a Deliver against the registry's certificate of its sender and reads it from the signed
 * parts only. A refusal is logged with its reason and becomes a Client fault; it changes nothing.
 */
export async function verifiedDelivery(
  envelope: string,
  o: { directory: TransferDirectory; messageLog: MessageLog; log: Logger; replayCache: ReplayCacheLike; receiver: string; refusedBy: string },
): Promise<VerifiedDelivery> {
  const at = new Date();
  try {
    const verified = await verifyEnvelope(envelope, { certificateFor: (d) => o.directory.certificateFor(d), replayCache: o.replayCache });
    return { header: readTransferHeader(verified.signedHeader), items: readDeliver(verified.signedBody) };
  } catch (error) {
    if (!(error instanceof SignatureError)) throw error;
    await o.messageLog
      .record({ messageId: `refused-${at.getTime()}`, direction: 'refused', sender: error.sender ?? '?', receiver: o.receiver, at, outcome: 'refused', reason: `${error.code}: ${error.message}`, envelope, items: [] })
      .catch((err: unknown) => o.log.error({ err }, 'could not log a refused transfer'));
    o.log.warn({ code: error.code, reason: error.message }, `${o.refusedBy} refused a message: signature`);
    throw new SoapFault('Client', `${o.refusedBy} refused: ${error.message}`, `SIGNATURE_${error.code.toUpperCase().replace(/-/g, '_')}`);
  }
}

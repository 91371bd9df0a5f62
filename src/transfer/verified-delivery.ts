import { join } from 'node:path';
import type { Logger } from 'pino';
import { SoapFault, type WsdlFiles } from '../services/soap';
import { echo } from '../services/soap';
import { inThisThread, SignatureError, WSSE_CODE_OF_SIGNATURE_ERROR, type EnvelopeCrypto, type ReplayCacheLike } from './signing';
import { wsseSubcode } from '../services/security';
import type { MessageLog } from './message-log';
import type { TransferDirectory } from './transfer-directory';
import type { MessageFieldLimits } from './repository';
import { transfersRefused } from '../monitoring';
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
  o: { directory: TransferDirectory; messageLog: MessageLog; log: Logger; replayCache: ReplayCacheLike; receiver: string; refusedBy: string; crypto?: EnvelopeCrypto },
): Promise<VerifiedDelivery> {
  const at = new Date();
  try {
    const verified = await (o.crypto ?? inThisThread).verify(envelope, { certificateFor: (d) => o.directory.certificateFor(d), replayCache: o.replayCache });
    const delivery = { header: readTransferHeader(verified.signedHeader), items: readDeliver(verified.signedBody) };
    // The verifier matched the key on the Sender with its spaces trimmed; everything downstream
    // (authorisation, the inbox, the log) uses the header's, which must be that very department.
    if (delivery.header.sender !== verified.sender) {
      throw new SignatureError('bad-signature', `the signed Sender "${echo(delivery.header.sender, 64)}" is not exactly "${verified.sender}", the department whose key verified it`, verified.sender);
    }
    await refuseRepeatedItems(delivery, envelope, at, o);
    return delivery;
  } catch (error) {
    if (!(error instanceof SignatureError)) throw error;
    const reason = `${error.code}: ${error.message}`;
    const fault = new SoapFault('Client', `${o.refusedBy} refused: ${error.message}`, `SIGNATURE_${error.code.toUpperCase().replace(/-/g, '_')}`, {
      subcode: wsseSubcode(WSSE_CODE_OF_SIGNATURE_ERROR[error.code]),
    });
    // The sender is unverified here (anyone can claim any name): it never becomes a label.
    transfersRefused.inc({ peer: '(unverified)', direction: 'in', reason: error.code });
    const full = o.messageLog.anonymousRefusals.take((count, from, to) => {
      o.log.warn({ count, from, to }, `${o.refusedBy} refused ${count} more unsigned or badly signed messages, not logged one by one`);
      void o.messageLog
        .record({ messageId: `refused-summary-${to.getTime()}`, direction: 'refused', sender: '?', receiver: o.receiver, at: to, outcome: 'refused', reason: `summary: ${count} more messages refused for their signature between ${from.toISOString()} and ${to.toISOString()}, not logged one by one`, envelope: '', items: [] })
        .catch((err: unknown) => o.log.error({ err }, 'could not log a refusal summary'));
    });
    if (!full) throw fault;
    const refusal = { messageId: `refused-${at.getTime()}`, direction: 'refused' as const, sender: error.sender ?? '?', receiver: o.receiver, at, outcome: 'refused' as const, reason, envelope };
    // The items it claimed go in the log too, marked refused-signature, so a case's trace shows
    // who tried what with it; should they not fit the log, the refusal is logged without them.
    await o.messageLog
      .record({ ...refusal, items: claimedItems(envelope, o.messageLog.limits).map((item) => ({ item, outcome: 'refused-signature', reason })) })
      .catch(() => o.messageLog.record({ ...refusal, items: [] }))
      .catch((err: unknown) => o.log.error({ err }, 'could not log a refused transfer'));
    o.log.warn({ code: error.code, reason: echo(error.message, 512) }, `${o.refusedBy} refused a message: signature`);
    throw fault;
  }
}

/**
 * One message carries each item once. An item twice over (no Interflow sender does that) would be
 * taken once and acknowledged twice, and the message log keys its entries by item: the second
 * entry failed the whole Deliver with an internal error after the items were taken, and the
 * sender's retry failed the same way, for ever. Refused up front instead, before anything is taken.
 */
async function refuseRepeatedItems(
  { header, items }: VerifiedDelivery,
  envelope: string,
  at: Date,
  o: { messageLog: MessageLog; log: Logger; receiver: string; refusedBy: string },
): Promise<void> {
  const seen = new Set<string>();
  const twice = items.find((item) => (seen.has(item.itemId) ? true : (seen.add(item.itemId), false)));
  if (!twice) return;
  const reason = `item ${twice.itemId} appears more than once in one message; each item is sent once`;
  transfersRefused.inc({ peer: header.sender, direction: 'in', reason: 'invalid' }, items.length);
  await o.messageLog
    .record({ messageId: header.messageId, direction: 'refused', sender: header.sender, receiver: o.receiver, at, outcome: 'refused', reason, envelope, items: [] })
    .catch((err: unknown) => o.log.error({ err }, 'could not log a refused transfer'));
  o.log.warn({ from: header.sender, messageId: header.messageId, itemId: twice.itemId }, `${o.refusedBy} refused a message: an item repeated`);
  throw new SoapFault('Client', `${o.refusedBy} refused: ${reason}`, 'DUPLICATE_ITEM');
}

/** At most this many claimed items of a refused message are logged. */
const MAX_CLAIMED_ITEMS = 50;

/**
 * The items an unverified envelope claims to carry, read only for the log (nothing is taken from
 * them). Anything unreadable, oversized or carrying a DTD yields none: a forger gets no say over
 * how much the log stores or how the parser expands it.
 */
function claimedItems(envelope: string, limits: MessageFieldLimits): TransferItem[] {
  if (/<!DOCTYPE|<!ENTITY/i.test(envelope)) return [];
  const open = /<((?:[A-Za-z_][\w.-]*:)?)Body[\s>]/.exec(envelope);
  if (!open) return [];
  const close = `</${open[1]}Body>`;
  const end = envelope.lastIndexOf(close);
  if (end < open.index) return [];
  const body = envelope.slice(open.index, end + close.length);
  try {
    const seen = new Set<string>();
    return readDeliver(body)
      .filter((i) => i.itemId.length <= limits.itemId && i.caseId.length <= limits.caseId && (i.kind !== 'hand-over' || i.activityId.length <= limits.name) && (i.kind !== 'publish' || i.packageId.length <= limits.name))
      .filter((i) => (seen.has(i.itemId) ? false : (seen.add(i.itemId), true)))
      .slice(0, MAX_CLAIMED_ITEMS);
  } catch {
    return [];
  }
}

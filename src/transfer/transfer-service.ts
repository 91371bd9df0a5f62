import type { Logger } from 'pino';
import { EngineError, participatingDepartments, type WorkflowEngine } from '../engine';
import { importXpdl, XpdlImportError } from '../xpdl';
import { SoapFault, type SoapServiceDefinition, rawXml } from '../services/soap';
import { ReplayCache, TRANSFER_NS, type ReplayCacheLike } from './signing';
import { TRANSFER_WSDL, verifiedDelivery } from './verified-delivery';
import { deliverResponse, type Ack, type TransferItem } from './transfer-items';
import type { MessageLog } from './message-log';
import { TRANSFER_SERVICE_PATH, type TransferDirectory } from './transfer-directory';

export interface TransferServiceOptions {
  engine: WorkflowEngine;
  directory: TransferDirectory;
  messageLog: MessageLog;
  log: Logger;
  replayCache?: ReplayCacheLike;
}

/**
 * The receiving side of a transfer. A Deliver is taken only when its signature verifies against
 * the sender department's certificate from the registry; then each item is taken in its own
 * engine transaction, idempotently, and acknowledged. A refused message changes nothing and is
 * logged with its reason.
 */
export function transferService(o: TransferServiceOptions): SoapServiceDefinition {
  const replayCache = o.replayCache ?? new ReplayCache();
  const department = o.engine.department;
  return {
    name: 'TransferService',
    path: TRANSFER_SERVICE_PATH,
    wsdl: TRANSFER_WSDL,
    authenticatesItself: true,
    operations: {
      [`{${TRANSFER_NS}}Deliver`]: async (_body, ctx) => {
        const at = new Date();
        const { header, items } = await verifiedDelivery(ctx.envelope, { ...o, replayCache, receiver: department ?? '?', refusedBy: 'Transfer' });
        if (!department || header.receiver !== department) {
          const reason = `addressed to department ${header.receiver}; this is ${department ?? 'an engine without a department'}`;
          await logRefusal(o, ctx.envelope, reason, at, header.sender, header.receiver, header.messageId);
          throw new SoapFault('Client', `Transfer refused: ${reason}`, 'WRONG_RECEIVER');
        }
        const acks: Ack[] = [];
        for (const item of items) acks.push(await take(o, item, header.sender));
        await o.messageLog.record({
          messageId: header.messageId,
          direction: 'in',
          sender: header.sender,
          receiver: header.receiver,
          at,
          outcome: 'delivered',
          envelope: ctx.envelope,
          items: items.map((item, i) => ({ item, outcome: acks[i].status, ...(acks[i].reason ? { reason: acks[i].reason } : {}) })),
        });
        for (const [i, a] of acks.entries()) {
          const item = items[i];
          o.log.info({ caseId: item.caseId, itemId: a.itemId, kind: item.kind, from: header.sender, status: a.status, ...(a.reason ? { reason: a.reason } : {}) }, `transfer ${item.kind} ${a.status}`);
        }
        return { body: rawXml(deliverResponse(acks)) };
      },
    },
  };
}

/** Takes one item; refusals are per item, so one bad item does not hold up the others. */
async function take(o: TransferServiceOptions, item: TransferItem, sender: string): Promise<Ack> {
  try {
    if (item.kind === 'publish') {
      const pkg = importXpdl(item.source);
      const department = o.engine.department;
      if (!department || !participatingDepartments(pkg).includes(department)) {
        return { itemId: item.itemId, status: 'refused', reason: `department ${department ?? '(unnamed)'} takes no part in package ${item.packageId}` };
      }
      const results = await o.engine.deploy(pkg, { source: item.source, actor: sender });
      o.log.info({ packageId: item.packageId, from: sender, results }, 'published definition installed');
      return { itemId: item.itemId, status: results.some((r) => r.created) ? 'accepted' : 'duplicate' };
    }
    if (item.kind === 'hand-over') {
      if (item.home !== sender) {
        return { itemId: item.itemId, status: 'refused', reason: `hand-over for a case whose home is ${item.home}, sent by ${sender}` };
      }
      const receipt = await o.engine.acceptHandOver({ ...item, sender, data: item.data });
      return { itemId: item.itemId, status: receipt.accepted ? 'accepted' : 'duplicate' };
    }
    const options = { messageId: `result:${item.itemId}`, source: sender };
    const applied = item.outcome === 'completed'
      ? await o.engine.completeTransferredActivity(item.caseId, item.activityInstanceId, item.data, options)
      : await o.engine.failTransferredActivity(item.caseId, item.activityInstanceId, item.reason ?? `department ${sender} could not perform the activity`, options);
    return { itemId: item.itemId, status: applied ? 'accepted' : 'duplicate' };
  } catch (error) {
    if ((error instanceof EngineError && error.isClientError) || error instanceof XpdlImportError) return { itemId: item.itemId, status: 'refused', reason: error.message };
    o.log.error({ err: error, caseId: item.caseId, itemId: item.itemId }, 'transfer item failed on this side');
    return { itemId: item.itemId, status: 'error', reason: 'the receiving engine failed; the sender will retry' };
  }
}

async function logRefusal(o: TransferServiceOptions, envelope: string, reason: string, at: Date, sender = '?', receiver = o.engine.department ?? '?', messageId = `refused-${at.getTime()}`): Promise<void> {
  await o.messageLog
    .record({ messageId, direction: 'refused', sender, receiver, at, outcome: 'refused', reason, envelope, items: [] })
    .catch((err: unknown) => o.log.error({ err }, 'could not log a refused transfer'));
}

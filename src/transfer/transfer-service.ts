import type { Logger } from 'pino';
import { EngineError, NotAuthorisedError, participatingDepartments, type WorkflowEngine } from '../engine';
import { importXpdl, XpdlImportError } from '../xpdl';
import { SoapFault, type SoapServiceDefinition, rawXml } from '../services/soap';
import { ReplayCache, TRANSFER_NS, type EnvelopeCrypto, type ReplayCacheLike } from './signing';
import { TRANSFER_WSDL, verifiedDelivery } from './verified-delivery';
import { deliverResponse, type Ack, type PublishItem, type TransferItem } from './transfer-items';
import type { HeldPackages } from './held-packages';
import type { MessageLog } from './message-log';
import { TRANSFER_SERVICE_PATH, type TransferDirectory } from './transfer-directory';
import { transferKindLabel, transfersReceived, transfersRefused } from '../monitoring';

export interface TransferServiceOptions {
  engine: WorkflowEngine;
  directory: TransferDirectory;
  messageLog: MessageLog;
  log: Logger;
  replayCache?: ReplayCacheLike;
  /** Where Deliver signatures are verified (default: in the event loop). */
  crypto?: EnvelopeCrypto;
  /** Published packages from these departments install at once; from others they are held. */
  installFrom?: ReadonlySet<string> | '*';
  heldPackages: HeldPackages;
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
    understoodHeaders: [`{${TRANSFER_NS}}TransferHeader`],
    operations: {
      [`{${TRANSFER_NS}}Deliver`]: async (_body, ctx) => {
        const at = new Date();
        const { header, items } = await verifiedDelivery(ctx.envelope, { ...o, replayCache, receiver: department ?? '?', refusedBy: 'Transfer' });
        if (!department || header.receiver !== department) {
          const reason = `addressed to department ${header.receiver}; this is ${department ?? 'an engine without a department'}`;
          await logRefusal(o, ctx.envelope, reason, at, header.sender, header.receiver, header.messageId);
          transfersRefused.inc({ peer: header.sender, direction: 'in', reason: 'wrong-receiver' }, items.length || 1);
          throw new SoapFault('Client', `Transfer refused: ${reason}`, 'WRONG_RECEIVER');
        }
        const results = await takeAll(o, items, header.sender, at);
        await o.messageLog.record({
          messageId: header.messageId,
          direction: 'in',
          sender: header.sender,
          receiver: header.receiver,
          at,
          outcome: 'delivered',
          envelope: ctx.envelope,
          items: items.map((item, i) => ({ item, outcome: results[i].outcome, ...(results[i].ack.reason ? { reason: results[i].ack.reason } : {}) })),
        });
        for (const [i, { ack: a, outcome }] of results.entries()) {
          const item = items[i];
          const line = { caseId: item.caseId, itemId: a.itemId, kind: item.kind, from: header.sender, status: a.status, ...(a.reason ? { reason: a.reason } : {}) };
          if (a.status === 'accepted') transfersReceived.inc({ peer: header.sender, kind: transferKindLabel(item.kind) });
          if (a.status === 'refused') transfersRefused.inc({ peer: header.sender, direction: 'in', reason: outcome === 'not-authorised' ? 'not-authorised' : 'invalid' });
          if (outcome === 'not-authorised') o.log.warn(line, `transfer ${item.kind} refused (not authorised)`);
          // A new item for an activity instance taken before is no resend but a home asking for the work twice.
          else if (item.kind === 'hand-over' && a.status === 'duplicate' && a.reason) o.log.warn(line, 'transfer hand-over duplicate of an activity instance taken before');
          else o.log.info(line, `transfer ${item.kind} ${a.status}`);
        }
        return { body: rawXml(deliverResponse(results.map((r) => r.ack))) };
      },
    },
  };
}

/** What became of one item: its acknowledgement, and the outcome the message log keeps. */
interface Taken {
  ack: Ack;
  /** accepted | duplicate | held | refused | not-authorised | error */
  outcome: string;
}

const taken = (itemId: string, status: Ack['status'], outcome: string = status, reason?: string): Taken => ({
  ack: { itemId, status, ...(reason ? { reason } : {}) },
  outcome,
});

/**
 * Takes a message's items: the items of one case one after another, in the order sent; different
 * cases at once, so that their transactions share one group commit instead of waiting for each
 * other's.
 */
async function takeAll(o: TransferServiceOptions, items: TransferItem[], sender: string, at: Date): Promise<Taken[]> {
  const results: Taken[] = new Array(items.length);
  const byCase = new Map<string, number[]>();
  items.forEach((item, i) => {
    const ofCase = byCase.get(item.caseId);
    if (ofCase) ofCase.push(i);
    else byCase.set(item.caseId, [i]);
  });
  await Promise.all(
    [...byCase.values()].map(async (indexes) => {
      for (const i of indexes) results[i] = await take(o, items[i], sender, at);
    }),
  );
  return results;
}

/** Takes one item; refusals are per item, so one bad item does not hold up the others. */
async function take(o: TransferServiceOptions, item: TransferItem, sender: string, at: Date): Promise<Taken> {
  try {
    if (item.kind === 'publish') return await takePackage(o, item, sender, at);
    if (item.kind === 'hand-over') {
      const receipt = await o.engine.acceptHandOver({ ...item, sender, data: item.data });
      return receipt.accepted ? taken(item.itemId, 'accepted') : taken(item.itemId, 'duplicate', 'duplicate', receipt.reason);
    }
    const applied = await o.engine.acceptTransferResult(
      item.caseId,
      item.activityInstanceId,
      { outcome: item.outcome, data: item.data, ...(item.reason ? { reason: item.reason } : {}) },
      { messageId: `result:${item.itemId}`, from: sender },
    );
    return taken(item.itemId, applied ? 'accepted' : 'duplicate');
  } catch (error) {
    if (error instanceof NotAuthorisedError) return taken(item.itemId, 'refused', 'not-authorised', error.message);
    if ((error instanceof EngineError && error.isClientError) || error instanceof XpdlImportError) return taken(item.itemId, 'refused', 'refused', error.message);
    o.log.error({ err: error, caseId: item.caseId, itemId: item.itemId }, 'transfer item failed on this side');
    return taken(item.itemId, 'error', 'error', 'the receiving engine failed; the sender will retry');
  }
}

/**
 * A published package: installed only where this department takes part, only under the
 * ownership rules (WorkflowEngine.checkPublication), and only from departments listed in
 * INTERFLOW_INSTALL_FROM; from anyone else it waits for an administrator.
 */
async function takePackage(o: TransferServiceOptions, item: PublishItem, sender: string, at: Date): Promise<Taken> {
  const pkg = importXpdl(item.source);
  const department = o.engine.department;
  if (!department || !participatingDepartments(pkg).includes(department)) {
    throw new NotAuthorisedError(`department ${department ?? '(unnamed)'} takes no part in package ${item.packageId}; it installs only what it performs`);
  }
  const installFrom = o.installFrom ?? new Set<string>();
  if (installFrom !== '*' && !installFrom.has(sender)) {
    // Only what could be installed is held; deploy checks the same rules when it installs.
    await o.engine.checkPublication(pkg, sender);
    const held = await o.heldPackages.hold({ id: item.itemId, packageId: item.packageId, sender, source: item.source, at });
    o.log.warn({ packageId: item.packageId, from: sender, heldId: item.itemId }, `package ${item.packageId} from ${sender} held for an administrator (interflow packages approve ${item.itemId})`);
    return taken(item.itemId, held ? 'accepted' : 'duplicate', 'held', `held for an administrator of department ${department}: ${sender} is not in its INTERFLOW_INSTALL_FROM`);
  }
  const results = await o.engine.deploy(pkg, { source: item.source, actor: sender, publishedBy: sender });
  o.log.info({ packageId: item.packageId, from: sender, results }, 'published definition installed');
  return taken(item.itemId, results.some((r) => r.created) ? 'accepted' : 'duplicate');
}

async function logRefusal(o: TransferServiceOptions, envelope: string, reason: string, at: Date, sender = '?', receiver = o.engine.department ?? '?', messageId = `refused-${at.getTime()}`): Promise<void> {
  await o.messageLog
    .record({ messageId, direction: 'refused', sender, receiver, at, outcome: 'refused', reason, envelope, items: [] })
    .catch((err: unknown) => o.log.error({ err }, 'could not log a refused transfer'));
}

import type { WorkflowEngine } from '../engine';
import { NotFoundError } from '../engine';
import { ReplayCache, SignatureError, verifyEnvelope } from './signing';
import type { MessageLog, TraceEntry } from './message-log';
import { readDeliver, type TransferItem } from './transfer-items';
import type { TransferDirectory } from './transfer-directory';

export interface CaseWhereabouts {
  caseId: string;
  /** Present when this engine is the case's home: where each open activity is. */
  home?: {
    department?: string;
    state: string;
    processId: string;
    version: number;
    holders: Array<{ activityId: string; name?: string; department: string; state: string }>;
    waitingAt: string[];
  };
  /** Hand-overs and results of the case that passed through this node (sent, received, relayed). */
  transfers: TraceEntry[];
}

/**
 * "Where is my case?" from this node's point of view: the home knows which department holds which
 * activity; every node knows the hand-overs it sent, received or relayed, from its message log.
 */
export async function whereIs(engine: WorkflowEngine, messageLog: MessageLog, caseId: string): Promise<CaseWhereabouts> {
  const transfers = await messageLog.trace(caseId);
  try {
    const inst = await engine.getInstance(caseId);
    return {
      caseId,
      home: {
        department: engine.department,
        state: inst.state,
        processId: inst.processId,
        version: inst.version,
        holders: inst.openActivities.map((a) => ({
          activityId: a.activityId,
          name: a.name,
          department: a.department ?? engine.department ?? '(local)',
          state: a.state,
        })),
        waitingAt: inst.waitingAt,
      },
      transfers,
    };
  } catch (error) {
    if (error instanceof NotFoundError) return { caseId, transfers };
    throw error;
  }
}

export interface VerifiedMessage {
  /** signature: the logged envelope verifies; result-origin: an accepted result came from the department the activity was handed to. */
  check: 'signature' | 'result-origin';
  messageId: string;
  direction: string;
  sender: string;
  ok: boolean;
  detail: string;
  itemId?: string;
  activityId?: string;
}

/**
 * Verifies a case's logged exchange again: the signature of every logged message against the
 * registry's certificates of today (as X-Road's message log allows: evidence that what the log
 * says was exchanged was signed by the department it names; freshness is judged at the time each
 * message was logged), and, given the engine of the case's home, that every result it accepted
 * came from the department its history says the activity was handed to. Messages refused on
 * arrival are not evidence of the exchange and are not checked again: the trace lists them.
 */
export async function verifyCaseMessages(messageLog: MessageLog, directory: TransferDirectory, caseId: string, home?: WorkflowEngine): Promise<VerifiedMessage[]> {
  const out: VerifiedMessage[] = [];
  const verified: Array<{ messageId: string; direction: string; sender: string; at: Date; items: TransferItem[] }> = [];
  for (const m of await messageLog.envelopes(caseId)) {
    if (m.direction === 'refused') continue;
    const created = /<wsu:Created>([^<]+)<\/wsu:Created>/.exec(m.envelope)?.[1];
    try {
      const v = await verifyEnvelope(m.envelope, {
        certificateFor: (d) => directory.certificateFor(d),
        replayCache: new ReplayCache(),
        ...(created ? { now: new Date(created) } : {}),
      });
      out.push({ check: 'signature', messageId: m.messageId, direction: m.direction, sender: v.sender, ok: true, detail: `signed by ${v.sender} (certificate ${v.certificateFingerprint256.slice(0, 16)}…)` });
      let items: TransferItem[] = [];
      try {
        items = readDeliver(v.signedBody);
      } catch {
        // A verified message this version cannot read carries nothing the origin check could use.
      }
      verified.push({ messageId: m.messageId, direction: m.direction, sender: v.sender, at: m.at, items });
    } catch (error) {
      const detail = error instanceof SignatureError ? `${error.code}: ${error.message}` : (error as Error).message;
      out.push({ check: 'signature', messageId: m.messageId, direction: m.direction, sender: m.sender, ok: false, detail });
    }
  }
  if (home) out.push(...(await verifyResultOrigins(home, messageLog, caseId, verified)));
  return out;
}

/**
 * At the case's home: every result the log says was accepted, read from its verified envelope,
 * must come from the department the history's `activity.transferred` handed that activity
 * instance to (the hand-over before the result, when it was handed over more than once).
 */
async function verifyResultOrigins(
  engine: WorkflowEngine,
  messageLog: MessageLog,
  caseId: string,
  verified: Array<{ messageId: string; direction: string; sender: string; at: Date; items: TransferItem[] }>,
): Promise<VerifiedMessage[]> {
  let history;
  try {
    history = await engine.history(caseId);
    await engine.getInstance(caseId);
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
  // The outbox keeps each hand-over's activity instance; the logged outgoing hand-overs too.
  const instanceOfMessage = new Map<string, string>();
  for (const o of await engine.outbox({ instanceId: caseId })) {
    if ('activityInstanceId' in o.payload && typeof o.payload.activityInstanceId === 'string') instanceOfMessage.set(o.id, o.payload.activityInstanceId);
  }
  for (const m of verified) {
    if (m.direction !== 'out') continue;
    for (const i of m.items) if (i.kind === 'hand-over' && !instanceOfMessage.has(i.itemId)) instanceOfMessage.set(i.itemId, i.activityInstanceId);
  }
  const handedOver = new Map<string, Array<{ to: string; at: Date; activityId?: string }>>();
  for (const h of history) {
    if (h.type !== 'activity.transferred' || h.detail?.kind !== 'transfer') continue;
    const to = h.detail.to;
    const instance = typeof h.detail.messageId === 'string' ? instanceOfMessage.get(h.detail.messageId) : undefined;
    if (typeof to !== 'string' || !instance) continue;
    handedOver.set(instance, [...(handedOver.get(instance) ?? []), { to, at: new Date(h.at), ...(h.activityId ? { activityId: h.activityId } : {}) }]);
  }
  const accepted = new Set((await messageLog.trace(caseId)).filter((t) => t.direction === 'in' && t.kind === 'result' && t.outcome === 'accepted').map((t) => `${t.messageId} ${t.itemId}`));
  const out: VerifiedMessage[] = [];
  for (const m of verified) {
    if (m.direction !== 'in') continue;
    for (const item of m.items) {
      if (item.kind !== 'result' || item.caseId !== caseId || !accepted.has(`${m.messageId} ${item.itemId}`)) continue;
      // Both times are this engine's clock: the history's and the log's time of receipt.
      const all = handedOver.get(item.activityInstanceId) ?? [];
      const before = all.filter((x) => x.at.getTime() <= m.at.getTime());
      const last = (before.length ? before : all)[(before.length ? before : all).length - 1];
      const base = { check: 'result-origin' as const, messageId: m.messageId, direction: m.direction, sender: m.sender, itemId: item.itemId, ...(last?.activityId ? { activityId: last.activityId } : {}) };
      if (!last) out.push({ ...base, ok: false, detail: `result for activity instance ${item.activityInstanceId} accepted from ${m.sender}, but the case's history shows no hand-over of it` });
      else if (last.to !== m.sender) out.push({ ...base, ok: false, detail: `result for activity ${last.activityId ?? item.activityInstanceId} accepted from ${m.sender}, but it was handed to ${last.to}` });
      else out.push({ ...base, ok: true, detail: `result for activity ${last.activityId ?? item.activityInstanceId} came from ${last.to}, to whom it was handed` });
    }
  }
  return out;
}

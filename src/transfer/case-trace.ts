import type { WorkflowEngine } from '../engine';
import { NotFoundError } from '../engine';
import { ReplayCache, SignatureError, verifyEnvelope } from './signing';
import type { MessageLog, TraceEntry } from './message-log';
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
  messageId: string;
  direction: string;
  sender: string;
  ok: boolean;
  detail: string;
}

/**
 * Verifies the logged signatures of a case's messages again, against the registry's certificates
 * of today (as X-Road's message log allows): evidence that what the log says was exchanged was
 * signed by the department it names. Freshness is judged at the time each message was logged.
 */
export async function verifyCaseMessages(messageLog: MessageLog, directory: TransferDirectory, caseId: string): Promise<VerifiedMessage[]> {
  const out: VerifiedMessage[] = [];
  for (const m of await messageLog.envelopes(caseId)) {
    const created = /<wsu:Created>([^<]+)<\/wsu:Created>/.exec(m.envelope)?.[1];
    try {
      const v = await verifyEnvelope(m.envelope, {
        certificateFor: (d) => directory.certificateFor(d),
        replayCache: new ReplayCache(),
        ...(created ? { now: new Date(created) } : {}),
      });
      out.push({ messageId: m.messageId, direction: m.direction, sender: v.sender, ok: true, detail: `signed by ${v.sender} (certificate ${v.certificateFingerprint256.slice(0, 16)}…)` });
    } catch (error) {
      const detail = error instanceof SignatureError ? `${error.code}: ${error.message}` : (error as Error).message;
      out.push({ messageId: m.messageId, direction: m.direction, sender: m.sender, ok: false, detail });
    }
  }
  return out;
}

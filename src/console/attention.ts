import type { OutboxRecord, WorkflowEngine } from '../engine';
import type { FederationKeys } from '../binding';
import type { HeldPackage, HeldState } from '../transfer';
import { bindingView, registryPage, type ConsoleRegistry } from './registry-view';

/**
 * What needs an operator's attention on this server (the console overview's first part and the
 * /console/attention lists): messages to other departments that are stuck or dead, incidents,
 * packages held for approval, refused messages, and lapsed leases of this department's bindings.
 * Every part is read separately: one that cannot be read says why, the others still answer.
 */

/** A pending message counts as stuck after a failed attempt, or once it is this old. */
export const DEFAULT_STUCK_AFTER_SECONDS = 300;
/** Refusals this recent count. */
export const DEFAULT_REFUSALS_HOURS = 24;
/** Open cases read when looking for incidents (the store has no query for failed activities). */
const INCIDENT_SCAN_LIMIT = 2000;
/** Items listed per kind (the counts are complete up to the scan limits). */
const LIST_LIMIT = 200;

export type AttentionKind = 'stuck' | 'dead' | 'incidents' | 'held' | 'refused' | 'leases';
export const ATTENTION_KINDS: readonly AttentionKind[] = ['stuck', 'dead', 'incidents', 'held', 'refused', 'leases'];

export interface AttentionSources {
  engine: WorkflowEngine;
  heldPackages?: { list(filter?: { state?: HeldState }): Promise<HeldPackage[]> };
  refusals?: (filter: { since?: Date; limit?: number }) => Promise<Array<{ at: Date; cause: string; messageId: string; direction: string; sender: string; receiver: string; reason?: string; items: Array<{ itemId: string; caseId: string; kind: string; activityId?: string }> }>>;
  registry?: ConsoleRegistry;
  keys: FederationKeys;
  /** The registry hub's console: it runs no cases (no hand-overs, no incidents) and watches every department's leases. */
  hub?: boolean;
}

export interface AttentionPart<T> {
  /** How many there are (null: this part could not be read, see `error`). */
  count: number | null;
  items: T[];
  /** More exist than were read or listed. */
  truncated?: boolean;
  error?: string;
}

export interface MessageItem {
  id: string;
  caseId: string;
  kind: string;
  destination: string;
  attempts: number;
  createdAt: Date;
  nextAttemptAt: Date;
  lastError: string | null;
}

export interface IncidentItem {
  caseId: string;
  processId: string;
  subject: string | null;
  activityId: string;
  activityName: string | null;
  activityInstanceId: string;
  error: string | null;
}

export interface LeaseItem {
  bindingKey: string;
  accessPoint: string | null;
  lease: string;
}

export interface Attention {
  department: string | null;
  stuckAfterSeconds: number;
  refusalsSinceHours: number;
  /** Null on the registry hub, which sends nothing itself. */
  stuck: AttentionPart<MessageItem> | null;
  dead: AttentionPart<MessageItem> | null;
  incidents: AttentionPart<IncidentItem> | null;
  /** Administrators only; null for anyone else, or where the server holds no packages. */
  held: AttentionPart<HeldPackage> | null;
  /** Administrators only; null for anyone else, or where there is no transfer message log. */
  refused: AttentionPart<Record<string, unknown>> | null;
  /** Null where there is no registry or no department (on the hub: every department's). */
  leases: AttentionPart<LeaseItem & { department?: string }> | null;
}

export async function readAttention(src: AttentionSources, o: { admin: boolean; now: Date; stuckAfterSeconds?: number; refusalsHours?: number }): Promise<Attention> {
  const stuckAfter = o.stuckAfterSeconds ?? DEFAULT_STUCK_AFTER_SECONDS;
  const hours = o.refusalsHours ?? DEFAULT_REFUSALS_HOURS;
  const { engine } = src;
  const department = engine.department ?? null;
  if (src.hub) {
    const [refused, leases] = await Promise.all([
      o.admin && src.refusals ? part(async () => (await src.refusals!({ since: new Date(o.now.getTime() - hours * 3600_000), limit: LIST_LIMIT + 1 })).map((r) => ({ ...r }) as Record<string, unknown>)) : null,
      src.registry ? part(() => everyLapsedLease(src.registry!, src.keys, o.now)) : null,
    ]);
    return { department: null, stuckAfterSeconds: stuckAfter, refusalsSinceHours: hours, stuck: null, dead: null, incidents: null, held: null, refused, leases };
  }
  const [pending, dead, incidents, held, refused, leases] = await Promise.all([
    part(async () => {
      const rows = await engine.outbox({ state: 'pending' });
      return rows.filter((m) => m.attempts > 0 || o.now.getTime() - m.createdAt.getTime() >= stuckAfter * 1000).map(messageItem);
    }),
    part(async () => (await engine.outbox({ state: 'dead' })).map(messageItem)),
    part(() => readIncidents(engine)),
    o.admin && src.heldPackages ? part(() => src.heldPackages!.list({ state: 'held' })) : null,
    o.admin && src.refusals
      ? part(async () => (await src.refusals!({ since: new Date(o.now.getTime() - hours * 3600_000), limit: LIST_LIMIT + 1 })).map((r) => ({ ...r } as Record<string, unknown>)))
      : null,
    src.registry && department ? part(() => lapsedLeases(src.registry!, src.keys, department, o.now)) : null,
  ]);
  return { department, stuckAfterSeconds: stuckAfter, refusalsSinceHours: hours, stuck: pending, dead, incidents, held, refused, leases };
}

async function part<T>(read: () => Promise<T[] | { items: T[]; truncated: boolean }>): Promise<AttentionPart<T>> {
  try {
    const got = await read();
    const all = Array.isArray(got) ? got : got.items;
    const truncated = (!Array.isArray(got) && got.truncated) || all.length > LIST_LIMIT;
    return { count: all.length, items: all.slice(0, LIST_LIMIT), ...(truncated ? { truncated: true } : {}) };
  } catch (e) {
    return { count: null, items: [], error: (e as Error).message.split('\n', 1)[0]!.slice(0, 300) };
  }
}

function messageItem(m: OutboxRecord): MessageItem {
  return { id: m.id, caseId: m.instanceId, kind: m.kind, destination: m.destination, attempts: m.attempts, createdAt: m.createdAt, nextAttemptAt: m.nextAttemptAt, lastError: m.lastError ?? null };
}

/** Failed activities of open cases, newest cases first, reading at most INCIDENT_SCAN_LIMIT cases. */
async function readIncidents(engine: WorkflowEngine): Promise<{ items: IncidentItem[]; truncated: boolean }> {
  const items: IncidentItem[] = [];
  const defs = new Map<string, Promise<Map<string, string | undefined>>>();
  const namesOf = (processId: string, version: number) => {
    const key = `${processId}@${version}`;
    let p = defs.get(key);
    if (!p) defs.set(key, (p = engine.getDefinition(processId, version).then((d) => new Map(d.definition.activities.map((a) => [a.id, a.name]))).catch(() => new Map())));
    return p;
  };
  let scanned = 0;
  let total = 0;
  for (let page = 0; scanned < INCIDENT_SCAN_LIMIT; page++) {
    const chunk = await engine.listInstances({ statePrefix: 'open.', offset: page * 200, limit: 200 });
    total = chunk.total;
    for (const c of chunk.items) {
      for (const ai of c.runtime.activities) {
        if (ai.state !== 'failed') continue;
        const names = await namesOf(c.processId, c.version);
        items.push({ caseId: c.id, processId: c.processId, subject: c.subject ?? null, activityId: ai.activityId, activityName: names.get(ai.activityId) ?? null, activityInstanceId: ai.id, error: ai.error ?? null });
      }
    }
    scanned += chunk.items.length;
    if (chunk.items.length < 200) break;
  }
  return { items, truncated: scanned < total };
}

/** Every registered department's bindings whose lease ran out (the hub's view). */
async function everyLapsedLease(registry: ConsoleRegistry, keys: FederationKeys, now: Date): Promise<Array<LeaseItem & { department?: string }>> {
  const page = await registryPage(registry, [], now, keys);
  if (page.note && !page.departments.some((d) => d.registered)) throw new Error(page.note);
  return page.departments.flatMap((d) =>
    d.services.flatMap((s) => s.bindings.filter((b) => b.leaseExpired && b.lease).map((b) => ({ bindingKey: b.bindingKey, accessPoint: b.accessPoint ?? null, lease: b.lease!, ...(d.code ? { department: d.code } : {}) }))),
  );
}

async function lapsedLeases(registry: ConsoleRegistry, keys: FederationKeys, department: string, now: Date): Promise<LeaseItem[]> {
  const [business] = await registry.getBusinessDetail([keys.department(department)]).catch((e: Error) => {
    // A department that never registered has no business: nothing of it can lapse.
    if (/E_invalidKeyPassed|not found|no such/i.test(e.message)) return [];
    throw e;
  });
  const out: LeaseItem[] = [];
  for (const service of business?.businessServices ?? []) {
    for (const t of service.bindingTemplates ?? []) {
      const view = bindingView(t, now, keys);
      if (view.leaseExpired && view.lease) out.push({ bindingKey: view.bindingKey, accessPoint: view.accessPoint ?? null, lease: view.lease });
    }
  }
  return out;
}

import type { HistoryRecord, InstanceView, ProcessDefinition } from '../engine';

/** Where each activity of a case stands, for colouring its graph. */
export type ActivityState = 'done' | 'active' | 'transferred' | 'failed' | 'waiting' | 'idle';

export interface ActivityStatus {
  activityId: string;
  state: ActivityState;
  /** How many times it completed (loops, resubmissions). */
  completed: number;
  department?: string;
  /** Open work items on it. */
  workItems: number;
  error?: string;
}

/**
 * One step of the cross-department trace: a department took over (or kept) the case for an
 * activity. Derived from the history today (activity.started with its department, and
 * activity.transferred); the transfer's message log (issue 5) can supply the same entries with
 * message ids and outcomes through ConsoleOptions.caseTrace.
 */
export interface TraceEntry {
  at: string;
  /** Departments whose activities led here (empty: the case started here). */
  from: string[];
  to: string;
  activityId: string;
  activityName?: string;
  /** hand-over: the department changed; local: the same department went on; transfer: sent to another engine. */
  kind: 'hand-over' | 'local' | 'transfer';
  status: 'done' | 'in progress' | 'transferred' | 'failed' | 'withdrawn';
  completedAt?: string;
  messageId?: string;
  outcome?: string;
}

export interface CaseTrace {
  /** Where the entries come from: `history` (derived) or the transfer message log. */
  source: 'history' | 'message-log';
  entries: TraceEntry[];
}

export function activityStatuses(def: ProcessDefinition, view: InstanceView, history: readonly HistoryRecord[]): ActivityStatus[] {
  const completed = new Map<string, number>();
  for (const h of history) if (h.type === 'activity.completed' && h.activityId) completed.set(h.activityId, (completed.get(h.activityId) ?? 0) + 1);
  const open = new Map(view.openActivities.map((o) => [o.activityId, o]));
  const waiting = new Set(view.waitingAt);
  const items = new Map<string, number>();
  for (const w of view.workItems) if (w.state === 'open') items.set(w.activityId, (items.get(w.activityId) ?? 0) + 1);
  return def.activities.map((a) => {
    const o = open.get(a.id);
    let state: ActivityState = 'idle';
    if (o) state = o.state === 'transferred' ? 'transferred' : o.state === 'failed' ? 'failed' : 'active';
    else if (waiting.has(a.id) && !view.state.startsWith('closed.')) state = 'waiting';
    else if (completed.has(a.id)) state = 'done';
    return {
      activityId: a.id,
      state,
      completed: completed.get(a.id) ?? 0,
      ...(a.department ? { department: a.department } : {}),
      workItems: items.get(a.id) ?? 0,
      ...(o?.error ? { error: o.error } : {}),
    };
  });
}

/**
 * The hand-overs between departments, from the history. "From" follows the transitions backwards
 * (through gateways and activities of no department) to the department activities that completed
 * before this one started: after an AND-join, both review departments hand over to planning.
 */
export function traceFromHistory(def: ProcessDefinition, history: readonly HistoryRecord[]): CaseTrace {
  const activities = new Map(def.activities.map((a) => [a.id, a]));
  const predecessors = new Map<string, string[]>();
  for (const t of def.transitions) predecessors.set(t.to, [...(predecessors.get(t.to) ?? []), t.from]);
  const departmentSources = (activityId: string): string[] => {
    const found: string[] = [];
    const seen = new Set<string>([activityId]);
    const queue = [...(predecessors.get(activityId) ?? [])];
    while (queue.length) {
      const id = queue.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      if (activities.get(id)?.department) found.push(id);
      else queue.push(...(predecessors.get(id) ?? []));
    }
    return found;
  };

  const entries: TraceEntry[] = [];
  const lastCompleted = new Map<string, number>(); // activityId → index in history
  const openEntry = new Map<string, TraceEntry>(); // activityId → its latest entry
  history.forEach((h, index) => {
    if (!h.activityId) return;
    const a = activities.get(h.activityId);
    if (h.type === 'activity.started') {
      const department = (h.detail?.department as string | undefined) ?? a?.department;
      if (!department) return;
      const sources = departmentSources(h.activityId).filter((id) => lastCompleted.has(id));
      const from = [...new Set(sources.map((id) => activities.get(id)!.department!))];
      const entry: TraceEntry = {
        at: iso(h.at),
        from,
        to: department,
        activityId: h.activityId,
        ...(a?.name ? { activityName: a.name } : {}),
        kind: from.length === 0 || (from.length === 1 && from[0] === department) ? 'local' : 'hand-over',
        status: 'in progress',
      };
      entries.push(entry);
      openEntry.set(h.activityId, entry);
    } else if (h.type === 'activity.transferred') {
      const e = openEntry.get(h.activityId);
      if (e) {
        e.kind = 'transfer';
        e.status = 'transferred';
        if (typeof h.detail?.messageId === 'string') e.messageId = h.detail.messageId;
        if (typeof h.detail?.to === 'string') e.to = h.detail.to;
      }
    } else if (h.type === 'activity.completed') {
      lastCompleted.set(h.activityId, index);
      const e = openEntry.get(h.activityId);
      if (e) {
        e.status = 'done';
        e.completedAt = iso(h.at);
        openEntry.delete(h.activityId);
      }
    } else if (h.type === 'activity.failed') {
      const e = openEntry.get(h.activityId);
      if (e) e.status = 'failed';
    } else if (h.type === 'activity.withdrawn') {
      const e = openEntry.get(h.activityId);
      if (e) {
        e.status = 'withdrawn';
        openEntry.delete(h.activityId);
      }
    }
  });
  return { source: 'history', entries };
}

function iso(d: Date | string): string {
  return d instanceof Date ? d.toISOString() : new Date(d).toISOString();
}

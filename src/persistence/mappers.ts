import type {
  DefinitionRecord,
  HistoryRecord,
  InstanceRecord,
  OutboxRecord,
  TimerRecord,
  WorkItemRecord,
} from '../engine';
import type { InstanceState } from '../engine';
import type {
  DefinitionEntity,
  HistoryEntity,
  InboxEntity,
  InstanceEntity,
  OutboxEntity,
  TimerEntity,
  WorkItemEntity,
} from './entities';
import { MAX_ERROR_LENGTH } from './schema-types';

/**
 * Record <-> row conversion. Absent optional fields are stored as NULL and come back as absent
 * keys (not `undefined`-valued keys, not null), so a record read back deep-equals the one written
 * as long as the engine leaves optional fields out rather than setting them to undefined.
 */

type Row<E> = { [K in keyof E]: E[K] };

function orNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : value;
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

function jsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function parse<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** Copies the non-null optional columns onto the record. */
function withOptional<T extends object>(record: T, optional: Partial<Record<keyof T, unknown>>): T {
  for (const [key, value] of Object.entries(optional)) {
    if (value !== null && value !== undefined) (record as Record<string, unknown>)[key] = value;
  }
  return record;
}

/** A timestamp from a raw (aggregate) query: a Date on MySQL, SQLite's UTC text 'YYYY-MM-DD HH:MM:SS.SSS'. */
export function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const s = String(v);
  return new Date(s.replace(' ', 'T') + (s.endsWith('Z') ? '' : 'Z'));
}

export function truncateError(error: string): string {
  return error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH - 1)}…` : error;
}

// ---------------------------------------------------------------- definitions

export function definitionToRow(r: DefinitionRecord): Row<DefinitionEntity> {
  return {
    processId: r.processId,
    version: r.version,
    packageId: orNull(r.packageId),
    name: orNull(r.name),
    definition: json(r.definition),
    source: orNull(r.source),
    contentHash: r.contentHash,
    deployedAt: r.deployedAt,
    deployedBy: orNull(r.deployedBy),
    owner: orNull(r.owner),
  };
}

export function definitionFromRow(e: DefinitionEntity): DefinitionRecord {
  return withOptional<DefinitionRecord>(
    {
      processId: e.processId,
      version: e.version,
      definition: parse(e.definition),
      contentHash: e.contentHash,
      deployedAt: e.deployedAt,
    },
    { packageId: e.packageId, name: e.name, source: e.source, deployedBy: e.deployedBy, owner: e.owner },
  );
}

// ---------------------------------------------------------------- instances

export function instanceToRow(r: InstanceRecord): Row<InstanceEntity> {
  return {
    id: r.id,
    processId: r.processId,
    version: r.version,
    state: r.state,
    subject: orNull(r.subject),
    parentInstanceId: orNull(r.parentInstanceId),
    parentActivityInstanceId: orNull(r.parentActivityInstanceId),
    observer: orNull(r.observer),
    data: json(r.data),
    runtime: json(r.runtime),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    completedAt: orNull(r.completedAt),
    startedBy: orNull(r.startedBy),
    homeDepartment: orNull(r.homeDepartment),
    homeInstanceId: orNull(r.homeInstanceId),
    clientKey: orNull(r.clientKey),
    revision: r.revision,
  };
}

export function instanceFromRow(e: InstanceEntity): InstanceRecord {
  return withOptional<InstanceRecord>(
    {
      id: e.id,
      processId: e.processId,
      version: e.version,
      state: e.state as InstanceState,
      data: parse(e.data),
      runtime: parse(e.runtime),
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      revision: e.revision,
    },
    {
      subject: e.subject,
      parentInstanceId: e.parentInstanceId,
      parentActivityInstanceId: e.parentActivityInstanceId,
      observer: e.observer,
      completedAt: e.completedAt,
      startedBy: e.startedBy,
      homeDepartment: e.homeDepartment,
      homeInstanceId: e.homeInstanceId,
      clientKey: e.clientKey,
    },
  );
}

// ---------------------------------------------------------------- work items

export function workItemToRow(r: WorkItemRecord): Row<WorkItemEntity> {
  return {
    id: r.id,
    instanceId: r.instanceId,
    activityInstanceId: r.activityInstanceId,
    activityId: r.activityId,
    activityName: orNull(r.activityName),
    participant: r.participant,
    department: orNull(r.department),
    kind: r.kind,
    state: r.state,
    delegatedFrom: orNull(r.delegatedFrom),
    parentWorkItemId: orNull(r.parentWorkItemId),
    loopCounter: orNull(r.loopCounter),
    data: jsonOrNull(r.data),
    createdAt: r.createdAt,
    completedAt: orNull(r.completedAt),
    completedBy: orNull(r.completedBy),
  };
}

export function workItemFromRow(e: WorkItemEntity): WorkItemRecord {
  return withOptional<WorkItemRecord>(
    {
      id: e.id,
      instanceId: e.instanceId,
      activityInstanceId: e.activityInstanceId,
      activityId: e.activityId,
      participant: e.participant,
      kind: e.kind as WorkItemRecord['kind'],
      state: e.state as WorkItemRecord['state'],
      createdAt: e.createdAt,
    },
    {
      activityName: e.activityName,
      department: e.department,
      delegatedFrom: e.delegatedFrom,
      parentWorkItemId: e.parentWorkItemId,
      loopCounter: e.loopCounter,
      data: e.data === null ? null : parse(e.data),
      completedAt: e.completedAt,
      completedBy: e.completedBy,
    },
  );
}

// ---------------------------------------------------------------- history

/** The id is left out: the database assigns it. */
export function historyToRow(r: HistoryRecord): Omit<Row<HistoryEntity>, 'id'> {
  return {
    instanceId: r.instanceId,
    at: r.at,
    type: r.type,
    activityId: orNull(r.activityId),
    workItemId: orNull(r.workItemId),
    actor: orNull(r.actor),
    detail: jsonOrNull(r.detail),
  };
}

export function historyFromRow(e: HistoryEntity): HistoryRecord {
  return withOptional<HistoryRecord>(
    { id: Number(e.id), instanceId: e.instanceId, at: e.at, type: e.type },
    {
      activityId: e.activityId,
      workItemId: e.workItemId,
      actor: e.actor,
      detail: e.detail === null ? null : parse(e.detail),
    },
  );
}

// ---------------------------------------------------------------- outbox

export function outboxToRow(r: OutboxRecord): Row<OutboxEntity> {
  return {
    id: r.id,
    instanceId: r.instanceId,
    kind: r.kind,
    destination: r.destination,
    payload: json(r.payload),
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt,
    createdAt: r.createdAt,
    sentAt: orNull(r.sentAt),
    lastError: r.lastError === undefined ? null : truncateError(r.lastError),
    claimedUntil: orNull(r.claimedUntil),
    refusals: r.refusals ?? 0,
    claimedBy: orNull(r.claimedBy),
  };
}

export function outboxFromRow(e: OutboxEntity): OutboxRecord {
  // The one place a row's kind and payload are taken on trust: the engine wrote them (strategies
  // check the fields they send, for rows an older release wrote).
  return withOptional<OutboxRecord>(
    {
      id: e.id,
      instanceId: e.instanceId,
      kind: e.kind,
      destination: e.destination,
      payload: parse(e.payload),
      state: e.state as OutboxRecord['state'],
      attempts: e.attempts,
      nextAttemptAt: e.nextAttemptAt,
      createdAt: e.createdAt,
    } as OutboxRecord,
    { sentAt: e.sentAt, lastError: e.lastError, refusals: e.refusals || undefined },
  );
}

// ---------------------------------------------------------------- inbox

export function inboxRow(messageId: string, source: string, at: Date): Row<InboxEntity> {
  return { messageId, source, receivedAt: at };
}

// ---------------------------------------------------------------- timers

export function timerToRow(r: TimerRecord): Row<TimerEntity> {
  return {
    id: r.id,
    instanceId: r.instanceId,
    activityInstanceId: r.activityInstanceId,
    dueAt: r.dueAt,
    kind: r.kind,
    exceptionName: orNull(r.exceptionName),
    cancelsActivity: orNull(r.cancelsActivity),
    claimedUntil: null,
  };
}

export function timerFromRow(e: TimerEntity): TimerRecord {
  return withOptional<TimerRecord>(
    {
      id: e.id,
      instanceId: e.instanceId,
      activityInstanceId: e.activityInstanceId,
      dueAt: e.dueAt,
      kind: e.kind as TimerRecord['kind'],
    },
    // SQLite hands booleans back as 0/1 when read raw; the entity path converts, this is belt and braces.
    { exceptionName: e.exceptionName, cancelsActivity: e.cancelsActivity === null ? null : Boolean(e.cancelsActivity) },
  );
}

import type { InstanceState } from '../runtime/instance-state';

/**
 * Every kind of message that leaves an engine through its outbox, and what each carries. The one
 * place that names them: the engine writes these rows, the OutboxWorker's delivery strategies read
 * them, the console and /metrics list them. A payload read from the database is whatever an older
 * release wrote, so strategies still check the fields they need before sending.
 */
export const OUTBOX_KINDS = ['transfer', 'transfer-result', 'publish', 'remote-subprocess', 'observer-notify'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

/** A hand-over of one activity to the department that performs it ('transfer'). */
export interface HandOverPayload {
  caseId: string;
  processId: string;
  version: number;
  contentHash: string | null;
  home: string | null;
  activityId: string;
  activityInstanceId: string;
  sender: string | null;
  /** Data minimisation: only the fields the activity reads. */
  data: Record<string, unknown>;
}

/** Where a remote subprocess call went, recorded with the sent mark (the Observer checks results against it). */
export interface RemoteCallBinding {
  /** The department the CreateInstance was signed for and sent to. */
  department?: string;
  factory?: string;
  /** The InstanceKey the factory answered. */
  remoteInstance?: string;
}

/** A Wf-XML CreateInstance of a remote subprocess ('remote-subprocess'): a hand-over's fields with the IN data. */
export interface RemoteSubprocessPayload extends HandOverPayload {
  remoteProcessId?: string;
  boundTo?: RemoteCallBinding;
}

/** A case closed and its observer is told ('transfer-result' to a home department, 'observer-notify' to a Wf-XML observer). */
export interface ClosedCasePayload {
  instanceId: string;
  state: InstanceState;
  data: Record<string, unknown>;
}

/** A deployed package sent to a participating department ('publish'). */
export interface PublishPayload {
  packageId: string;
  /** The XPDL document. */
  source: string;
  publisher: string | null;
}

export interface OutboxPayloads {
  transfer: HandOverPayload;
  'transfer-result': ClosedCasePayload;
  publish: PublishPayload;
  'remote-subprocess': RemoteSubprocessPayload;
  'observer-notify': ClosedCasePayload;
}

export type OutboxPayload = OutboxPayloads[OutboxKind];

/** A guard for find/filter: `rows.find(outboxKind('transfer'))` is an OutboxRecord<'transfer'>, its payload a HandOverPayload. */
export function outboxKind<K extends OutboxKind>(...kinds: K[]): <R extends { kind: string }>(row: R) => row is Extract<R, { kind: K }> {
  const wanted: ReadonlySet<string> = new Set(kinds);
  return <R extends { kind: string }>(row: R): row is Extract<R, { kind: K }> => wanted.has(row.kind);
}

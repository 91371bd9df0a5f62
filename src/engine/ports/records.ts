import type { OutboxKind, OutboxPayloads } from './outbox-messages';
import type { ProcessDefinition } from '../definition/process-definition';
import type { InstanceState } from '../runtime/instance-state';

/**
 * Plain records the engine hands to its store. The store owns how they are laid out in tables;
 * the engine owns what they mean. JSON-typed fields are serialised by the store.
 */

export interface DefinitionRecord {
  processId: string;
  version: number;
  packageId?: string;
  name?: string;
  definition: ProcessDefinition;
  /** The source document (XPDL) as deployed, kept for download and audit. */
  source?: string;
  /** sha256 of the canonical definition JSON: deploying identical content again is a no-op. */
  contentHash: string;
  deployedAt: Date;
  deployedBy?: string;
  /** The department that defined the process (the patent's definer): only it publishes new versions. */
  owner?: string;
}

export interface TokenState {
  id: string;
  /** Transition id the token sits on, or `start:<activityId>` for the virtual start arcs. */
  arc: string;
  /** Set when a deferred choice made several branches race: the first to fire withdraws the rest. */
  choiceGroup?: string;
  /** The block activity instance whose embedded graph the token moves in; absent in the process's own graph. */
  scope?: string;
}

export type ActivityInstanceStatus =
  | 'active' // performing: waiting for work items, a handler, a child, a timer, a message
  | 'transferred' // handed to another department or engine; waiting for its completion
  | 'failed'; // an incident: the application failed; retry resumes it

export interface ActivityInstance {
  id: string;
  activityId: string;
  state: ActivityInstanceStatus;
  /** Loop iteration (1-based). */
  iteration: number;
  startedAt: string;
  choiceGroup?: string;
  /** The block activity instance this one runs inside; absent in the process's own graph. */
  scope?: string;
  /** Multi-instance / multi-assignee bookkeeping. */
  total?: number;
  completed?: number;
  nextIndex?: number;
  childInstanceId?: string;
  outboxId?: string;
  /** The department a transferred activity was handed to: the only one whose result is taken. */
  handedTo?: string;
  error?: string;
  /** Where a failed activity stopped: performing it, or choosing its outgoing transitions. */
  failedAt?: 'perform' | 'route';
  /** A subprocess result arrived while the instance was suspended; it moves on when resumed. */
  resultReady?: boolean;
}

/** The dynamic part of an instance (seed 002's "instance dynamic data"), stored as one JSON document. */
export interface InstanceRuntime {
  tokens: TokenState[];
  activities: ActivityInstance[];
  /** Monotonic counter for ids local to the instance (tokens, activity instances). */
  seq: number;
  /**
   * A performing instance (a department performing one activity of another department's case)
   * starts at this activity and ends when it ends; routing stays with the case's home.
   */
  performs?: string;
  /**
   * Fields an instance working for another department's case has changed: its result carries
   * only these (or the handed-over activity's declared outputs), never stale copies of the rest,
   * which parallel branches elsewhere may have changed meanwhile.
   */
  changed?: string[];
  /** The handed-over activity's declared outputs (its `updates`), when it names them. */
  resultFields?: string[];
  /**
   * Everything a result of this performing instance may carry: the handed-over activity's writes
   * (docs/security-model.md). The home refuses a result with anything else.
   */
  resultAllowed?: string[];
  /** How deeply this case is nested as a local subprocess (absent: a top-level case). */
  depth?: number;
}

export interface InstanceRecord {
  id: string;
  processId: string;
  version: number;
  state: InstanceState;
  subject?: string;
  /** Local subprocesses: the parent instance and the activity instance that waits for this one. */
  parentInstanceId?: string;
  parentActivityInstanceId?: string;
  /** Who asked to be told about this instance (a Wf-XML observer key, a remote department). */
  observer?: string;
  data: Record<string, unknown>;
  runtime: InstanceRuntime;
  createdAt: Date;
  updatedAt: Date;
  completedAt?: Date;
  startedBy?: string;
  /**
   * A performing instance (one activity of another department's case): that case's home department
   * and its id there. Unset on a department's own cases.
   */
  homeDepartment?: string;
  homeInstanceId?: string;
  /**
   * The starter's idempotency key (ProcessService StartProcess/ClientKey): unique per process id,
   * so a retried start finds the case the first one made (docs/services-design.md, "Client key").
   */
  clientKey?: string;
  /** Optimistic-concurrency guard: every save increments it. */
  revision: number;
}

/** `decision`: a person chooses the branch of a split whose conditions are labels (runtime/human-decision.ts). */
export type WorkItemKind = 'normal' | 'assist' | 'notify' | 'decision';
export type WorkItemState = 'open' | 'suspended' | 'completed' | 'withdrawn';

export interface WorkItemRecord {
  id: string;
  instanceId: string;
  activityInstanceId: string;
  activityId: string;
  activityName?: string;
  /** A participant id (role, user or department) the item is offered to. */
  participant: string;
  department?: string;
  kind: WorkItemKind;
  state: WorkItemState;
  /** Free-flow extension: who delegated it here, which item an assist helps. */
  delegatedFrom?: string;
  parentWorkItemId?: string;
  /** Multi-instance index, 0-based. */
  loopCounter?: number;
  /** Data submitted on completion, or the message of a notify item. */
  data?: Record<string, unknown>;
  createdAt: Date;
  completedAt?: Date;
  completedBy?: string;
}

export interface HistoryRecord {
  /** Assigned by the store (auto-increment) when read back. */
  id?: number;
  instanceId: string;
  at: Date;
  type: string;
  activityId?: string;
  workItemId?: string;
  actor?: string;
  detail?: Record<string, unknown>;
}

export type OutboxState = 'pending' | 'sent' | 'dead';

interface OutboxRow {
  id: string;
  instanceId: string;
  /** Department code, engine key or URL the message is for. */
  destination: string;
  state: OutboxState;
  attempts: number;
  /**
   * Refusals in a row (a receiver answered no, rather than not being there): some kinds are given
   * up after so many refusals whatever the attempts. Absent when none.
   */
  refusals?: number;
  nextAttemptAt: Date;
  createdAt: Date;
  sentAt?: Date;
  lastError?: string;
  /**
   * Written claimed: the local outbox worker took the message in the transaction that wrote it
   * (WorkflowEngine.setOutboxClaimer), so it is sent without a claim of its own. Until then, as
   * any claim, it keeps other workers off; after it, anyone may claim it.
   */
  claimedBy?: string;
  claimedUntil?: Date;
}

/**
 * A message that must leave this engine exactly once (a transfer, a remote call, a callback): one
 * member per kind, so `row.kind === 'transfer'` says what `row.payload` holds.
 */
export type OutboxRecord<K extends OutboxKind = OutboxKind> = { [P in K]: OutboxRow & { kind: P; payload: OutboxPayloads[P] } }[K];

export interface TimerRecord {
  id: string;
  instanceId: string;
  activityInstanceId: string;
  dueAt: Date;
  kind: 'timer' | 'deadline';
  exceptionName?: string;
  /** ASYNCHR deadlines raise without cancelling the activity. */
  cancelsActivity?: boolean;
}

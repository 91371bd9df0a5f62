/**
 * The engine's own model of a process definition. XPDL (and anything else) is translated into
 * this; the engine never reads XPDL. A definition is immutable once deployed: instances pin the
 * exact (processId, version) they started with.
 */

export type DataType = 'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN' | 'DATETIME' | 'REFERENCE' | 'PERFORMER' | 'ANY';

export interface DataField {
  id: string;
  name?: string;
  type: DataType;
  isArray?: boolean;
  /** An expression in the engine's expression language, evaluated when an instance starts. */
  initialValue?: string;
  /** Formal parameters of the process: IN values come from the starter, OUT values go back to a caller. */
  mode?: 'IN' | 'OUT' | 'INOUT';
  description?: string;
  /**
   * The only values the field takes (XPDL 2.1 DataType/EnumerationType): offered as a form's
   * allowed values, and any other value is refused.
   */
  allowedValues?: string[];
}

/**
 * Participant types follow XPDL. ORGANIZATIONAL_UNIT participants name departments: an activity
 * performed by one is executed by that department's engine (cross-department routing).
 */
export type ParticipantType = 'ROLE' | 'HUMAN' | 'ORGANIZATIONAL_UNIT' | 'SYSTEM' | 'RESOURCE' | 'RESOURCE_SET';

export interface Participant {
  id: string;
  name?: string;
  type: ParticipantType;
  /** Department code, for ORGANIZATIONAL_UNIT participants (defaults to the participant id). */
  department?: string;
  description?: string;
}

/** A formal parameter of an application (XPDL Application). */
export interface FormalParameter {
  id: string;
  mode: 'IN' | 'OUT' | 'INOUT';
  type: DataType;
}

export interface ApplicationDef {
  id: string;
  name?: string;
  description?: string;
  formalParameters: FormalParameter[];
  /**
   * A script in the engine's statement language (`x = expr; y = expr;`), when the source
   * carried one the engine can run safely. Otherwise the application needs a handler
   * registered under `handler` (defaults to the application id).
   */
  script?: string;
  handler?: string;
  /** A web service endpoint or WSDL address for applications that are web services. */
  endpoint?: string;
  /** Vendor attributes kept for round-tripping (e.g. ToolAgentClass). */
  extendedAttributes?: Record<string, string>;
}

export type JoinType = 'none' | 'and' | 'xor' | 'or';
/** `deferred` is the deferred choice (event-based exclusive gateway): the first branch to fire wins. */
export type SplitType = 'none' | 'and' | 'xor' | 'or' | 'deferred';

export type ActivityKind =
  | 'start'
  | 'end'
  /** Work items for participants (roles or users). */
  | 'manual'
  /** Calls an application: a registered handler, a safe script, or a web service. */
  | 'automatic'
  /** A gateway: does nothing but route. */
  | 'route'
  /** Waits until a time (duration or date expression). */
  | 'timer'
  /** Starts a process of this engine and waits for it. */
  | 'subprocess'
  /** Starts a process on another engine (Wf-XML factory) and waits for its Completed. */
  | 'remote-subprocess'
  /** Waits for a message (a correlated external event). */
  | 'receive'
  /** Runs an embedded activity set (XPDL BlockActivity) in the same case, and completes when it ends. */
  | 'block';

export interface ParameterMapping {
  /** For subprocess/app parameters: the formal parameter in the callee. */
  formal: string;
  /** An expression in the caller's data (IN) or the caller's field to write (OUT). */
  actual: string;
  direction: 'IN' | 'OUT' | 'INOUT';
}

export interface MultiInstanceDef {
  /** Expression giving the number of instances, evaluated when the activity is enabled. */
  count: string;
  ordering: 'parallel' | 'sequential';
  /**
   * Expression evaluated after each completion; when true the remaining instances are
   * withdrawn and the activity completes. Variables: nrOfInstances, nrOfCompletedInstances,
   * nrOfActiveInstances, loopCounter.
   */
  completionCondition?: string;
}

export interface LoopDef {
  /** Expression; the activity repeats while it holds (tested after each iteration unless testBefore). */
  condition: string;
  testBefore: boolean;
  maximum?: number;
}

export interface DeadlineDef {
  /** Duration expression: number of milliseconds, or ISO-8601 duration string such as PT60S. */
  duration: string;
  /** The exception raised when the deadline passes; an `exception` transition with this name is taken. */
  exceptionName: string;
  /** ASYNCHR deadlines raise the exception without cancelling the activity. */
  synchronous: boolean;
}

export interface ActivityDef {
  id: string;
  name?: string;
  kind: ActivityKind;
  join: JoinType;
  split: SplitType;
  /** Participant ids. Several performers on a manual activity make it multi-assignee. */
  performers: string[];
  /**
   * The department that performs this activity, when it is not the local one. Derived from an
   * ORGANIZATIONAL_UNIT performer or a `Department` extended attribute.
   */
  department?: string;
  /** For multi-assignee activities: fire when the first performer completes, or the last. */
  fireRule: 'first' | 'last';
  /** automatic: the application to call. */
  application?: { id: string; parameters: ParameterMapping[] };
  /** subprocess / remote-subprocess: which process, with which data mapping. */
  subprocess?: {
    processId: string;
    /** For remote subprocesses: the factory address or registry key as given in the definition. */
    remoteRef?: string;
    execution: 'sync' | 'async';
    parameters: ParameterMapping[];
  };
  /** timer: the duration expression (ms or ISO-8601) or date expression. */
  timer?: { duration?: string; date?: string };
  /** block: the activity set it runs, and where that set is entered (else its start events, else its activities without incoming transitions). */
  block?: { activitySetId: string; startActivityId?: string };
  /** The activity set (embedded sub-graph) this activity belongs to; absent for the process's own graph. */
  activitySet?: string;
  /** automatic: applications called after `application`, in order (several XPDL 1.0 Tools). */
  furtherApplications?: Array<{ id: string; parameters: ParameterMapping[] }>;
  /** receive: the message name this activity waits for. */
  message?: string;
  multiInstance?: MultiInstanceDef;
  loop?: LoopDef;
  deadlines?: DeadlineDef[];
  /** Data fields a performer may update (for the generated forms and for validation). */
  updates?: string[];
  /** Data fields a performer is shown. */
  views?: string[];
  /**
   * Fields among `updates` a performer must give (non-empty) to complete a work item of this
   * activity (XPDL: ExtendedAttribute `Required` naming the field; docs/xpdl-mapping.md).
   */
  required?: string[];
  /** end: a terminate end withdraws every other token and work item and completes the instance. */
  terminate?: boolean;
  /**
   * end: an error end event. It raises an error (with `code`, if given) that a boundary error event
   * of an enclosing block catches (an `error:<code>` or `error:*` exception transition); uncaught,
   * it ends the case as aborted, which a calling SubFlow's own error event may catch.
   */
  error?: { code?: string };
  /**
   * route (an intermediate throwing signal event) or end: the signal it throws inside the case.
   * Activities in progress with an exception transition `signal:<name>` are interrupted, and
   * receive activities waiting for the message `signal:<name>` complete (docs/execution.md, "Signals").
   */
  signal?: string;
  description?: string;
  extendedAttributes?: Record<string, string>;
}

/**
 * `exception` transitions leave an activity when something happens to it, named by `condition`:
 * a deadline's exception name (`*`: any deadline); `error:<code>` / `error:*`: the activity failed
 * (with that code / in any way), instead of becoming an incident; `message:<name>`: that message
 * arrived for the case while the activity was in progress (XPDL boundary events).
 */
export type TransitionKind = 'normal' | 'condition' | 'otherwise' | 'exception';

export interface TransitionDef {
  id: string;
  from: string;
  to: string;
  name?: string;
  kind: TransitionKind;
  /** For `condition`: the expression; for `exception`: the exception name. */
  condition?: string;
  /**
   * The condition is a label a modelling tool wrote (`Information available`), not an
   * expression: a person decides. The split becomes a decision work item listing the labels.
   * Also on a `normal` transition of an exclusive split with several unconditional ones (a BPMN
   * tool's gateway whose flows carry only names): `condition` then holds the label the importer
   * gave it (the transition's Name, else the target activity's), never an expression.
   */
  decision?: true;
  /** The activity set the transition belongs to (both its ends are in it); absent for the process's own graph. */
  activitySet?: string;
}

/** An embedded sub-graph (XPDL ActivitySet) run by block activities in the same case. */
export interface ActivitySetDef {
  id: string;
  name?: string;
}

export interface ProcessDefinition {
  /** The process id, stable across versions (the XPDL WorkflowProcess Id). */
  id: string;
  name?: string;
  description?: string;
  /** The package this process came from (XPDL Package Id), if any. */
  packageId?: string;
  /** Assigned by the repository at deploy time: 1, 2, 3 … per process id. */
  version?: number;
  dataFields: DataField[];
  participants: Participant[];
  applications: ApplicationDef[];
  activities: ActivityDef[];
  transitions: TransitionDef[];
  /** Embedded sub-graphs; their activities and transitions are in `activities`/`transitions`, marked with `activitySet`. */
  activitySets?: ActivitySetDef[];
  extendedAttributes?: Record<string, string>;
  /**
   * The script language the package declares (XPDL `Package/Script@Type`, kept as written):
   * JavaScript types make every condition, initial value, duration and script of the process
   * JavaScript (script-language.ts); anything else, or none, is the engine's own language.
   */
  scriptType?: string;
  /**
   * Set by the repository at deploy time, never by import: the version of each local subprocess
   * this version calls (docs/execution.md, "Subprocess versions"). Its cases start those versions,
   * not whatever is latest when the SubFlow is reached.
   */
  subprocessVersions?: Record<string, number>;
}

/** A package groups the processes deployed together (an XPDL Package). */
export interface DefinitionPackage {
  id: string;
  name?: string;
  processes: ProcessDefinition[];
  /**
   * The process cases of this package start with, when it has several: the one no other process of
   * the package calls as a subprocess (the first such in document order). Informational: every
   * process is deployed and may be started.
   */
  entry?: string;
  /** Non-fatal notes from import, e.g. an application whose script needs a registered handler. */
  warnings: string[];
}

import type { ApplicationDef, DataField, Participant, TransitionDef } from '../engine';

/**
 * A process Interflow's exporter declared only so that a SubFlow may name it (XPDL 2.1 requires
 * SubFlow/@Id to be a WorkflowProcess of the same package): the real process runs elsewhere.
 */
export interface ProcessProxy {
  processId: string;
  remoteRef?: string;
  formalParameters: DataField[];
}

/** Everything an activity may refer to inside its process. */
export interface ActivityScope {
  processId: string;
  participants: ReadonlyMap<string, Participant>;
  applications: ReadonlyMap<string, ApplicationDef>;
  /** Formal parameters of the real processes of this package, for positional SubFlow parameters. */
  localProcesses: ReadonlyMap<string, DataField[]>;
  proxies: ReadonlyMap<string, ProcessProxy>;
  incoming: ReadonlyMap<string, TransitionDef[]>;
  outgoing: ReadonlyMap<string, TransitionDef[]>;
  /** The process's activity sets (BlockActivity targets). */
  activitySets: ReadonlySet<string>;
  /** Applications synthesised for TaskScript activities; appended to the process's applications. */
  synthesised: ApplicationDef[];
  warnings: string[];
  /** The package declares JavaScript: scripts, deadlines and conditions are JavaScript. */
  javascript?: boolean;
}

/** Throws the XpdlImportError that names the element and why it cannot run. */
export type Refuse = (element: string, reason: string) => never;

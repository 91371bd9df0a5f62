import type { Clock } from '../clock';
import type { IdGenerator } from '../ids';
import type { HandlerRegistry } from '../handlers/application-handler';
import type { CompiledDefinition } from '../definition/compiled-definition';
import type { StoreTx } from '../ports/store';

export interface EngineEnv {
  clock: Clock;
  ids: IdGenerator;
  handlers: HandlerRegistry;
  /** This engine's department code; activities of other departments are transferred, not run. */
  department?: string;
  /** Resolves a deployed definition (latest version when version is omitted). */
  definition(tx: StoreTx, processId: string, version?: number): Promise<CompiledDefinition>;
}

export interface CreateOptions {
  data?: Record<string, unknown>;
  subject?: string;
  parent?: { instanceId: string; activityInstanceId: string };
  observer?: string;
  actor?: string;
  /** Lets a caller choose the id (idempotent intake of a transferred case keeps the global case id). */
  instanceId?: string;
  /**
   * The only fields the instance holds (a performing instance of another department's case holds
   * what its activity reads and writes, nothing else: not even the other fields' initial values).
   */
  onlyFields?: readonly string[];
  /** A performing instance: its case's home department and id there. */
  home?: { department: string; instanceId: string };
  clientKey?: string;
}

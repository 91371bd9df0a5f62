/**
 * Applications (WfMC Interface 3) are the engine's way to call code: a handler registered under an
 * application id runs when an automatic activity reaches it.
 */
export interface ApplicationCall {
  instanceId: string;
  processId: string;
  activityId: string;
  applicationId: string;
  /** IN/INOUT parameters by formal name (or the whole instance data when the application declares none). */
  input: Record<string, unknown>;
  /** Multi-instance index, when the activity is multi-instance. */
  loopCounter?: number;
}

/** Returns OUT/INOUT values by formal name (or data fields to set when the application declares none). */
export type ApplicationHandler = (
  call: ApplicationCall,
) => Record<string, unknown> | void | Promise<Record<string, unknown> | void>;

export class HandlerRegistry {
  private readonly handlers = new Map<string, ApplicationHandler>();

  register(name: string, handler: ApplicationHandler): this {
    this.handlers.set(name, handler);
    return this;
  }

  get(name: string): ApplicationHandler | undefined {
    return this.handlers.get(name);
  }

  names(): string[] {
    return [...this.handlers.keys()].sort();
  }
}

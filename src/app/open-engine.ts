import type { Logger } from 'pino';
import { WorkflowEngine, HandlerRegistry, type Clock } from '../engine';
import { openStore, redactDatabaseUrl } from '../persistence';
import type { InterflowConfig } from './config';
import { registerBuiltinHandlers } from './builtin-handlers';

/** Wires a department engine to its store: the one place that knows both. */
export async function openEngine(config: InterflowConfig, log: Logger, clock?: Clock): Promise<WorkflowEngine> {
  log.debug({ db: redactDatabaseUrl(config.databaseUrl), department: config.department }, 'opening store');
  const store = await openStore(config.databaseUrl);
  const handlers = registerBuiltinHandlers(new HandlerRegistry(), log);
  return new WorkflowEngine({ store, handlers, department: config.department, clock });
}

import type { Logger } from 'pino';
import { configureJavaScriptLimits, WorkflowEngine, HandlerRegistry, type Clock } from '../engine';
import { openStore, redactDatabaseUrl } from '../persistence';
import type { InterflowConfig } from './config';
import { Settings } from './settings';
import { registerBuiltinHandlers } from './builtin-handlers';

/** Wires a department engine to its store: the one place that knows both. */
export async function openEngine(config: InterflowConfig, log: Logger, clock?: Clock, settings: Settings = new Settings()): Promise<WorkflowEngine> {
  // INTERFLOW_SCRIPT_TIMEOUT_MS, _MEMORY_MB, _STACK_KB: read when a JavaScript script first runs, so a bad value fails only that.
  configureJavaScriptLimits(() => settings.javaScriptLimits);
  log.debug({ db: redactDatabaseUrl(config.databaseUrl), department: config.department }, 'opening store');
  const store = await openStore(config.databaseUrl, config.databasePoolSize ? { poolSize: config.databasePoolSize } : {});
  const handlers = registerBuiltinHandlers(new HandlerRegistry(), log);
  return new WorkflowEngine({ store, handlers, department: config.department, clock });
}

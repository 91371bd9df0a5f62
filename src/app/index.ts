/**
 * The composition root: the one place that knows every module and wires them into the processes
 * Interflow runs (a department server, the registry hub, the CLI's engine). Nothing in src/ but the
 * CLI imports it (docs/architecture.md, "Layers").
 */
export { loadConfig, ConfigError, DEFAULT_DATABASE_URL, LOG_LEVELS } from './config';
export type { InterflowConfig } from './config';
export { Settings } from './settings';
export { createLogger } from './logger';
export { openEngine } from './open-engine';
export { registerBuiltinHandlers } from './builtin-handlers';
export { createServer } from './department-server';
export type { ServerOptions, InterflowServer } from './department-server';
export { serve } from './serve';
export type { ServeOptions } from './serve';
export { startRegistryHub } from './registry-hub';
export type { RegistryHubOptions, RunningRegistryHub } from './registry-hub';
export { replicaState } from './replica-state';
export type { ReplicaState } from './replica-state';

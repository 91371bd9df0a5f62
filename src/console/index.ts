/** The operator console (docs/console.md): pages at /console/, their JSON API at /console/api/. */
export { readAttention, DEFAULT_STUCK_AFTER_SECONDS, type Attention } from './attention';
export { consoleRouter, CONSOLE_PATH, STATIC_DIR, type ConsoleOptions, type ConsoleContext, type TransferLogReader, type TransferLogEntry } from './router';
export { ConsoleAuth, MemorySessionStore, sharedSessionStore, SESSION_COOKIE, CSRF_HEADER, type ConsoleUser, type ConsoleSessionStore, type SharedSessionRows } from './auth';
export { layoutDefinition, computeLayout, transitionLabel, type GraphLayout, type GraphNode, type GraphEdge } from './graph';
export { activityStatuses, traceFromHistory, type ActivityStatus, type TraceEntry, type CaseTrace } from './case-view';
export { registryPage, departmentsOfDefinitions, type ConsoleRegistry, type RegistryPage, type DepartmentView } from './registry-view';
export { summariseWsdl, type WsdlSummary, type OperationSummary, type FieldSummary } from './wsdl-summary';

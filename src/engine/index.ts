/** The engine's public API. Everything else under src/engine is internal. */
export { WorkflowEngine, handOverObserver, parseHandOverObserver, participatingDepartments } from './workflow-engine';
export type { EngineOptions, StartOptions, DeployResult, InstanceView, HandOver, HandOverReceipt } from './workflow-engine';
export { HandlerRegistry } from './handlers/application-handler';
export type { ApplicationHandler, ApplicationCall } from './handlers/application-handler';
export { systemClock, ManualClock } from './clock';
export type { Clock } from './clock';
export { uuidIds } from './ids';
export type { IdGenerator } from './ids';
export { EngineError, NotFoundError, IllegalStateError, InvalidDataError, DefinitionError, NotAuthorisedError } from './errors';
export { activityDataContract, departmentDataFlows, intraDepartmentOwners } from './definition/data-contract';
export type { ActivityDataContract, DepartmentDataFlow } from './definition/data-contract';
export { InstanceStates, ALL_INSTANCE_STATES, isClosed, allowedActions } from './runtime/instance-state';
export type { InstanceState, StateAction } from './runtime/instance-state';
export type * from './definition/process-definition';
export type * from './ports/records';
export type { Store, StoreTx, InstanceFilter, WorkItemFilter } from './ports/store';
export { ConcurrencyError } from './ports/store';
export { outboxRetryDelayMs } from './outbox-retry';

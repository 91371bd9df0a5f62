/** The federation launcher: a registry hub and department engines as separate processes (README "The federation demo"). */
export { Federation } from './launcher';
export type { LaunchOptions, Member, DepartmentMember } from './launcher';
export { runFederation } from './run';
export type { RunOptions } from './run';
export type { Output } from './summary';
export { writeCredentials, writeDatabasePasswords, databasePasswordFileName, writeSecretFile, registryPasswordFileName, usersFileName } from './credentials';
export type { DepartmentCredentials } from './credentials';
export { ensurePublishers } from './publishers';
export { runLicenceCase } from './demo-case';
export type { LicenceCaseResult, CaseStep } from './demo-case';
export { ProcessServiceClient, SoapCallError } from './process-client';
export type { WorkItem, ProcessInstance } from './process-client';
export { assertPortsFree, freePort, healthy, registeredAt, registeredDepartments, waitFor, PortTakenError } from './readiness';
export { startChild, runChild, cliCommand, SupervisedProcess, ChildExitError } from './supervisor';
export type { ChildSpec } from './supervisor';
export { LICENCE_DEPARTMENTS, LICENCE_PROCESSES, LICENCE_XPDL, COORDINATOR, departmentEnv, hubEnv } from './topology';
export type { DepartmentSpec, DemoUserSpec } from './topology';

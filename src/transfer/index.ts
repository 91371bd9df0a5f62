/** Cross-department transfer (docs/transfer-design.md): signed, durable, exactly-once hand-overs. */
export { transferService } from './transfer-service';
export type { TransferServiceOptions } from './transfer-service';
export { TransferDispatcher } from './transfer-dispatcher';
export type { TransferDispatcherOptions, RoutingMode, DispatchReport } from './transfer-dispatcher';
export { relayService } from './relay-service';
export type { RelayServiceOptions } from './relay-service';
export { MessageLog } from './message-log';
export type { LoggedMessage, TraceEntry, MessageDirection } from './message-log';
export { TRANSFER_SERVICE_PATH, TRANSFER_RELAY_PATH, TRANSFER_SERVICE_TYPE } from './transfer-directory';
export { RegistryDirectory, endpointFailureFor } from './registry-directory';
export type { TransferDirectory } from './transfer-directory';
export { deliverEnvelope, readDeliver, readTransferHeader, readAcks, toText } from './transfer-items';
export type { TransferItem, HandOverItem, ResultItem, PublishItem, Ack, AckStatus, TransferHeader } from './transfer-items';
export { whereIs, verifyCaseMessages } from './case-trace';
export type { CaseWhereabouts, VerifiedMessage } from './case-trace';
export { departmentFederation, hubRelay, routingFromEnv } from './federation';
export type { DepartmentFederation, DepartmentFederationOptions } from './federation';

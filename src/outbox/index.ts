export { OutboxWorker, SendTimeoutError, describeFailure } from './outbox-worker';
export type { DeliveryStrategy, DeliveryOutcome, DeliveryContext, RetryPolicy, OutboxWorkerOptions, OutboxReport } from './outbox-worker';
export { outboxSettingsFromEnv, type OutboxSettings } from './settings';

/**
 * Monitoring (docs/console.md): Prometheus metrics, readiness checks and the case logger. The
 * transfer counters are exported for the transfer dispatcher and intake to increment.
 */
export {
  processRegistry,
  collectProcessMetrics,
  soapRequests,
  soapFaults,
  soapDuration,
  recordSoapRequest,
  UNKNOWN_OPERATION,
  transfersSent,
  transfersReceived,
  transfersRefused,
  transfersRetried,
  transferKindLabel,
  consoleLogins,
  EngineMetrics,
  KNOWN_OUTBOX_KINDS,
  metricsText,
  METRICS_CONTENT_TYPE,
  type SoapObservation,
} from './metrics';
export { caseLogger } from './logging';
export { bindingsCheck, databaseCheck, registryCheck, runReadiness, readinessHandler, DEFAULT_READY_TIMEOUT_MS, DEFAULT_WRITE_PROBE_INTERVAL_MS, type ReadinessCheck, type ReadinessReport } from './readiness';
export { metricsHandler } from './metrics-route';

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OUTBOX_KINDS, type WorkflowEngine } from '../engine';

/**
 * Process-wide metrics live in one registry: a counter incremented by a SOAP layer or a transfer
 * dispatcher belongs to the process, whichever server or engine it serves. Gauges that read an
 * engine are made per engine (see {@link EngineMetrics}), so two engines in one process (tests,
 * a hub beside a department) never report each other's cases.
 */
export const processRegistry = new Registry();

let defaultsCollected = false;
/** CPU, memory, event-loop lag, GC: the standard process_* and nodejs_* series, once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: processRegistry });
}

// ------------------------------------------------------------------------------------------ SOAP

export const soapRequests = new Counter({
  name: 'interflow_soap_requests_total',
  help: 'SOAP requests answered, by service and operation (faults included)',
  labelNames: ['service', 'operation'] as const,
  registers: [processRegistry],
});

export const soapFaults = new Counter({
  name: 'interflow_soap_faults_total',
  help: 'SOAP faults returned, by service, operation, fault kind (Client = the caller can fix it, Server = ours) and Interflow fault code',
  labelNames: ['service', 'operation', 'kind', 'code'] as const,
  registers: [processRegistry],
});

export const soapDuration = new Histogram({
  name: 'interflow_soap_request_duration_seconds',
  help: 'Time from the first byte of a SOAP request to its reply, by service and operation',
  labelNames: ['service', 'operation'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [processRegistry],
});

/**
 * The operation label of requests that named no operation this endpoint has. Callers choose the
 * element name, so using it as a label would let anyone create unbounded series.
 */
export const UNKNOWN_OPERATION = '(unknown)';

export interface SoapObservation {
  service: string;
  /** The operation's local name, only when the endpoint has it; otherwise UNKNOWN_OPERATION. */
  operation?: string;
  seconds: number;
  fault?: { kind: string; code?: string };
}

export function recordSoapRequest(o: SoapObservation): void {
  const labels = { service: o.service, operation: o.operation ?? UNKNOWN_OPERATION };
  soapRequests.inc(labels);
  soapDuration.observe(labels, o.seconds);
  if (o.fault) soapFaults.inc({ ...labels, kind: o.fault.kind, code: o.fault.code ?? 'NONE' });
}

// ------------------------------------------------------------------------------------ transfers
// Defined here so dashboards and alerts exist before the transfer dispatcher does; the transfer
// code increments them (docs/console.md lists when). `peer` is the other department's code,
// `kind` is handover or result, `direction` is in (we refused theirs) or out (they refused ours).

export const transfersSent = new Counter({
  name: 'interflow_transfers_sent_total',
  help: 'Transfer items (hand-overs, results) acknowledged by the receiving department',
  labelNames: ['peer', 'kind'] as const,
  registers: [processRegistry],
});

export const transfersReceived = new Counter({
  name: 'interflow_transfers_received_total',
  help: 'Transfer items accepted from another department (duplicates not counted)',
  labelNames: ['peer', 'kind'] as const,
  registers: [processRegistry],
});

export const transfersRefused = new Counter({
  name: 'interflow_transfers_refused_total',
  help: 'Transfer items refused: direction=in we refused a sender, direction=out a receiver refused ours; reason is a short fixed code',
  labelNames: ['peer', 'direction', 'reason'] as const,
  registers: [processRegistry],
});

/** The `kind` label of a transfer item: handover, result or publish. */
export function transferKindLabel(kind: string): string {
  return kind === 'hand-over' ? 'handover' : kind;
}

export const transfersRetried = new Counter({
  name: 'interflow_transfers_retried_total',
  help: 'Transfer deliveries that failed and were scheduled again',
  labelNames: ['peer', 'kind'] as const,
  registers: [processRegistry],
});

// -------------------------------------------------------------------------------------- console

export const consoleLogins = new Counter({
  name: 'interflow_console_logins_total',
  help: 'Console login attempts by outcome (ok, failed, throttled)',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

// --------------------------------------------------------------------------------------- engine

/** Outbox kinds the engine writes today; their series exist (at 0) before the first message. */
/** Every outbox kind gets its gauges, at 0 when it has no message. */
export const KNOWN_OUTBOX_KINDS = OUTBOX_KINDS;
const COUNTED_OUTBOX_STATES = ['pending', 'dead'] as const;

/**
 * Gauges read from one engine when Prometheus scrapes: case counts by state and the outbox
 * depth and age, counted by the database in one aggregate query (no row, let alone its payload,
 * is loaded) (docs/console.md).
 */
export class EngineMetrics {
  readonly registry = new Registry();
  private readonly cases: Gauge<'state'>;
  private readonly outboxDepth: Gauge<'kind' | 'state'>;
  private readonly outboxAge: Gauge<'kind' | 'state'>;

  constructor(private readonly engine: WorkflowEngine) {
    this.cases = new Gauge({ name: 'interflow_cases', help: 'Process instances by state', labelNames: ['state'], registers: [this.registry] });
    this.outboxDepth = new Gauge({
      name: 'interflow_outbox_messages',
      help: 'Undelivered outbox messages by kind and state (pending = will be sent, dead = given up)',
      labelNames: ['kind', 'state'],
      registers: [this.registry],
    });
    this.outboxAge = new Gauge({
      name: 'interflow_outbox_oldest_age_seconds',
      help: 'Age of the oldest undelivered outbox message by kind and state (0 when there is none)',
      labelNames: ['kind', 'state'],
      registers: [this.registry],
    });
  }

  /** Reads the engine and sets the gauges; called once per scrape. */
  async refresh(): Promise<void> {
    const counts = await this.engine.countByState();
    this.cases.reset();
    for (const [state, n] of Object.entries(counts)) this.cases.set({ state }, n);

    const now = this.engine.clock.now().getTime();
    const depth = new Map<string, { n: number; oldest: number }>();
    for (const kind of KNOWN_OUTBOX_KINDS) for (const state of COUNTED_OUTBOX_STATES) depth.set(`${kind}\u0000${state}`, { n: 0, oldest: now });
    for (const d of await this.engine.outboxDepth()) depth.set(`${d.kind}\u0000${d.state}`, { n: d.count, oldest: d.oldestCreatedAt.getTime() });
    this.outboxDepth.reset();
    this.outboxAge.reset();
    for (const [key, { n, oldest }] of depth) {
      const [kind, state] = key.split('\u0000') as [string, string];
      this.outboxDepth.set({ kind, state }, n);
      this.outboxAge.set({ kind, state }, Math.max(0, (now - oldest) / 1000));
    }
  }
}

/** The exposition text: process metrics, then the engine's. */
export async function metricsText(engineMetrics?: EngineMetrics): Promise<string> {
  if (!engineMetrics) return processRegistry.metrics();
  await engineMetrics.refresh();
  return `${await processRegistry.metrics()}\n${await engineMetrics.registry.metrics()}`;
}

export const METRICS_CONTENT_TYPE = processRegistry.contentType;

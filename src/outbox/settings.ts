/** The OutboxWorker's settings a deployment may change (README, configuration). */
export interface OutboxSettings {
  /** INTERFLOW_OUTBOX_LEASE_MS: a claim's lease, renewed while held (default 5000). */
  leaseMs?: number;
  /** INTERFLOW_OUTBOX_LANE_CONCURRENCY: deliveries in flight per receiver (default 2). */
  laneConcurrency?: number;
  /** INTERFLOW_OUTBOX_POLL_MS: pause between claims when idle (default 1000). */
  intervalMs?: number;
  /** INTERFLOW_OUTBOX_SEND_TIMEOUT_MS: how long one request to a receiver may take (default 10000). */
  timeoutMs?: number;
}

function positive(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min} (got "${raw}")`);
  return n;
}

export function outboxSettingsFromEnv(env: NodeJS.ProcessEnv): OutboxSettings {
  const leaseMs = positive(env, 'INTERFLOW_OUTBOX_LEASE_MS', 300);
  const laneConcurrency = positive(env, 'INTERFLOW_OUTBOX_LANE_CONCURRENCY', 1);
  const intervalMs = positive(env, 'INTERFLOW_OUTBOX_POLL_MS', 10);
  const timeoutMs = positive(env, 'INTERFLOW_OUTBOX_SEND_TIMEOUT_MS', 100);
  return {
    ...(leaseMs !== undefined ? { leaseMs } : {}),
    ...(laneConcurrency !== undefined ? { laneConcurrency } : {}),
    ...(intervalMs !== undefined ? { intervalMs } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

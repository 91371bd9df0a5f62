import type { ConsoleSessionStore } from '../console';
import { sharedSessionStore } from '../console';
import { SharedState, type TypeormStore } from '../persistence';
import { AuthThrottle, sharedReplayCache, type ReplayCacheLike, type ThrottleOptions } from '../services/security';

/**
 * The security state a department's replicas share through their database (docs/operations.md):
 * the one replay cache (UsernameToken nonces, signed transfers and Wf-XML calls), the failed-login
 * throttle (SOAP, console), the console's sessions, and the binder's last known good bindings. One server process builds it once and hands
 * the same objects to the authenticator, the SOAP hooks, the console and the transfer services.
 */
export interface ReplicaState {
  replayCache: ReplayCacheLike;
  throttle: AuthThrottle;
  sessions: ConsoleSessionStore;
  /** The binder's last known good registry answers (src/binding Binder `snapshots`). */
  bindingSnapshots: SharedState;
}

export function replicaState(store: TypeormStore, throttleOptions: Omit<ThrottleOptions, 'counts' | 'maxTracked'> = {}): ReplicaState {
  const shared = new SharedState(store);
  return {
    replayCache: sharedReplayCache(shared),
    throttle: new AuthThrottle({
      ...throttleOptions,
      counts: { get: (keys, windowStart) => shared.failures(keys, windowStart), add: (keys, now, windowMs) => shared.countFailure(keys, now, windowMs) },
    }),
    sessions: sharedSessionStore(shared),
    bindingSnapshots: shared,
  };
}

import { randomBytes } from 'node:crypto';
import {
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_REALM,
  DEFAULT_REPLAY_CACHE_SIZE,
  DEFAULT_WSS_WINDOW_SECONDS,
  NO_ACCESS,
  makeUser,
  type SecurityConfig,
  type ServiceAuthMode,
  type UserRecord,
} from './config';

/** Demo credentials: the users `interflow demo` and the federation launcher create. */

/** A fresh random secret: 24 URL-safe characters (144 bits) from crypto.randomBytes. */
export function randomSecret(bytes = 18): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Random demo credentials for the quick start to print: an administrator, a planning clerk and a
 * site inspector of the building-permit example. Passwords are new on every call. Read
 * `user.password` explicitly to print it (it is non-enumerable).
 */
export function demoUsers(): UserRecord[] {
  return [
    makeUser({ username: 'demo-admin', password: randomSecret(), start: ['*'], participants: ['*'], admin: true }),
    makeUser({ username: 'demo-clerk', password: randomSecret(), start: ['building_permit', 'document_approval'], participants: ['clerk', 'planning'], admin: false }),
    makeUser({ username: 'demo-inspector', password: randomSecret(), start: [], participants: ['inspector'], admin: false }),
  ];
}

/**
 * A configuration for the demo: every service `wss-or-basic`, the given users (default
 * {@link demoUsers}). `allowInsecureBasic` lets a plain-HTTP demo use HTTP Basic (warned once).
 */
export function demoSecurityConfig(users: readonly UserRecord[] = demoUsers(), options: { allowInsecureBasic?: boolean; wssWindowSeconds?: number } = {}): SecurityConfig {
  return Object.freeze({
    source: null,
    production: false,
    services: Object.freeze({ '*': 'wss-or-basic' as ServiceAuthMode }),
    users: Object.freeze([...users]),
    anonymous: NO_ACCESS,
    wssWindowSeconds: options.wssWindowSeconds ?? DEFAULT_WSS_WINDOW_SECONDS,
    clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
    replayCacheSize: DEFAULT_REPLAY_CACHE_SIZE,
    allowPasswordText: false,
    allowInsecureBasic: options.allowInsecureBasic ?? false,
    realm: DEFAULT_REALM,
  });
}

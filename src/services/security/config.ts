/**
 * Security configuration: which services require which kind of caller authentication, who the
 * callers are, and what each may do. It comes from a JSON file named by `INTERFLOW_USERS_FILE`
 * (see docs/security.md). Passwords are held in memory as non-enumerable properties so that a
 * config or user object that reaches a logger or JSON.stringify never shows them.
 */

export type ServiceAuthMode = 'none' | 'wss' | 'basic' | 'wss-or-basic';
export const SERVICE_AUTH_MODES: readonly ServiceAuthMode[] = ['none', 'wss', 'basic', 'wss-or-basic'];

/**
 * Service names a users file may configure. A service is looked up by its exact name, then by each
 * shorter `/`-prefix (`wfxml/observer` → `wfxml`), then `*` (the default for every service).
 */
export const KNOWN_SERVICES: readonly string[] = [
  '*',
  'ProcessService',
  'wfxml',
  'wfxml/factory',
  'wfxml/instance',
  'wfxml/observer',
];

export interface Permissions {
  /** Process definition ids the user may start; `'*'` = any. */
  readonly start: readonly string[];
  /** Participant ids the user may act as (worklist, completing work items); `'*'` = any. */
  readonly participants: readonly string[];
  /** Deploy definitions, change instance state. */
  readonly admin: boolean;
}

export interface UserRecord extends Permissions {
  readonly username: string;
  /** Non-enumerable: read it explicitly; it never shows in JSON.stringify, util.inspect or a log. */
  readonly password: string;
}

export interface SecurityConfig {
  /** Path of the users file, or null when none was given (development: every service open). */
  readonly source: string | null;
  /** NODE_ENV=production or INTERFLOW_PRODUCTION=1|true. */
  readonly production: boolean;
  /** Mode per service; the `'*'` entry is the default for services not listed. */
  readonly services: Readonly<Record<string, ServiceAuthMode>>;
  readonly users: readonly UserRecord[];
  /** Permissions of the anonymous caller on services in mode `none`. */
  readonly anonymous: Permissions;
  /** Freshness window of UsernameToken Created, seconds (INTERFLOW_WSS_WINDOW; default 300). */
  readonly wssWindowSeconds: number;
  /** How far in the future a Created may be, seconds (default 60). */
  readonly clockSkewSeconds: number;
  /** Most nonces remembered at once (default 500,000); when full, new tokens are refused. */
  readonly replayCacheSize: number;
  /** Accept UsernameToken #PasswordText (only ever over TLS). Default false. */
  readonly allowPasswordText: boolean;
  /** Accept HTTP Basic over plain HTTP (local testing only; refused in production). Default false. */
  readonly allowInsecureBasic: boolean;
  /** Realm named in the HTTP Basic challenge. */
  readonly realm: string;
}

export const DEFAULT_WSS_WINDOW_SECONDS = 300;
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const DEFAULT_REPLAY_CACHE_SIZE = 500_000;
export const DEFAULT_REALM = 'Interflow';
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;
export const MAX_USERNAME_LENGTH = 256;
/** The name anonymous callers get; no configured user may take it. */
export const ANONYMOUS_USERNAME = 'anonymous';

export const FULL_ACCESS: Permissions = Object.freeze({ start: Object.freeze(['*']), participants: Object.freeze(['*']), admin: true });
export const NO_ACCESS: Permissions = Object.freeze({ start: Object.freeze([] as string[]), participants: Object.freeze([] as string[]), admin: false });


/** The configuration used when no users file is given outside production: every service open. */
export function developmentSecurityConfig(overrides: { wssWindowSeconds?: number } = {}): SecurityConfig {
  return Object.freeze({
    source: null,
    production: false,
    services: Object.freeze({ '*': 'none' as ServiceAuthMode }),
    users: Object.freeze([] as UserRecord[]),
    anonymous: FULL_ACCESS,
    wssWindowSeconds: overrides.wssWindowSeconds ?? DEFAULT_WSS_WINDOW_SECONDS,
    clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
    replayCacheSize: DEFAULT_REPLAY_CACHE_SIZE,
    allowPasswordText: false,
    allowInsecureBasic: false,
    realm: DEFAULT_REALM,
  });
}

/** The mode for a service: exact name, then each shorter `/`-prefix, then `*`. */
export function serviceMode(config: SecurityConfig, serviceName: string): ServiceAuthMode {
  let name = serviceName;
  for (;;) {
    const mode = Object.prototype.hasOwnProperty.call(config.services, name) ? config.services[name] : undefined;
    if (mode) return mode;
    const slash = name.lastIndexOf('/');
    if (slash <= 0) break;
    name = name.slice(0, slash);
  }
  return config.services['*'] ?? 'wss-or-basic';
}

/** Makes a user record whose password is non-enumerable (never serialised or logged). */
export function makeUser(fields: { username: string; password: string; start?: readonly string[]; participants?: readonly string[]; admin?: boolean }): UserRecord {
  const user = {
    username: fields.username,
    start: Object.freeze([...(fields.start ?? [])]),
    participants: Object.freeze([...(fields.participants ?? [])]),
    admin: fields.admin ?? false,
  };
  Object.defineProperty(user, 'password', { value: fields.password, enumerable: false, writable: false, configurable: false });
  return Object.freeze(user) as UserRecord;
}

/** A summary safe to log at startup: modes, user names and permissions, no secrets. */
export function describeSecurity(config: SecurityConfig): Record<string, unknown> {
  return {
    usersFile: config.source,
    production: config.production,
    services: { ...config.services },
    users: config.users.map((u) => ({ username: u.username, start: [...u.start], participants: [...u.participants], admin: u.admin })),
    anonymous: config.anonymous,
    wssWindowSeconds: config.wssWindowSeconds,
    clockSkewSeconds: config.clockSkewSeconds,
    allowPasswordText: config.allowPasswordText,
    allowInsecureBasic: config.allowInsecureBasic,
  };
}

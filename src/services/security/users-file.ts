import { closeSync, fchmodSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { SecurityConfigError } from './errors';
import {
  ANONYMOUS_USERNAME,
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_REALM,
  DEFAULT_REPLAY_CACHE_SIZE,
  DEFAULT_WSS_WINDOW_SECONDS,
  KNOWN_SERVICES,
  MAX_PASSWORD_LENGTH,
  MAX_USERNAME_LENGTH,
  MIN_PASSWORD_LENGTH,
  NO_ACCESS,
  SERVICE_AUTH_MODES,
  makeUser,
  type Permissions,
  type SecurityConfig,
  type ServiceAuthMode,
  type UserRecord,
} from './config';

/** The users file (INTERFLOW_USERS_FILE): reading it safely, parsing and checking it, writing it (docs/security.md). */

const MAX_USERS_FILE_BYTES = 4 * 1024 * 1024;

const TOP_LEVEL_KEYS = [
  'services',
  'users',
  'anonymous',
  'allowPasswordText',
  'allowInsecureBasic',
  'wssWindowSeconds',
  'clockSkewSeconds',
  'replayCacheSize',
  'realm',
] as const;
const USER_KEYS = ['username', 'password', 'start', 'participants', 'admin'] as const;
const PERMISSION_KEYS = ['start', 'participants', 'admin'] as const;


export function jsonErrorPosition(text: string, e: unknown): string {
  const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  if (!m) return '';
  const pos = Math.min(Number(m[1]), text.length);
  const before = text.slice(0, pos).split('\n');
  return ` at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

/**
 * Reads the users file after checking it is a regular file that only its owner can read or write
 * (mode 0600 or 0400) and that belongs to the user running Interflow or to root. The checks are
 * made on the opened descriptor, so the file checked is the file read.
 */
export function readUsersFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read by this process (permission denied)' : `cannot be opened (${code ?? 'error'})`;
    throw new SecurityConfigError(path, [`the users file named by INTERFLOW_USERS_FILE ${why}`]);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SecurityConfigError(path, ['INTERFLOW_USERS_FILE must name a regular file']);
    if (st.size > MAX_USERS_FILE_BYTES) throw new SecurityConfigError(path, [`the users file is larger than ${MAX_USERS_FILE_BYTES} bytes`]);
    if (process.platform !== 'win32') {
      if ((st.mode & 0o077) !== 0) {
        throw new SecurityConfigError(path, [
          `the users file holds caller passwords but can be read or written by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); run: chmod 600 ${path}`,
        ]);
      }
      const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
      if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
        throw new SecurityConfigError(path, [`the users file is owned by uid ${st.uid}; it must belong to the user running Interflow (uid ${uid}) or to root`]);
      }
    }
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
}

export interface ParseOptions {
  /** Where the JSON came from, for error messages (a file path). */
  source?: string;
  production?: boolean;
  /** Why production rules apply, for the message (e.g. "NODE_ENV=production"). */
  productionWhy?: string;
  /** Overrides the file's `wssWindowSeconds` (from INTERFLOW_WSS_WINDOW). */
  wssWindowSeconds?: number;
}

/**
 * Validates the JSON of a users file and returns the configuration. Every problem is collected and
 * reported at once, each naming the user (by index and name) and the field. In production
 * (`options.production`), a service in mode `none` (including the `*` default) and
 * `allowInsecureBasic` are refused.
 */
export function parseSecurityConfig(json: unknown, options: ParseOptions = {}): SecurityConfig {
  const source = options.source ?? 'users file';
  const problems: string[] = [];
  if (!isPlainObject(json)) throw new SecurityConfigError(source, ['the top level must be a JSON object with "services" and "users"']);

  for (const key of Object.keys(json)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) problems.push(`unknown setting "${key}"${suggest(key, TOP_LEVEL_KEYS)}; known settings: ${TOP_LEVEL_KEYS.join(', ')}`);
  }

  // services
  const services: Record<string, ServiceAuthMode> = {};
  const rawServices = json.services;
  if (rawServices === undefined) {
    problems.push(`"services" is missing: name the mode of each service, e.g. { "ProcessService": "wss-or-basic", "wfxml": "wss" }`);
  } else if (!isPlainObject(rawServices)) {
    problems.push(`"services" must be an object mapping service names to one of ${SERVICE_AUTH_MODES.join(', ')}`);
  } else {
    for (const [name, mode] of Object.entries(rawServices)) {
      if (!KNOWN_SERVICES.includes(name)) {
        problems.push(`services: unknown service "${name}"${suggest(name, KNOWN_SERVICES)}; known: ${KNOWN_SERVICES.map((s) => `"${s}"`).join(', ')}`);
        continue;
      }
      if (typeof mode !== 'string' || !(SERVICE_AUTH_MODES as readonly string[]).includes(mode)) {
        problems.push(`services."${name}" must be one of ${SERVICE_AUTH_MODES.map((m) => `"${m}"`).join(', ')}, got ${describe(mode)}`);
        continue;
      }
      services[name] = mode as ServiceAuthMode;
    }
  }
  if (!('*' in services)) services['*'] = 'wss-or-basic';

  // users
  const users: UserRecord[] = [];
  const seen = new Map<string, number>();
  if (json.users === undefined) {
    problems.push('"users" is missing: list the callers, e.g. [{ "username": "clerk-system", "password": "...", "start": ["building_permit"], "participants": ["clerk"], "admin": false }]');
  } else if (!Array.isArray(json.users)) {
    problems.push('"users" must be an array of user objects');
  } else {
    json.users.forEach((raw, i) => {
      const user = parseUser(raw, i, problems);
      if (!user) return;
      const folded = user.username.toLowerCase();
      const other = seen.get(folded);
      if (other !== undefined) {
        problems.push(`users[${i}] ("${user.username}"): username is already used by users[${other}] (user names must be unique, ignoring case)`);
        return;
      }
      seen.set(folded, i);
      users.push(user);
    });
  }

  // anonymous
  let anonymous: Permissions = NO_ACCESS;
  if (json.anonymous !== undefined) {
    const p = parsePermissions(json.anonymous, 'anonymous', problems);
    if (p) anonymous = p;
  }

  const allowPasswordText = optionalBoolean(json, 'allowPasswordText', problems);
  const allowInsecureBasic = optionalBoolean(json, 'allowInsecureBasic', problems);
  const fileWindow = optionalInteger(json, 'wssWindowSeconds', 1, 86_400, problems);
  const clockSkewSeconds = optionalInteger(json, 'clockSkewSeconds', 0, 3_600, problems) ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const replayCacheSize = optionalInteger(json, 'replayCacheSize', 1_000, 50_000_000, problems) ?? DEFAULT_REPLAY_CACHE_SIZE;
  let realm = DEFAULT_REALM;
  if (json.realm !== undefined) {
    if (typeof json.realm !== 'string' || !/^[\x20-\x7e]{1,100}$/.test(json.realm) || /["\\]/.test(json.realm)) {
      problems.push('"realm" must be 1 to 100 printable ASCII characters without quotes or backslashes');
    } else realm = json.realm;
  }

  const protectedServices = Object.entries(services).filter(([, m]) => m !== 'none');
  if (Array.isArray(json.users) && users.length === 0 && json.users.length === 0 && protectedServices.length > 0) {
    problems.push(`"users" is empty, so nobody could call ${protectedServices.map(([s]) => (s === '*' ? 'the services not listed ("*")' : `"${s}"`)).join(', ')}; add at least one user`);
  }

  if (options.production) {
    const why = options.productionWhy ?? 'production mode';
    for (const [name, mode] of Object.entries(services)) {
      if (mode === 'none') {
        problems.push(
          name === '*'
            ? `services."*" is "none", but ${why}: every service must authenticate its callers in production; set "*" to "wss", "basic" or "wss-or-basic"`
            : `services."${name}" is "none", but ${why}: every service must authenticate its callers in production; use "wss", "basic" or "wss-or-basic"`,
        );
      }
    }
    if (allowInsecureBasic) problems.push(`"allowInsecureBasic" is true, but ${why}: HTTP Basic over plain HTTP is for local testing only; remove it and serve HTTPS`);
  }

  if (problems.length > 0) throw new SecurityConfigError(source, problems);
  return Object.freeze({
    source: options.source ?? null,
    production: options.production ?? false,
    services: Object.freeze(services),
    users: Object.freeze(users),
    anonymous,
    wssWindowSeconds: options.wssWindowSeconds ?? fileWindow ?? DEFAULT_WSS_WINDOW_SECONDS,
    clockSkewSeconds,
    replayCacheSize,
    allowPasswordText: allowPasswordText ?? false,
    allowInsecureBasic: allowInsecureBasic ?? false,
    realm,
  });
}


function parseUser(raw: unknown, i: number, problems: string[]): UserRecord | undefined {
  if (!isPlainObject(raw)) {
    problems.push(`users[${i}] must be an object with "username", "password", "start", "participants", "admin"`);
    return undefined;
  }
  const name = typeof raw.username === 'string' && raw.username.length > 0 ? raw.username : undefined;
  const where = name ? `users[${i}] ("${name.slice(0, 80)}")` : `users[${i}]`;
  const before = problems.length;
  for (const key of Object.keys(raw)) {
    if (!(USER_KEYS as readonly string[]).includes(key)) problems.push(`${where}: unknown field "${key}"${suggest(key, USER_KEYS)}; known fields: ${USER_KEYS.join(', ')}`);
  }
  if (raw.username === undefined) problems.push(`${where}: "username" is missing`);
  else if (typeof raw.username !== 'string') problems.push(`${where}: "username" must be a string, got ${describe(raw.username)}`);
  else {
    const u = raw.username;
    if (u.length === 0) problems.push(`${where}: "username" is empty`);
    else if (u.length > MAX_USERNAME_LENGTH) problems.push(`${where}: "username" is longer than ${MAX_USERNAME_LENGTH} characters`);
    else if (u !== u.trim()) problems.push(`${where}: "username" starts or ends with white space`);
    else if (u.includes(':')) problems.push(`${where}: "username" contains ":", which HTTP Basic cannot carry`);
    else if (/[\u0000-\u001f\u007f]/.test(u)) problems.push(`${where}: "username" contains control characters`);
    else if (u.toLowerCase() === ANONYMOUS_USERNAME) problems.push(`${where}: "username" "${ANONYMOUS_USERNAME}" is reserved for unauthenticated callers`);
  }
  // Password problems never quote the password.
  if (raw.password === undefined) problems.push(`${where}: "password" is missing`);
  else if (typeof raw.password !== 'string') problems.push(`${where}: "password" must be a string`);
  else {
    const p = raw.password;
    if ([...p].length < MIN_PASSWORD_LENGTH) problems.push(`${where}: "password" is shorter than ${MIN_PASSWORD_LENGTH} characters (a captured PasswordDigest can be brute-forced offline; use a long random secret)`);
    else if (p.length > MAX_PASSWORD_LENGTH) problems.push(`${where}: "password" is longer than ${MAX_PASSWORD_LENGTH} characters`);
    else if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(p)) problems.push(`${where}: "password" contains control characters, which XML cannot carry`);
    else if (p === raw.username) problems.push(`${where}: "password" must not equal the username`);
  }
  const perms = parsePermissions(raw, where, problems, true);
  if (problems.length > before || !perms) return undefined;
  return makeUser({ username: raw.username as string, password: raw.password as string, ...perms });
}

function parsePermissions(raw: unknown, where: string, problems: string[], embedded = false): Permissions | undefined {
  if (!isPlainObject(raw)) {
    problems.push(`${where} must be an object with "start", "participants" and "admin"`);
    return undefined;
  }
  const before = problems.length;
  if (!embedded) {
    for (const key of Object.keys(raw)) {
      if (!(PERMISSION_KEYS as readonly string[]).includes(key)) problems.push(`${where}: unknown field "${key}"${suggest(key, PERMISSION_KEYS)}; known fields: ${PERMISSION_KEYS.join(', ')}`);
    }
  }
  const start = idList(raw.start, where, 'start', 'process definition ids', problems);
  const participants = idList(raw.participants, where, 'participants', 'participant ids', problems);
  let admin = false;
  if (raw.admin !== undefined) {
    if (typeof raw.admin !== 'boolean') problems.push(`${where}: "admin" must be true or false, got ${describe(raw.admin)}`);
    else admin = raw.admin;
  }
  if (problems.length > before) return undefined;
  return Object.freeze({ start: Object.freeze(start), participants: Object.freeze(participants), admin });
}

function idList(value: unknown, where: string, field: string, what: string, problems: string[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(`${where}: "${field}" must be an array of ${what} (or ["*"] for all), got ${describe(value)}`);
    return [];
  }
  const out: string[] = [];
  value.forEach((v, j) => {
    if (typeof v !== 'string' || v.trim() === '' || v !== v.trim()) problems.push(`${where}: "${field}"[${j}] must be a non-empty ${what.replace(/s$/, '')} without surrounding spaces, got ${describe(v)}`);
    else if (v.includes('*') && v !== '*') problems.push(`${where}: "${field}"[${j}] "${v}": only "*" alone is a wildcard`);
    else if (!out.includes(v)) out.push(v);
  });
  return out;
}

function optionalBoolean(json: Record<string, unknown>, key: string, problems: string[]): boolean | undefined {
  const v = json[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') {
    problems.push(`"${key}" must be true or false, got ${describe(v)}`);
    return undefined;
  }
  return v;
}

function optionalInteger(json: Record<string, unknown>, key: string, min: number, max: number, problems: string[]): number | undefined {
  const v = json[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    problems.push(`"${key}" must be a whole number from ${min} to ${max}, got ${describe(v)}`);
    return undefined;
  }
  return v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function suggest(key: string, known: readonly string[]): string {
  const k = key.toLowerCase();
  const hit = known.find((c) => c.toLowerCase() === k || (k.length > 3 && (c.toLowerCase().startsWith(k) || k.startsWith(c.toLowerCase()))) || editDistance(c.toLowerCase(), k) <= 2);
  return hit ? ` (did you mean "${hit}"?)` : '';
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}


/** The users-file JSON for a configuration, passwords included (this is the one place they are written). */
export function serializeUsersFile(config: SecurityConfig): string {
  const doc: Record<string, unknown> = {
    services: { ...config.services },
    users: config.users.map((u) => ({ username: u.username, password: u.password, start: [...u.start], participants: [...u.participants], admin: u.admin })),
  };
  if (config.anonymous.start.length || config.anonymous.participants.length || config.anonymous.admin) doc.anonymous = config.anonymous;
  if (config.allowPasswordText) doc.allowPasswordText = true;
  if (config.allowInsecureBasic) doc.allowInsecureBasic = true;
  if (config.wssWindowSeconds !== DEFAULT_WSS_WINDOW_SECONDS) doc.wssWindowSeconds = config.wssWindowSeconds;
  if (config.clockSkewSeconds !== DEFAULT_CLOCK_SKEW_SECONDS) doc.clockSkewSeconds = config.clockSkewSeconds;
  if (config.replayCacheSize !== DEFAULT_REPLAY_CACHE_SIZE) doc.replayCacheSize = config.replayCacheSize;
  if (config.realm !== DEFAULT_REALM) doc.realm = config.realm;
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Writes a users file readable and writable by its owner only (mode 0600, also when it already existed). */
export function writeUsersFile(path: string, config: SecurityConfig): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, serializeUsersFile(config));
  } finally {
    closeSync(fd);
  }
}

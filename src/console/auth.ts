import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AuthThrottle, throttledMessage, type SecurityConfig } from '../services/security';
import { consoleLogins } from '../monitoring';

/** What a console user may do: the permissions of the same user in the security configuration. */
export interface ConsoleUser {
  readonly username: string;
  readonly start: readonly string[];
  readonly participants: readonly string[];
  readonly admin: boolean;
  /** True for the anonymous user of a server without a users file (development). */
  readonly anonymous?: boolean;
}

interface Session {
  readonly id: string;
  readonly user: ConsoleUser;
  readonly csrf: string;
  readonly createdAt: number;
  lastSeen: number;
}

/**
 * Where sessions live: in process memory (default), or in the database the department's replicas
 * share (`sharedSessionStore`), so that a session opened at one replica works at every other.
 */
export interface ConsoleSessionStore {
  get(id: string): Promise<Session | undefined> | Session | undefined;
  put(session: Session): Promise<void> | void;
  touch(id: string, lastSeen: number): Promise<void> | void;
  delete(id: string): Promise<void> | void;
  /** Drops sessions idle since `idleBefore` or created before `createdBefore`. */
  sweep(idleBefore: number, createdBefore: number, now: number): Promise<void> | void;
}

/** Sessions in process memory, at most MAX_SESSIONS (logins beyond evict the oldest). */
export class MemorySessionStore implements ConsoleSessionStore {
  private readonly sessions = new Map<string, Session>();

  get(id: string): Session | undefined {
    const s = this.sessions.get(id);
    return s ? { ...s } : undefined;
  }

  put(session: Session): void {
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    this.sessions.set(session.id, { ...session });
  }

  touch(id: string, lastSeen: number): void {
    const s = this.sessions.get(id);
    if (s && s.lastSeen < lastSeen) s.lastSeen = lastSeen;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  sweep(idleBefore: number, createdBefore: number): void {
    for (const [id, s] of this.sessions) if (s.lastSeen < idleBefore || s.createdAt < createdBefore) this.sessions.delete(id);
  }
}

/** What sharedSessionStore needs of src/persistence SharedState. */
export interface SharedSessionRows {
  putSession(s: { idHash: string; username: string; userDoc: string; csrf: string; createdAt: number; lastSeen: number }): Promise<void>;
  getSession(idHash: string): Promise<{ username: string; userDoc: string; csrf: string; createdAt: number; lastSeen: number } | undefined>;
  touchSession(idHash: string, lastSeen: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  sweepSessions(idleBefore: number, createdBefore: number, now: number): Promise<void>;
}

/**
 * Sessions in the shared database. Only the SHA-256 of a session id is stored: whoever reads the
 * table (a backup, a replica's operator) cannot log in with it.
 */
export function sharedSessionStore(rows: SharedSessionRows): ConsoleSessionStore {
  const hash = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');
  return {
    async get(id) {
      const r = await rows.getSession(hash(id));
      if (!r) return undefined;
      return { id, user: JSON.parse(r.userDoc) as ConsoleUser, csrf: r.csrf, createdAt: r.createdAt, lastSeen: r.lastSeen };
    },
    put: (s) => rows.putSession({ idHash: hash(s.id), username: s.user.username, userDoc: JSON.stringify(s.user), csrf: s.csrf, createdAt: s.createdAt, lastSeen: s.lastSeen }),
    touch: (id, lastSeen) => rows.touchSession(hash(id), lastSeen),
    delete: (id) => rows.deleteSession(hash(id)),
    sweep: (idleBefore, createdBefore, now) => rows.sweepSessions(idleBefore, createdBefore, now),
  };
}

export const SESSION_COOKIE = 'interflow_console';
export const CSRF_HEADER = 'x-csrf-token';
const IDLE_MS = 30 * 60_000;
const ABSOLUTE_MS = 8 * 3600_000;
/** Logins beyond this many live sessions evict the oldest: memory stays bounded whatever happens. */
const MAX_SESSIONS = 10_000;
/** A session's last use is written at most this often: a console page polls, a write per poll would be waste. */
const TOUCH_EVERY_MS = 60_000;

export interface AuthOptions {
  security: SecurityConfig;
  /** Console path the cookie is scoped to. */
  cookiePath: string;
  /** Whether a request reached us over TLS (directly or through a trusted proxy): the cookie is then Secure. */
  isSecure: (req: Request) => boolean;
  now?: () => number;
  /** Failed-login throttle (per user and per address); default a fresh one with the default limits. */
  throttle?: AuthThrottle;
  /** Where sessions live; default in memory (a server gives the shared database's). */
  sessions?: ConsoleSessionStore;
}

/**
 * Console sessions: a random id in an HttpOnly, SameSite=Strict cookie; on a server the sessions
 * live in the database the department's replicas share, so any replica behind a balancer serves
 * them and a restart logs nobody out. Every POST but the login
 * carries the session's CSRF token in a header, which a cross-site form cannot send. Passwords are
 * those of the security configuration, compared in constant time; unknown users cost the same.
 */
export class ConsoleAuth {
  private readonly sessions: ConsoleSessionStore;
  private readonly throttle: AuthThrottle;
  private readonly users: Map<string, SecurityConfig['users'][number]>;
  private readonly dummy = randomBytes(24).toString('base64url');
  private readonly now: () => number;
  /** No users file (development): the console is as open as the SOAP services, with the anonymous permissions. */
  readonly open: boolean;

  constructor(private readonly o: AuthOptions) {
    this.users = new Map(o.security.users.map((u) => [u.username, u]));
    this.now = o.now ?? Date.now;
    this.throttle = o.throttle ?? new AuthThrottle({ now: this.now });
    this.sessions = o.sessions ?? new MemorySessionStore();
    this.open = o.security.source === null && o.security.users.length === 0 && !o.security.production;
  }

  /** The session of a request, if it has a live one. */
  async session(req: Request): Promise<Session | undefined> {
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!id) return undefined;
    const s = await this.sessions.get(id);
    if (!s) return undefined;
    const now = this.now();
    if (now - s.lastSeen > IDLE_MS || now - s.createdAt > ABSOLUTE_MS) {
      await this.sessions.delete(id);
      return undefined;
    }
    if (now - s.lastSeen >= TOUCH_EVERY_MS) {
      await this.sessions.touch(id, now);
      s.lastSeen = now;
    }
    return s;
  }

  /** The session, or (open console only) a fresh anonymous one. */
  async sessionOrOpen(req: Request, res: Response): Promise<Session | undefined> {
    const s = await this.session(req);
    if (s || !this.open) return s;
    const a = this.o.security.anonymous;
    return this.start(res, req, { username: 'anonymous', start: a.start, participants: a.participants, admin: a.admin, anonymous: true });
  }

  /** Checks a user name and password; on success starts a session (a new id: no fixation). */
  async login(req: Request, res: Response, username: string, password: string): Promise<{ ok: true; session: Session } | { ok: false; status: number; message: string }> {
    const address = req.socket.remoteAddress ?? 'unknown';
    // A success resets nothing: a good login as one user does not buy more guesses for another.
    const keys = { user: username.slice(0, 256), address };
    const throttled = await this.throttle.check(keys);
    if (throttled) {
      consoleLogins.inc({ outcome: 'throttled' });
      res.setHeader('Retry-After', String(throttled.retryAfterSeconds));
      return { ok: false, status: 429, message: throttledMessage(throttled) };
    }
    const user = username.length > 0 && username.length <= 256 ? this.users.get(username) : undefined;
    const ok = equalSecrets(password, user?.password ?? this.dummy) && user !== undefined;
    if (!ok || !user) {
      consoleLogins.inc({ outcome: 'failed' });
      await this.throttle.fail(keys);
      return { ok: false, status: 401, message: 'user name or password is wrong' };
    }
    consoleLogins.inc({ outcome: 'ok' });
    const old = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (old) await this.sessions.delete(old);
    return { ok: true, session: await this.start(res, req, { username: user.username, start: user.start, participants: user.participants, admin: user.admin }) };
  }

  async logout(req: Request, res: Response): Promise<void> {
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (id) await this.sessions.delete(id);
    res.setHeader('Set-Cookie', this.cookie(req, '', 0));
  }

  /** Refuses a state-changing request whose CSRF header does not match its session. */
  checkCsrf(req: Request, session: Session): boolean {
    const given = req.headers[CSRF_HEADER];
    if (typeof given !== 'string' || given.length !== session.csrf.length) return false;
    return timingSafeEqual(Buffer.from(given), Buffer.from(session.csrf));
  }

  /** Middleware: a JSON 401 without a session (the page then shows the login form). */
  requireSession() {
    return (req: Request, res: Response, next: NextFunction): void => {
      this.sessionOrOpen(req, res).then((s) => this.admit(req, res, next, s), next);
    };
  }

  private admit(req: Request, res: Response, next: NextFunction, s: Session | undefined): void {
    {
      if (!s) {
        res.status(401).json({ error: 'log in first', code: 'UNAUTHENTICATED' });
        return;
      }
      res.locals.consoleSession = s;
      if (req.method !== 'GET' && req.method !== 'HEAD' && !this.checkCsrf(req, s)) {
        res.status(403).json({ error: 'the request lacks this session\'s CSRF token; reload the page', code: 'CSRF' });
        return;
      }
      next();
    }
  }

  private async start(res: Response, req: Request, user: ConsoleUser): Promise<Session> {
    const now = this.now();
    await this.sessions.sweep(now - IDLE_MS, now - ABSOLUTE_MS, now);
    const session: Session = { id: randomBytes(32).toString('base64url'), user, csrf: randomBytes(32).toString('base64url'), createdAt: now, lastSeen: now };
    await this.sessions.put(session);
    res.setHeader('Set-Cookie', this.cookie(req, session.id, ABSOLUTE_MS / 1000));
    return session;
  }

  private cookie(req: Request, value: string, maxAgeSeconds: number): string {
    const parts = [`${SESSION_COOKIE}=${value}`, `Path=${this.o.cookiePath}`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(maxAgeSeconds)}`];
    if (this.o.isSecure(req)) parts.push('Secure');
    return parts.join('; ');
  }
}

export type { Session as ConsoleSession };

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

/** Constant-time equality of two secrets of any length (compares their SHA-256). */
function equalSecrets(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a, 'utf8').digest(), createHash('sha256').update(b, 'utf8').digest());
}

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

export const SESSION_COOKIE = 'interflow_console';
export const CSRF_HEADER = 'x-csrf-token';
const IDLE_MS = 30 * 60_000;
const ABSOLUTE_MS = 8 * 3600_000;
/** Logins beyond this many live sessions evict the oldest: memory stays bounded whatever happens. */
const MAX_SESSIONS = 10_000;

export interface AuthOptions {
  security: SecurityConfig;
  /** Console path the cookie is scoped to. */
  cookiePath: string;
  /** Whether a request reached us over TLS (directly or through a trusted proxy): the cookie is then Secure. */
  isSecure: (req: Request) => boolean;
  now?: () => number;
  /** Failed-login throttle (per user and per address); default a fresh one with the default limits. */
  throttle?: AuthThrottle;
}

/**
 * Console sessions: a random id in an HttpOnly, SameSite=Strict cookie, held in memory (a restart
 * logs everyone out; replicas behind a balancer need sticky sessions). Every POST but the login
 * carries the session's CSRF token in a header, which a cross-site form cannot send. Passwords are
 * those of the security configuration, compared in constant time; unknown users cost the same.
 */
export class ConsoleAuth {
  private readonly sessions = new Map<string, Session>();
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
    this.open = o.security.source === null && o.security.users.length === 0 && !o.security.production;
  }

  /** The session of a request, if it has a live one. */
  session(req: Request): Session | undefined {
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const now = this.now();
    if (now - s.lastSeen > IDLE_MS || now - s.createdAt > ABSOLUTE_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastSeen = now;
    return s;
  }

  /** The session, or (open console only) a fresh anonymous one. */
  sessionOrOpen(req: Request, res: Response): Session | undefined {
    const s = this.session(req);
    if (s || !this.open) return s;
    const a = this.o.security.anonymous;
    return this.start(res, req, { username: 'anonymous', start: a.start, participants: a.participants, admin: a.admin, anonymous: true });
  }

  /** Checks a user name and password; on success starts a session (a new id: no fixation). */
  login(req: Request, res: Response, username: string, password: string): { ok: true; session: Session } | { ok: false; status: number; message: string } {
    const address = req.socket.remoteAddress ?? 'unknown';
    // A success resets nothing: a good login as one user does not buy more guesses for another.
    const keys = { user: username.slice(0, 256), address };
    const throttled = this.throttle.check(keys);
    if (throttled) {
      consoleLogins.inc({ outcome: 'throttled' });
      res.setHeader('Retry-After', String(throttled.retryAfterSeconds));
      return { ok: false, status: 429, message: throttledMessage(throttled) };
    }
    const user = username.length > 0 && username.length <= 256 ? this.users.get(username) : undefined;
    const ok = equalSecrets(password, user?.password ?? this.dummy) && user !== undefined;
    if (!ok || !user) {
      consoleLogins.inc({ outcome: 'failed' });
      this.throttle.fail(keys);
      return { ok: false, status: 401, message: 'user name or password is wrong' };
    }
    consoleLogins.inc({ outcome: 'ok' });
    const old = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (old) this.sessions.delete(old);
    return { ok: true, session: this.start(res, req, { username: user.username, start: user.start, participants: user.participants, admin: user.admin }) };
  }

  logout(req: Request, res: Response): void {
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (id) this.sessions.delete(id);
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
      const s = this.sessionOrOpen(req, res);
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
    };
  }

  private start(res: Response, req: Request, user: ConsoleUser): Session {
    this.sweep();
    const now = this.now();
    const session: Session = { id: randomBytes(32).toString('base64url'), user, csrf: randomBytes(32).toString('base64url'), createdAt: now, lastSeen: now };
    this.sessions.set(session.id, session);
    res.setHeader('Set-Cookie', this.cookie(req, session.id, ABSOLUTE_MS / 1000));
    return session;
  }

  private cookie(req: Request, value: string, maxAgeSeconds: number): string {
    const parts = [`${SESSION_COOKIE}=${value}`, `Path=${this.o.cookiePath}`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(maxAgeSeconds)}`];
    if (this.o.isSecure(req)) parts.push('Secure');
    return parts.join('; ');
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (now - s.lastSeen > IDLE_MS || now - s.createdAt > ABSOLUTE_MS) this.sessions.delete(id);
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
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

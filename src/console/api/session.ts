import type { Router } from 'express';
import { type ConsoleSession } from '../auth';
import { departmentsOfDefinitions } from '../registry-view';
import { isJson, type ConsoleApi } from '../api-support';

/** The console's session API (mounted by consoleRouter, in order). */
export function mountSessionApi(api: Router, c: ConsoleApi): void {
  const { ctx, engine, auth, latestDefinitions } = c;

  api.get('/session', (req, res, next) => {
    auth
      .sessionOrOpen(req, res)
      .then(sessionBody)
      .then((body) => res.json(body), next);
  });

  api.post('/login', (req, res, next) => {
    if (!isJson(req)) {
      res.status(415).json({ error: 'send the login as application/json', code: 'NOT_JSON' });
      return;
    }
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof body.username !== 'string' || typeof body.password !== 'string' || !body.username) {
      res.status(400).json({ error: 'give a user name and a password', code: 'BAD_REQUEST' });
      return;
    }
    const username = body.username;
    auth.login(req, res, username, body.password).then((result) => {
      if (!result.ok) {
        ctx.log.warn({ username: username.slice(0, 100), status: result.status }, 'console login refused');
        res.status(result.status).json({ error: result.message, code: result.status === 429 ? 'THROTTLED' : 'UNAUTHENTICATED' });
        return;
      }
      ctx.log.info({ username: result.session.user.username }, 'console login');
      void sessionBody(result.session).then((b) => res.json(b), (e: unknown) => res.status(500).json({ error: (e as Error).message, code: 'INTERNAL' }));
    }, next);
  });

  let nameFromDefinitions: { at: number; name: string | null } | undefined;
  async function departmentName(): Promise<string | null> {
    const given = ctx.departmentName;
    if (given) return given;
    const code = engine.department;
    if (!code) return null;
    // The participant the definitions name for this department, read at most once a minute.
    if (!nameFromDefinitions || Date.now() - nameFromDefinitions.at > 60_000) {
      const view = departmentsOfDefinitions(await latestDefinitions().catch(() => [])).get(code);
      nameFromDefinitions = { at: Date.now(), name: view && view.name !== code ? view.name : null };
    }
    return nameFromDefinitions.name;
  }

  async function sessionBody(s: ConsoleSession | undefined) {
    return {
      user: s ? { username: s.user.username, admin: s.user.admin, start: s.user.start, participants: s.user.participants, anonymous: s.user.anonymous ?? false } : null,
      csrf: s?.csrf ?? null,
      open: auth.open,
      department: engine.department ?? null,
      departmentName: await departmentName(),
      role: ctx.role ?? 'department',
      loginConfigured: ctx.security.users.length > 0,
      // Whether this server holds published packages at all: the page asks for them only then.
      heldPackages: Boolean(ctx.heldPackages),
    };
  }

  api.use(auth.requireSession());

  api.post('/logout', (req, res, next) => {
    auth.logout(req, res).then(() => res.json({ ok: true }), next);
  });
}

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { BRANCH_FIELD, EngineError, allowedActions, type DefinitionRecord, type DeployResult, type InstanceRecord, type WorkflowEngine, type WorkItemRecord } from '../engine';
import type { HeldPackage, HeldState } from '../transfer';
import { dataFlowsOf, heldPackageImpact } from '../transfer';
import type { AuthThrottle, SecurityConfig } from '../services/security';
import { canActAs, canAdminister, canStart, visibleParticipants, type Caller } from '../services/security';
import type { SoapServiceDefinition } from '../services/soap';
import { exportXpdl } from '../xpdl';
import { FederationKeys, federationDomainFromEnv } from '../binding';
import { caseLogger } from '../monitoring';
import { ConsoleAuth, type ConsoleSession, type ConsoleSessionStore, type ConsoleUser } from './auth';
import { activityStatuses, traceFromHistory, type CaseTrace } from './case-view';
import { caseOperations } from './case-operations';
import { layoutDefinition } from './graph';
import { bindingView, departmentsOfDefinitions, registryPage, type ConsoleRegistry } from './registry-view';
import { readAttention, type Attention } from './attention';
import { fetchText, httpLoader, summariseWsdl, type WsdlSummary } from './wsdl-summary';

export interface ConsoleOptions {
  /** The same users and permissions the SOAP services use (INTERFLOW_USERS_FILE). */
  security: SecurityConfig;
  /** A registry to show (the local UDDI store, or an inquiry client of a remote one). */
  registry?: ConsoleRegistry;
  /**
   * The cross-department trace of a case from the transfer message log, when there is one;
   * undefined lets the console derive it from the history.
   */
  caseTrace?: (instanceId: string) => Promise<CaseTrace | undefined>;
  /** The federation's UDDI keys (src/binding); default from INTERFLOW_FEDERATION_DOMAIN. */
  federationKeys?: FederationKeys;
  /** The transfer message log (src/transfer MessageLog fits): the case page lists the messages of a case. */
  transferLog?: TransferLogReader;
  /** Published packages held for an administrator (src/transfer HeldPackages): administrators approve or reject them on the Definitions page. */
  heldPackages?: HeldPackageAdmin;
  /**
   * The department's display name for the header and title ("Tax bureau"); default
   * INTERFLOW_DEPARTMENT_NAME, else the name definitions give the department's participant.
   */
  departmentName?: string;
  /** Whose console this is: a department engine (default) or the registry hub. */
  role?: 'department' | 'hub';
  /** Where login sessions live (default in memory): the shared database, so every replica serves them. */
  sessions?: ConsoleSessionStore;
  /** The failed-login throttle (default one in memory): the server's shared one. */
  throttle?: AuthThrottle;
}

/** What the console needs of src/transfer HeldPackages. */
export interface HeldPackageAdmin {
  list(filter?: { state?: HeldState }): Promise<HeldPackage[]>;
  get(id: string): Promise<HeldPackage & { source: string }>;
  approve(id: string, actor: string): Promise<DeployResult[]>;
  reject(id: string, actor: string, reason?: string): Promise<void>;
}

/** One logged inter-department message item, as the transfer message log reports it. */
export interface TransferLogEntry {
  at: Date;
  direction: string;
  from: string;
  to: string;
  kind: string;
  activityId?: string;
  itemId: string;
  messageId: string;
  outcome: string;
  /** The outcome in words (accepted, refused (signature), …), when the log gives it. */
  outcomeText?: string;
  reason?: string;
}

export interface TransferLogReader {
  trace(caseId: string): Promise<TransferLogEntry[]>;
  /** Refused messages and items (src/transfer MessageLog.refusals): the overview counts the recent ones. */
  refusals?(filter: { since?: Date; limit?: number }): Promise<Array<{ at: Date; cause: string; messageId: string; direction: string; sender: string; receiver: string; reason?: string; items: Array<{ itemId: string; caseId: string; kind: string; activityId?: string }> }>>;
}

export interface ConsoleContext extends ConsoleOptions {
  engine: WorkflowEngine;
  log: Logger;
  /** The SOAP services this server has mounted, for the registry page's "this engine" part. */
  services: () => readonly SoapServiceDefinition[];
  /** Whether a request came over TLS (directly or through a trusted proxy). */
  isSecure: (req: Request) => boolean;
  /** scheme://host:port the request was addressed to. */
  baseUrl: (req: Request) => string;
}

export const CONSOLE_PATH = '/console';
/** Where the browser side lives: console/ at the package root, beside src/ and dist/. */
export const STATIC_DIR = resolve(__dirname, '..', '..', 'console');
const PAGE_SIZE_MAX = 100;
const SEARCH_SCAN_LIMIT = 2000;

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'BAD_REQUEST',
  ) {
    super(message);
  }
}

/**
 * The operator console: static pages at /console/ and their JSON API at /console/api/. Every API
 * call but the session and the login needs a session; what it returns and allows follows the
 * user's permissions in the security configuration (participants: worklist; start: start form;
 * admin: state changes).
 */
export function consoleRouter(ctx: ConsoleContext): Router {
  const router = express.Router();
  const auth = new ConsoleAuth({
    security: ctx.security,
    cookiePath: CONSOLE_PATH,
    isSecure: ctx.isSecure,
    ...(ctx.sessions ? { sessions: ctx.sessions } : {}),
    ...(ctx.throttle ? { throttle: ctx.throttle } : {}),
  });
  const { engine } = ctx;
  const indexHtml = readFileSync(resolve(STATIC_DIR, 'index.html'), 'utf8');
  const federationKeys = ctx.federationKeys ?? new FederationKeys(federationDomainFromEnv());

  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });
  router.use('/static', express.static(STATIC_DIR, { index: false, fallthrough: false, maxAge: 0, etag: true }));

  const api = express.Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(express.json({ limit: '256kb' }));
  router.use('/api', api);

  const handle =
    (fn: (req: Request, res: Response, session: ConsoleSession) => Promise<unknown>) =>
    (req: Request, res: Response, next: NextFunction): void => {
      fn(req, res, res.locals.consoleSession as ConsoleSession).then(
        (body) => {
          if (!res.headersSent) res.json(body ?? {});
        },
        (e: unknown) => next(e),
      );
    };

  // ------------------------------------------------------------------------- session

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
    const given = ctx.departmentName ?? (process.env.INTERFLOW_DEPARTMENT_NAME?.trim() || undefined);
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

  // ------------------------------------------------------------------------ overview

  api.get(
    '/overview',
    handle(async (_req, _res, s) => {
      const [counts, defs, items] = await Promise.all([engine.countByState(), latestDefinitions(), visibleWorklist(s.user, 500)]);
      return {
        casesByState: counts,
        definitions: defs.length,
        myOpenWorkItems: items.length,
        departments: departmentCodes(defs),
      };
    }),
  );

  // ----------------------------------------------------------------------- attention
  // What needs an operator: counts and lists (src/console/attention.ts). Held packages and
  // refusals are for administrators only, like the held packages' own page.

  api.get(
    '/attention',
    handle(async (req, _res, s): Promise<Attention> => {
      const stuck = clampInt(req.query.stuckAfter, 0, 1, 7 * 86400);
      const hours = clampInt(req.query.hours, 0, 1, 24 * 90);
      return readAttention(
        { engine, keys: federationKeys, hub: ctx.role === 'hub', ...(ctx.heldPackages ? { heldPackages: ctx.heldPackages } : {}), ...(ctx.transferLog?.refusals ? { refusals: (f) => ctx.transferLog!.refusals!(f) } : {}), ...(ctx.registry ? { registry: ctx.registry } : {}) },
        { admin: canAdminister(caller(s.user)), now: engine.clock.now(), ...(stuck ? { stuckAfterSeconds: stuck } : {}), ...(hours ? { refusalsHours: hours } : {}) },
      );
    }),
  );

  // Outbox messages given up on (a receiver refused them for good, or they never got through):
  // incidents a person must act on; each row's lastError says what happened and what to do.
  api.get(
    '/outbox/dead',
    handle(async () => {
      const dead = await engine.outbox({ state: 'dead' });
      return {
        dead: dead.slice(0, 500).map((m) => ({ id: m.id, caseId: m.instanceId, kind: m.kind, destination: m.destination, attempts: m.attempts, createdAt: m.createdAt, lastError: m.lastError ?? null })),
        total: dead.length,
      };
    }),
  );

  // ------------------------------------------------------------------------ registry

  api.get(
    '/registry',
    handle(async (req) => {
      const latest = await latestDefinitions();
      const page = await registryPage(ctx.registry, latest, engine.clock.now(), federationKeys);
      const base = ctx.baseUrl(req);
      const example = latest[0]?.processId;
      const local = ctx.services().map((s) => {
        const concrete = s.path.includes(':processId') && example ? s.path.replace(':processId', encodeURIComponent(example)) : s.path.includes(':') ? undefined : s.path;
        return { name: s.name, path: s.path, ...(concrete ? { wsdlUrl: `${base}${concrete}?wsdl`, address: `${base}${concrete}` } : {}) };
      });
      return { ...page, engine: { department: engine.department ?? null, address: base, services: dedupe(local) } };
    }),
  );

  api.get(
    '/wsdl',
    handle(async (req) => {
      const local = typeof req.query.local === 'string' ? req.query.local : undefined;
      const binding = typeof req.query.binding === 'string' ? req.query.binding : undefined;
      if (local) {
        const def = ctx.services().find((s) => s.name === local);
        if (!def) throw new HttpError(404, `this engine has no service named "${local}"`, 'NOT_FOUND');
        return localSummary(def);
      }
      if (binding) {
        if (!ctx.registry) throw new HttpError(404, 'no registry is configured on this server', 'NOT_FOUND');
        const [t] = await ctx.registry.getBindingDetail([binding]).catch(() => [] as never[]);
        if (!t) throw new HttpError(404, `the registry has no binding "${binding}"`, 'NOT_FOUND');
        const view = bindingView(t, engine.clock.now(), federationKeys);
        if (!view.wsdlUrl) throw new HttpError(404, 'the binding names no WSDL address', 'NOT_FOUND');
        return remoteSummary(view.wsdlUrl);
      }
      throw new HttpError(400, 'name a service: ?local=NAME or ?binding=KEY');
    }),
  );

  // --------------------------------------------------------------------- definitions

  api.get(
    '/definitions',
    handle(async (_req, _res, s) => {
      const all = await engine.listDefinitions();
      const byProcess = new Map<string, DefinitionRecord[]>();
      for (const d of all) byProcess.set(d.processId, [...(byProcess.get(d.processId) ?? []), d]);
      return {
        items: [...byProcess.values()].map((versions) => {
          const latest = versions[0]!;
          return {
            processId: latest.processId,
            name: latest.name ?? latest.definition.name ?? null,
            description: latest.definition.description ?? null,
            packageId: latest.packageId ?? null,
            latestVersion: latest.version,
            versions: versions.map((v) => ({ version: v.version, deployedAt: v.deployedAt, deployedBy: v.deployedBy ?? null })),
            activities: latest.definition.activities.length,
            departments: [...new Set(latest.definition.activities.map((a) => a.department).filter((d): d is string => !!d))],
            canStart: canStart(caller(s.user), latest.processId),
          };
        }),
      };
    }),
  );

  api.get(
    '/definitions/:processId/versions/:version',
    handle(async (req, _res, s) => {
      const rec = await definitionOf(req);
      const versions = (await engine.listDefinitions()).filter((d) => d.processId === rec.processId).map((d) => d.version);
      const def = rec.definition;
      return {
        processId: rec.processId,
        version: rec.version,
        versions,
        name: rec.name ?? def.name ?? null,
        description: def.description ?? null,
        packageId: rec.packageId ?? null,
        deployedAt: rec.deployedAt,
        deployedBy: rec.deployedBy ?? null,
        hasSource: Boolean(rec.source),
        dataFields: def.dataFields,
        participants: def.participants,
        activities: def.activities.map((a) => ({ id: a.id, name: a.name ?? null, kind: a.kind, department: a.department ?? null, performers: a.performers, join: a.join, split: a.split, updates: a.updates ?? [] })),
        transitions: def.transitions,
        graph: await layoutDefinition(def),
        dataFlows: dataFlowsOf(def).map((f) => ({
          department: f.department,
          receives: f.receives,
          returns: f.returns,
          activities: f.activities.map((a) => ({ activityId: a.activityId, name: def.activities.find((x) => x.id === a.activityId)?.name ?? null, reads: a.reads, writes: a.writes })),
        })),
        canStart: canStart(caller(s.user), rec.processId) && versions[0] === rec.version,
      };
    }),
  );

  // --------------------------------------------------------------- held packages
  // Only administrators see them: a package is a proposal to change what this department runs.

  const heldPackages = (s: ConsoleSession): HeldPackageAdmin => {
    if (!canAdminister(caller(s.user))) throw new HttpError(403, `user "${s.user.username}" may not see or decide held packages; it needs "admin": true`, 'FORBIDDEN');
    if (!ctx.heldPackages) throw new HttpError(404, 'this server holds no published packages (it takes no part in a federation)', 'NOT_FOUND');
    return ctx.heldPackages;
  };

  const packageView = async (p: HeldPackage & { source: string }) => {
    const { source: _source, ...rest } = p;
    return { ...rest, ...(await heldPackageImpact(engine, p).catch((e: unknown) => ({ activities: [], newProcesses: [], impactError: (e as Error).message }))) };
  };

  api.get(
    '/packages',
    handle(async (req, _res, s) => {
      const held = heldPackages(s);
      const state = typeof req.query.state === 'string' && req.query.state ? req.query.state : undefined;
      if (state && state !== 'held' && state !== 'installed' && state !== 'rejected') throw new HttpError(400, 'state must be held, installed or rejected');
      const list = await held.list(state ? { state: state as HeldState } : {});
      return { items: await Promise.all(list.map(async (p) => (p.state === 'held' ? packageView(await held.get(p.id)) : p))) };
    }),
  );

  api.get(
    '/packages/:id',
    handle(async (req, _res, s) => packageView(await heldPackages(s).get(String(req.params.id)))),
  );

  const undecided = async (held: HeldPackageAdmin, id: string) => {
    const p = await held.get(id);
    if (p.state !== 'held') throw new HttpError(409, `package ${id} was already ${p.state}${p.decidedBy ? ` by ${p.decidedBy}` : ''}`, 'CONFLICT');
    return p;
  };

  api.post(
    '/packages/:id/approve',
    handle(async (req, _res, s) => {
      const held = heldPackages(s);
      const id = String(req.params.id);
      const p = await undecided(held, id);
      const results = await held.approve(id, s.user.username);
      ctx.log.info({ heldId: id, packageId: p.packageId, from: p.sender, actor: s.user.username, results }, 'held package approved from the console');
      return { id, state: 'installed', results };
    }),
  );

  api.post(
    '/packages/:id/reject',
    handle(async (req, _res, s) => {
      const held = heldPackages(s);
      const id = String(req.params.id);
      const raw = (req.body as { reason?: unknown } | undefined)?.reason;
      if (raw !== undefined && typeof raw !== 'string') throw new HttpError(400, 'reason must be text');
      const reason = raw?.trim().slice(0, 2000) || undefined;
      const p = await undecided(held, id);
      await held.reject(id, s.user.username, reason);
      ctx.log.info({ heldId: id, packageId: p.packageId, from: p.sender, actor: s.user.username, reason }, 'held package rejected from the console');
      return { id, state: 'rejected', ...(reason ? { reason } : {}) };
    }),
  );

  api.get('/definitions/:processId/versions/:version/xpdl', (req, res, next) => {
    definitionOf(req)
      .then((rec) => {
        const asDeployed = req.query.source === '1';
        if (asDeployed && !rec.source) throw new HttpError(404, 'this version was deployed without its source document', 'NOT_FOUND');
        const text = asDeployed ? rec.source! : exportXpdl({ id: rec.packageId ?? rec.processId, name: rec.name, processes: [rec.definition], warnings: [] });
        const file = `${rec.processId.replace(/[^A-Za-z0-9_.-]/g, '_')}-v${rec.version}${asDeployed ? '-source' : ''}.xpdl`;
        res.status(200).type('application/xml; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="${file}"`);
        res.send(text);
      })
      .catch(next);
  });

  api.post(
    '/definitions/:processId/start',
    handle(async (req, _res, s) => {
      const processId = String(req.params.processId);
      if (!canStart(caller(s.user), processId)) throw new HttpError(403, `user "${s.user.username}" may not start "${processId}"; an administrator can add it to the user's "start" list`, 'FORBIDDEN');
      const body = (req.body ?? {}) as { data?: unknown; subject?: unknown };
      const data = formData(body.data);
      const subject = typeof body.subject === 'string' && body.subject.trim() ? body.subject.trim().slice(0, 500) : undefined;
      const view = await engine.startProcess(processId, { data, actor: s.user.username, ...(subject ? { subject } : {}) });
      caseLogger(ctx.log, view.id).info({ processId, actor: s.user.username }, 'case started from the console');
      return { id: view.id, state: view.state };
    }),
  );

  // --------------------------------------------------------------------------- cases

  api.get(
    '/cases',
    handle(async (req) => {
      const q = typeof req.query.q === 'string' ? req.query.q.trim() : '';
      const processId = typeof req.query.process === 'string' && req.query.process ? req.query.process : undefined;
      const state = typeof req.query.state === 'string' && req.query.state ? req.query.state : undefined;
      const offset = clampInt(req.query.offset, 0, 0, 1e9);
      const limit = clampInt(req.query.limit, 25, 1, PAGE_SIZE_MAX);
      const stateFilter = state ? (state.endsWith('.') ? { statePrefix: state } : { state }) : {};
      const base = { ...(processId ? { processId } : {}), ...stateFilter };
      if (!q) {
        const page = await engine.listInstances({ ...base, offset, limit });
        return { items: page.items.map(caseSummary), total: page.total, offset, limit };
      }
      // The store has no text search: an exact case id is looked up, anything else is matched
      // against id, subject and data of the newest cases, and the page says how far it looked.
      const exact = await engine.getInstance(q).catch(() => undefined);
      if (exact) return { items: [caseSummary(exact)], total: 1, offset: 0, limit };
      const needle = q.toLowerCase();
      const matches: InstanceRecord[] = [];
      let scanned = 0;
      let total = 0;
      for (let page = 0; scanned < SEARCH_SCAN_LIMIT; page++) {
        const chunk = await engine.listInstances({ ...base, offset: page * 200, limit: 200 });
        total = chunk.total;
        for (const i of chunk.items) if (matchesText(i, needle)) matches.push(i);
        scanned += chunk.items.length;
        if (chunk.items.length < 200) break;
      }
      return { items: matches.slice(offset, offset + limit).map(caseSummary), total: matches.length, offset, limit, searched: scanned, of: total };
    }),
  );

  api.get(
    '/cases/:id',
    handle(async (req, _res, s) => {
      const view = await engine.getInstance(String(req.params.id));
      const [rec, history, children, timers, outbox] = await Promise.all([
        engine.getDefinition(view.processId, view.version),
        engine.history(view.id),
        engine.listInstances({ parentInstanceId: view.id, limit: 50 }),
        engine.timers(view.id),
        engine.outbox({ instanceId: view.id }),
      ]);
      const def = rec.definition;
      const trace = (await ctx.caseTrace?.(view.id)) ?? traceFromHistory(def, history);
      const messages = ctx.transferLog ? await ctx.transferLog.trace(view.id).catch((err: unknown) => (ctx.log.warn({ err, caseId: view.id }, 'transfer log unreadable'), [])) : [];
      const user = caller(s.user);
      return {
        id: view.id,
        processId: view.processId,
        processName: rec.name ?? def.name ?? null,
        version: view.version,
        state: view.state,
        subject: view.subject ?? null,
        createdAt: view.createdAt,
        updatedAt: view.updatedAt,
        completedAt: view.completedAt ?? null,
        startedBy: view.startedBy ?? null,
        parentInstanceId: view.parentInstanceId ?? null,
        data: view.data,
        dataFields: def.dataFields.map((f) => ({ id: f.id, name: f.name ?? null, type: f.type, isArray: f.isArray ?? false })),
        openActivities: view.openActivities,
        waitingAt: view.waitingAt,
        workItems: view.workItems.map((w) => ({ ...workItemSummary(w), mine: canActAs(user, w.participant) })),
        activities: activityStatuses(def, view, history),
        history: history.map((h) => ({ id: h.id ?? null, at: h.at, type: h.type, activityId: h.activityId ?? null, workItemId: h.workItemId ?? null, actor: h.actor ?? null, detail: h.detail ?? null })),
        trace,
        messages,
        children: children.items.map(caseSummary),
        timers: timers.map((t) => ({ id: t.id, kind: t.kind, dueAt: t.dueAt, activityInstanceId: t.activityInstanceId })),
        outbox: outbox.map((m) => ({ id: m.id, kind: m.kind, destination: m.destination, state: m.state, attempts: m.attempts, createdAt: m.createdAt, sentAt: m.sentAt ?? null, lastError: m.lastError ?? null })),
        graph: await layoutDefinition(def),
        actions: canAdminister(user) ? allowedActions(view.state).filter((a) => a === 'suspend' || a === 'resume' || a === 'terminate') : [],
        ...caseOperations(def, view, canAdminister(user)),
      };
    }),
  );

  api.post(
    '/cases/:id/state',
    handle(async (req, _res, s) => {
      if (!canAdminister(caller(s.user))) throw new HttpError(403, `user "${s.user.username}" may not change case states; it needs "admin": true`, 'FORBIDDEN');
      const action = (req.body as { action?: unknown })?.action;
      if (action !== 'suspend' && action !== 'resume' && action !== 'terminate') throw new HttpError(400, 'action must be suspend, resume or terminate');
      const id = String(req.params.id);
      const view = await engine.changeState(id, action, s.user.username);
      caseLogger(ctx.log, id).info({ action, state: view.state, actor: s.user.username }, 'case state changed from the console');
      return { id, state: view.state };
    }),
  );

  // Operators act on incidents and messages (issue 11): administrators only, CSRF like every POST.
  api.post(
    '/cases/:id/retry',
    handle(async (req, _res, s) => {
      if (!canAdminister(caller(s.user))) throw new HttpError(403, `user "${s.user.username}" may not retry activities; it needs "admin": true`, 'FORBIDDEN');
      const activityInstanceId = (req.body as { activityInstanceId?: unknown })?.activityInstanceId;
      if (typeof activityInstanceId !== 'string' || !activityInstanceId) throw new HttpError(400, 'activityInstanceId must name the failed activity instance');
      const id = String(req.params.id);
      const view = await engine.retryActivity(id, activityInstanceId, s.user.username);
      caseLogger(ctx.log, id).info({ activityInstanceId, state: view.state, actor: s.user.username }, 'activity retried from the console');
      return { id, state: view.state, openActivities: view.openActivities };
    }),
  );
  api.post(
    '/cases/:id/deliver',
    handle(async (req, _res, s) => {
      if (!canAdminister(caller(s.user))) throw new HttpError(403, `user "${s.user.username}" may not deliver messages; it needs "admin": true`, 'FORBIDDEN');
      const { message, data } = (req.body ?? {}) as { message?: unknown; data?: unknown };
      if (typeof message !== 'string' || !message) throw new HttpError(400, 'message must name the message a receive activity waits for');
      if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) throw new HttpError(400, 'data must be an object of field names and values');
      const id = String(req.params.id);
      const view = await engine.deliverMessage(id, message, (data ?? {}) as Record<string, unknown>, s.user.username);
      caseLogger(ctx.log, id).info({ message, state: view.state, actor: s.user.username }, 'message delivered from the console');
      return { id, state: view.state, openActivities: view.openActivities };
    }),
  );

  // ------------------------------------------------------------------------ worklist

  api.get(
    '/worklist',
    handle(async (_req, _res, s) => {
      const items = await visibleWorklist(s.user, 500);
      const cases = new Map<string, Promise<InstanceRecord | undefined>>();
      const caseOf = (id: string) => {
        let p = cases.get(id);
        if (!p) cases.set(id, (p = engine.getInstance(id).catch(() => undefined)));
        return p;
      };
      return {
        participants: visibleParticipants(caller(s.user)),
        items: await Promise.all(
          items.map(async (w) => {
            const c = await caseOf(w.instanceId);
            return { ...workItemSummary(w), processId: c?.processId ?? null, subject: c?.subject ?? null, caseState: c?.state ?? null };
          }),
        ),
      };
    }),
  );

  api.get(
    '/workitems/:id',
    handle(async (req, _res, s) => {
      const item = await engine.getWorkItem(String(req.params.id));
      requireActAs(s.user, item);
      const view = await engine.getInstance(item.instanceId);
      const def = (await engine.getDefinition(view.processId, view.version)).definition;
      const a = def.activities.find((x) => x.id === item.activityId);
      const fields = new Map(def.dataFields.map((f) => [f.id, f]));
      const describe = (id: string) => {
        const f = fields.get(id);
        return { id, name: f?.name ?? null, type: f?.type ?? 'STRING', isArray: f?.isArray ?? false, description: f?.description ?? null, value: view.data[id] ?? null, required: (a?.required ?? []).includes(id), allowedValues: f?.allowedValues ?? null };
      };
      const updates = a?.updates ?? [];
      return {
        item: workItemSummary(item),
        case: { id: view.id, processId: view.processId, version: view.version, state: view.state, subject: view.subject ?? null },
        activity: a ? { id: a.id, name: a.name ?? null, description: a.description ?? null, department: a.department ?? null, performers: a.performers } : null,
        updates: updates.map(describe),
        views: (a?.views ?? []).filter((v) => !updates.includes(v)).map(describe),
        canComplete: item.state === 'open' && view.state === 'open.running',
        // A decision work item (a split whose conditions are labels): the branches to choose from.
        decision: item.kind === 'decision' ? { branches: [item.data?.[BRANCH_FIELD] ?? []].flat().map(String), several: a?.split === 'or' } : null,
      };
    }),
  );

  api.post(
    '/workitems/:id/complete',
    handle(async (req, _res, s) => {
      const id = String(req.params.id);
      const item = await engine.getWorkItem(id);
      requireActAs(s.user, item);
      const data = formData((req.body as { data?: unknown })?.data);
      const view = await engine.completeWorkItem(id, { data, actor: s.user.username });
      caseLogger(ctx.log, item.instanceId).info({ workItemId: id, activityId: item.activityId, actor: s.user.username }, 'work item completed from the console');
      return { caseId: view.id, state: view.state };
    }),
  );

  api.use((_req, res) => {
    res.status(404).json({ error: 'no such console API', code: 'NOT_FOUND' });
  });

  api.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof HttpError) {
      res.status(error.status).json({ error: error.message, code: error.code });
      return;
    }
    if (error instanceof EngineError && error.isClientError) {
      const status = error.code === 'NOT_FOUND' ? 404 : error.code === 'FORBIDDEN' ? 403 : error.code === 'ILLEGAL_STATE' || error.code === 'CONFLICT' ? 409 : 400;
      res.status(status).json({ error: error.message, code: error.code });
      return;
    }
    const status = (error as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      res.status(status).json({ error: (error as Error).message || 'bad request', code: 'BAD_REQUEST' });
      return;
    }
    const requestId = (res.locals.requestId as string | undefined) ?? randomUUID();
    ctx.log.error({ err: error, requestId, path: req.path }, 'console request failed');
    res.status(500).json({ error: `the console could not answer; the server log has the details under request id ${requestId}`, code: 'INTERNAL', requestId });
  });

  // ------------------------------------------------------------------------- pages

  // Every page path answers with the same document; the browser side draws the page it names.
  router.get(/^\/(?:$|attention|registry|definitions|cases|worklist|login)(?:\/.*)?$/, (req, res) => {
    if (req.path === '' || req.originalUrl === CONSOLE_PATH) {
      res.redirect(302, `${CONSOLE_PATH}/`);
      return;
    }
    res.status(200).type('text/html; charset=utf-8').setHeader('Cache-Control', 'no-store');
    res.send(indexHtml);
  });
  router.use((_req, res) => {
    res.status(404).type('text/plain; charset=utf-8').send('No such console page. Start at /console/\n');
  });

  // ---------------------------------------------------------------------- helpers

  async function latestDefinitions(): Promise<DefinitionRecord[]> {
    const seen = new Set<string>();
    return (await engine.listDefinitions()).filter((d) => (seen.has(d.processId) ? false : (seen.add(d.processId), true)));
  }

  async function definitionOf(req: Request): Promise<DefinitionRecord> {
    if (req.params.version === 'latest') return engine.getDefinition(String(req.params.processId));
    const version = Number(req.params.version);
    if (!Number.isInteger(version) || version < 1) throw new HttpError(400, 'the version must be a whole number from 1');
    return engine.getDefinition(String(req.params.processId), version);
  }

  async function visibleWorklist(user: ConsoleUser, limit: number): Promise<WorkItemRecord[]> {
    const visible = visibleParticipants(caller(user));
    if (visible !== '*' && visible.length === 0) return [];
    return engine.worklist({ ...(visible === '*' ? {} : { participants: [...visible] }), limit });
  }

  function requireActAs(user: ConsoleUser, item: WorkItemRecord): void {
    if (!canActAs(caller(user), item.participant)) {
      throw new HttpError(403, `user "${user.username}" may not act as "${item.participant}"; an administrator can add it to the user's "participants" list`, 'FORBIDDEN');
    }
  }

  function localSummary(def: SoapServiceDefinition): Promise<WsdlSummary> {
    const schemas = def.wsdl.schemas;
    return summariseWsdl(readFileSync(def.wsdl.file, 'utf8'), def.wsdl.file, async (location) => {
      const name = Object.keys(schemas).find((n) => n === location || n === basename(location));
      if (!name) throw new Error(`the service publishes no schema "${location}"`);
      return { text: readFileSync(schemas[name]!, 'utf8'), url: name };
    });
  }

  async function remoteSummary(wsdlUrl: string): Promise<WsdlSummary & { url: string }> {
    let text: string;
    try {
      text = await fetchText(wsdlUrl);
    } catch (e) {
      throw new HttpError(502, `the WSDL at ${wsdlUrl} could not be read: ${(e as Error).message}`, 'UNREACHABLE');
    }
    try {
      return { ...(await summariseWsdl(text, wsdlUrl, httpLoader(new URL(wsdlUrl).origin))), url: wsdlUrl };
    } catch (e) {
      throw new HttpError(502, `the document at ${wsdlUrl} is not a readable WSDL: ${(e as Error).message}`, 'BAD_WSDL');
    }
  }

  return router;
}

function caller(user: ConsoleUser): Caller {
  return { username: user.username, via: 'basic', start: user.start, participants: user.participants, admin: user.admin };
}

function isJson(req: Request): boolean {
  return /^application\/json\b/i.test(req.headers['content-type'] ?? '');
}

/** Form values arrive as strings (the engine converts them to the declared types); blanks mean "leave as is". */
function formData(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new HttpError(400, 'data must be an object of field names and values');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (v === '' || v === null || v === undefined) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) out[k] = v;
    else throw new HttpError(400, `field "${k}" must be a text, number, yes/no or a list of them`);
  }
  return out;
}

function caseSummary(i: InstanceRecord) {
  return {
    id: i.id,
    processId: i.processId,
    version: i.version,
    state: i.state,
    subject: i.subject ?? null,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    completedAt: i.completedAt ?? null,
    parentInstanceId: i.parentInstanceId ?? null,
  };
}

function workItemSummary(w: WorkItemRecord) {
  return {
    id: w.id,
    instanceId: w.instanceId,
    activityId: w.activityId,
    activityName: w.activityName ?? null,
    participant: w.participant,
    department: w.department ?? null,
    kind: w.kind,
    state: w.state,
    loopCounter: w.loopCounter ?? null,
    createdAt: w.createdAt,
  };
}

function matchesText(i: InstanceRecord, needle: string): boolean {
  if (i.id.toLowerCase().includes(needle) || (i.subject ?? '').toLowerCase().includes(needle) || i.processId.toLowerCase().includes(needle)) return true;
  return Object.values(i.data).some((v) => v !== null && v !== undefined && typeof v !== 'object' && String(v).toLowerCase().includes(needle));
}

function clampInt(raw: unknown, dflt: number, min: number, max: number): number {
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : dflt;
}

function departmentCodes(defs: readonly DefinitionRecord[]): string[] {
  const codes = new Set<string>();
  for (const d of defs) for (const a of d.definition.activities) if (a.department) codes.add(a.department);
  return [...codes].sort();
}

function dedupe<T extends { name: string; path: string }>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((s) => (seen.has(s.path) ? false : (seen.add(s.path), true)));
}

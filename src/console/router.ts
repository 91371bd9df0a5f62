import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { EngineError, type DefinitionRecord, type WorkItemRecord } from '../engine';
import { canActAs, visibleParticipants } from '../services/security';
import type { SoapServiceDefinition } from '../services/soap';
import { DEFAULT_FEDERATION_DOMAIN, FederationKeys } from '../binding';
import { ConsoleAuth, type ConsoleSession, type ConsoleUser } from './auth';
import { fetchText, httpLoader, summariseWsdl, type WsdlSummary } from './wsdl-summary';
import { CONSOLE_PATH, CSP, ConsoleContext, HttpError, STATIC_DIR, caller, type ConsoleApi } from './api-support';
import { mountSessionApi } from './api/session';
import { mountOverviewApi } from './api/overview';
import { mountAttentionApi } from './api/attention';
import { mountRegistryApi } from './api/registry';
import { mountDefinitionsApi } from './api/definitions';
import { mountHeldPackagesApi } from './api/held-packages';
import { mountCasesApi } from './api/cases';
import { mountWorklistApi } from './api/worklist';

export { CONSOLE_PATH, STATIC_DIR } from './api-support';
export type { ConsoleOptions, ConsoleContext, HeldPackageAdmin, TransferLogEntry, TransferLogReader } from './api-support';

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
  const federationKeys = ctx.federationKeys ?? new FederationKeys(DEFAULT_FEDERATION_DOMAIN);

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

  // ------------------------------------------------------------------ page APIs (src/console/api/)
  const c: ConsoleApi = { ctx, engine, auth, handle, federationKeys, latestDefinitions, definitionOf, visibleWorklist, requireActAs, localSummary, remoteSummary };
  mountSessionApi(api, c);
  mountOverviewApi(api, c);
  mountAttentionApi(api, c);
  mountRegistryApi(api, c);
  mountDefinitionsApi(api, c);
  mountHeldPackagesApi(api, c);
  mountCasesApi(api, c);
  mountWorklistApi(api, c);

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

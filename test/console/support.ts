import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WorkflowEngine, HandlerRegistry, type Store } from '../../src/engine';
import type { RunningServer } from '../../src/services/http';
import { createServer, type ServerOptions } from '../../src/app';
import { createAuthenticator, demoSecurityConfig, makeUser, type SecurityConfig } from '../../src/services/security';
import { wfxmlServices } from '../../src/services/wfxml';
import { importXpdl } from '../../src/xpdl';
import { LogCapture } from '../services/support';
import { createTestStore } from '../support/test-store';

export const PERMIT_XPDL = resolve(__dirname, '../../examples/building-permit.xpdl');

export const USERS = {
  admin: makeUser({ username: 'ops-admin', password: 'admin-password-123', start: ['*'], participants: ['*'], admin: true }),
  clerk: makeUser({ username: 'planning-clerk', password: 'clerk-password-123', start: ['building_permit'], participants: ['clerk', 'planning'] }),
  environment: makeUser({ username: 'env-officer', password: 'env-password-1234', participants: ['environment'] }),
  reader: makeUser({ username: 'auditor', password: 'auditor-password-1' }),
};

export interface ConsoleServer {
  url: string;
  engine: WorkflowEngine;
  store: Store;
  logs: LogCapture;
  running: RunningServer;
  close(): Promise<void>;
}

/** A department engine with the permit process deployed, its SOAP services and the console. */
export async function startConsoleServer(options: Partial<Omit<ServerOptions, 'security' | 'console'>> & { users?: SecurityConfig; store?: Store; console?: Partial<NonNullable<ServerOptions['console']>> } = {}): Promise<ConsoleServer> {
  const store = options.store ?? (await createTestStore());
  const engine = new WorkflowEngine({ store, handlers: new HandlerRegistry().register('send_email', () => ({})).register('send_sms', () => ({})) });
  const xml = readFileSync(PERMIT_XPDL, 'utf8');
  await engine.deploy(importXpdl(xml), { source: xml, actor: 'test' });
  const config = options.users ?? demoSecurityConfig(Object.values(USERS), { allowInsecureBasic: true });
  const logs = new LogCapture();
  const { users: _u, store: _st, console: consoleOptions, ...rest } = options;
  const server = createServer(engine, {
    log: logs.logger,
    security: createAuthenticator(config),
    console: { ...consoleOptions, security: config },
    services: wfxmlServices(engine),
    ...rest,
  });
  const running = await server.listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 500 });
  return {
    url: running.url,
    engine,
    store,
    logs,
    running,
    close: async () => {
      await running.close();
      if (!options.store) await store.close();
    },
  };
}

/** A browser-like client of the console API: keeps the session cookie and sends the CSRF token. */
export class ConsoleClient {
  cookie = '';
  csrf = '';

  constructor(readonly base: string) {}

  async login(username: string, password: string): Promise<Response> {
    const res = await this.request('POST', '/login', { username, password });
    if (res.ok) this.csrf = ((await res.clone().json()) as { csrf: string }).csrf;
    return res;
  }

  async get<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> {
    const res = await this.request('GET', path);
    return { status: res.status, body: (await res.json()) as T };
  }

  async post<T = Record<string, unknown>>(path: string, body: unknown = {}, options: { csrf?: boolean } = {}): Promise<{ status: number; body: T }> {
    const res = await this.request('POST', path, body, options);
    return { status: res.status, body: (await res.json()) as T };
  }

  async request(method: string, path: string, body?: unknown, options: { csrf?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.Cookie = this.cookie;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && options.csrf !== false && this.csrf) headers['X-CSRF-Token'] = this.csrf;
    const res = await fetch(`${this.base}/console/api${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    return res;
  }
}

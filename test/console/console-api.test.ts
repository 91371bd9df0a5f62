import { expect } from 'chai';
import { developmentSecurityConfig } from '../../src/services/security';
import { ConsoleClient, startConsoleServer, USERS, type ConsoleServer } from './support';

/** The console's JSON API: login, session cookie, CSRF, and what each user may see and do. */
describe('console API', () => {
  let srv: ConsoleServer;
  before(async () => {
    srv = await startConsoleServer();
  });
  after(async () => {
    await srv?.close();
  });

  const client = () => new ConsoleClient(srv.url);
  const as = async (user: (typeof USERS)[keyof typeof USERS]) => {
    const c = client();
    expect((await c.login(user.username, user.password)).status).to.equal(200);
    return c;
  };

  it('sets an HttpOnly, SameSite=Strict session cookie scoped to /console on login, and logs out', async () => {
    const c = client();
    const res = await c.login(USERS.clerk.username, USERS.clerk.password);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).to.match(/^interflow_console=[A-Za-z0-9_-]{40,}/).and.include('HttpOnly').and.include('SameSite=Strict').and.include('Path=/console');
    expect(cookie).to.not.include('Secure'); // plain HTTP here; over TLS it is Secure
    const session = await c.get<{ user: { username: string; admin: boolean } }>('/session');
    expect(session.body.user).to.include({ username: 'planning-clerk', admin: false });
    expect((await c.post('/logout')).status).to.equal(200);
    expect((await c.get('/overview')).status).to.equal(401);
  });

  it('refuses a wrong password and an unknown user alike, and never echoes the password', async () => {
    const wrong = await client().login(USERS.clerk.username, 'not-the-password');
    const unknown = await client().login('nobody', 'not-the-password');
    expect(wrong.status).to.equal(401);
    expect(unknown.status).to.equal(401);
    expect(await wrong.json()).to.deep.equal(await unknown.json());
    expect(JSON.stringify(srv.logs.lines)).to.not.include('not-the-password');
  });

  it('refuses a login that is not JSON (a cross-site form cannot send one)', async () => {
    const res = await fetch(`${srv.url}/console/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `username=${USERS.admin.username}&password=${USERS.admin.password}` });
    expect(res.status).to.equal(415);
  });

  it('refuses a state-changing request without the session\'s CSRF token', async () => {
    const c = await as(USERS.admin);
    const [item] = (await c.get<{ items: Array<{ id: string }> }>('/worklist')).body.items;
    const started = await c.post<{ id: string }>('/definitions/building_permit/start', { subject: 'csrf' }, { csrf: false });
    expect(started.status).to.equal(403);
    expect(started.body).to.include({ code: 'CSRF' });
    expect(item).to.equal(undefined, 'nothing was started');
  });

  it('starts a case only for users with the start permission, converting form text to the declared types', async () => {
    const clerk = await as(USERS.clerk);
    const started = await clerk.post<{ id: string; state: string }>('/definitions/building_permit/start', { subject: 'API permit', data: { caseRef: 'BP-1', inspections: '3', notifySms: 'true', envOk: '' } });
    expect(started.status).to.equal(200);
    const view = await clerk.get<{ data: Record<string, unknown>; startedBy: string }>(`/cases/${started.body.id}`);
    expect(view.body.data).to.include({ caseRef: 'BP-1', inspections: 3, notifySms: true, envOk: false });
    expect(view.body.startedBy).to.equal('planning-clerk');
    const reader = await as(USERS.reader);
    const refused = await reader.post('/definitions/building_permit/start', {});
    expect(refused.status).to.equal(403);
    expect(refused.body.error).to.include('may not start "building_permit"');
    const bad = await clerk.post('/definitions/building_permit/start', { data: { inspections: 'many' } });
    expect(bad.status).to.equal(400);
    expect(bad.body.error).to.include('inspections');
  });

  it('shows each user the work items of the participants it acts as, and lets it complete only those', async () => {
    const admin = await as(USERS.admin);
    const { body } = await admin.post<{ id: string }>('/definitions/building_permit/start', { subject: 'worklist permit', data: { caseRef: 'BP-2' } });
    const clerk = await as(USERS.clerk);
    const env = await as(USERS.environment);
    const clerkItems = (await clerk.get<{ items: Array<{ id: string; instanceId: string; activityId: string }> }>('/worklist')).body.items.filter((i) => i.instanceId === body.id);
    expect(clerkItems.map((i) => i.activityId)).to.deep.equal(['register']);
    expect((await env.get<{ items: unknown[] }>('/worklist')).body.items.filter((i) => (i as { instanceId: string }).instanceId === body.id)).to.have.length(0);
    expect((await env.get(`/workitems/${clerkItems[0]!.id}`)).status).to.equal(403);
    expect((await env.post(`/workitems/${clerkItems[0]!.id}/complete`, { data: {} })).status).to.equal(403);

    const form = await clerk.get<{ updates: Array<{ id: string; type: string; value: unknown }>; canComplete: boolean }>(`/workitems/${clerkItems[0]!.id}`);
    expect(form.body.updates.map((f) => [f.id, f.type])).to.deep.equal([['caseRef', 'STRING'], ['notifyEmail', 'BOOLEAN'], ['notifySms', 'BOOLEAN']]);
    expect(form.body.canComplete).to.equal(true);
    const notAllowed = await clerk.post(`/workitems/${clerkItems[0]!.id}/complete`, { data: { envOk: 'true' } });
    expect(notAllowed.status).to.equal(400);
    expect(notAllowed.body.error).to.include('may not be updated here');
    expect((await clerk.post(`/workitems/${clerkItems[0]!.id}/complete`, { data: { notifySms: 'false' } })).status).to.equal(200);

    const envItem = (await env.get<{ items: Array<{ id: string; instanceId: string; activityId: string }> }>('/worklist')).body.items.find((i) => i.instanceId === body.id)!;
    expect(envItem.activityId).to.equal('environment_review');
    expect((await env.post(`/workitems/${envItem.id}/complete`, { data: { envOk: 'true' } })).status).to.equal(200);
    const c = await env.get<{ trace: { entries: Array<{ to: string; from: string[]; kind: string; status: string }> }; activities: Array<{ activityId: string; state: string }> }>(`/cases/${body.id}`);
    expect(c.body.trace.entries.map((e) => [e.from.join('+'), e.to, e.kind, e.status])).to.deep.equal([
      ['', 'planning', 'local', 'done'],
      ['planning', 'environment', 'hand-over', 'done'],
      ['planning', 'fire-safety', 'hand-over', 'in progress'],
    ]);
    expect(c.body.activities.find((a) => a.activityId === 'collect_reviews')!.state).to.equal('waiting');
  });

  it('lets only administrators suspend, resume and terminate, and offers only the actions the state allows', async () => {
    const admin = await as(USERS.admin);
    const clerk = await as(USERS.clerk);
    const { body } = await admin.post<{ id: string }>('/definitions/building_permit/start', { subject: 'admin permit' });
    expect((await clerk.get<{ actions: string[] }>(`/cases/${body.id}`)).body.actions).to.deep.equal([]);
    expect((await clerk.post(`/cases/${body.id}/state`, { action: 'suspend' })).status).to.equal(403);
    expect((await admin.get<{ actions: string[] }>(`/cases/${body.id}`)).body.actions).to.have.members(['suspend', 'terminate']);
    expect((await admin.post<{ state: string }>(`/cases/${body.id}/state`, { action: 'suspend' })).body.state).to.equal('open.notrunning.suspended');
    expect((await admin.post(`/cases/${body.id}/state`, { action: 'suspend' })).status).to.equal(409);
    expect((await admin.post<{ state: string }>(`/cases/${body.id}/state`, { action: 'resume' })).body.state).to.equal('open.running');
    expect((await admin.post<{ state: string }>(`/cases/${body.id}/state`, { action: 'terminate' })).body.state).to.equal('closed.abnormalCompleted.terminated');
    const line = srv.logs.lines.find((l) => l.msg === 'case state changed from the console' && l.action === 'terminate');
    expect(line, 'a log line about the case names it').to.include({ caseId: body.id });
  });

  it('pages and searches cases', async () => {
    const admin = await as(USERS.admin);
    for (let i = 0; i < 3; i++) await admin.post('/definitions/building_permit/start', { subject: `paged ${i}`, data: { caseRef: `PAGE-${i}` } });
    const page = await admin.get<{ items: Array<{ subject: string }>; total: number }>('/cases?limit=2&offset=0&process=building_permit');
    expect(page.body.items).to.have.length(2);
    expect(page.body.total).to.be.at.least(3);
    const found = await admin.get<{ items: Array<{ subject: string }> }>('/cases?q=PAGE-1');
    expect(found.body.items.map((i) => i.subject)).to.deep.equal(['paged 1']);
  });

  it('draws each definition version with a cached layout, and downloads it as XPDL', async () => {
    const admin = await as(USERS.admin);
    const d = await admin.get<{ graph: { nodes: Array<{ id: string; shape: string; gateway?: string }>; edges: Array<{ transitionId?: string; label?: { text: string } }> } }>('/definitions/building_permit/versions/1');
    const gw = (id: string) => d.body.graph.nodes.find((n) => n.id === id);
    expect(gw('register~split')).to.include({ shape: 'gateway', gateway: 'and' });
    expect(gw('collect_reviews')).to.include({ shape: 'gateway', gateway: 'and' });
    expect(gw('approved')).to.include({ shape: 'gateway', gateway: 'xor' });
    expect(gw('notify_choice')).to.include({ shape: 'gateway', gateway: 'or' });
    expect(d.body.graph.edges.find((e) => e.transitionId === 't_approved_issue')!.label!.text).to.equal('Both reviews passed: envOk && fireOk');
    const xpdl = await admin.request('GET', '/definitions/building_permit/versions/1/xpdl');
    expect(xpdl.headers.get('content-disposition')).to.equal('attachment; filename="building_permit-v1.xpdl"');
    expect(await xpdl.text()).to.include('<xpdl:WorkflowProcess Id="building_permit"');
    expect((await admin.get('/definitions/building_permit/versions/9')).status).to.equal(404);
  });

  it('shows the departments the definitions name when no registry is configured, and this engine\'s contracts as operations', async () => {
    const admin = await as(USERS.admin);
    const r = await admin.get<{ configured: boolean; departments: Array<{ code: string; registered: boolean; performs: Array<{ activities: Array<{ id: string }> }> }>; engine: { services: Array<{ name: string }> } }>('/registry');
    expect(r.body.configured).to.equal(false);
    expect(r.body.departments.map((d) => d.code)).to.deep.equal(['environment', 'fire-safety', 'planning']);
    expect(r.body.departments.find((d) => d.code === 'planning')!.performs[0]!.activities.map((a) => a.id)).to.deep.equal(['register', 'issue_permit', 'site_inspection']);
    expect(r.body.engine.services.map((s) => s.name)).to.include.members(['ProcessService', 'WfXmlFactory']);
    const w = await admin.get<{ operations: Array<{ name: string; input: { fields: Array<{ name: string; fields?: Array<{ name: string }> }> } }> }>('/wsdl?local=ProcessService');
    const start = w.body.operations.find((o) => o.name === 'StartProcess')!;
    expect(start.input.fields.map((f) => f.name)).to.deep.equal(['ProcessDefinitionId', 'Subject', 'Data', 'ClientKey']);
    expect(start.input.fields[2]!.fields![0]!.name).to.equal('Item');
    expect((await admin.get('/wsdl?binding=uddi:nowhere:x')).status).to.equal(404);
  });

  it('serves the pages with a strict Content-Security-Policy, and every page path answers with the console', async () => {
    for (const path of ['/console/', '/console/cases/abc', '/console/worklist', '/console/definitions/building_permit/1']) {
      const res = await fetch(`${srv.url}${path}`);
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('content-security-policy')).to.include("script-src 'self'").and.include("frame-ancestors 'none'");
      expect(await res.text()).to.include('/console/static/app.js');
    }
    expect((await fetch(`${srv.url}/console/static/app.js`)).headers.get('content-type')).to.match(/javascript/);
    expect((await fetch(`${srv.url}/console/static/../package.json`)).status).to.be.oneOf([400, 404]);
    const root = await fetch(`${srv.url}/`, { redirect: 'manual' });
    expect(root.status).to.equal(302);
    expect(root.headers.get('location')).to.equal('/console/');
  });

  it('throttles an address after repeated failed logins', async () => {
    const local = await startConsoleServer();
    try {
      const c = new ConsoleClient(local.url);
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await c.login(USERS.clerk.username, 'wrong')).status);
      expect(statuses.slice(0, 10).every((s) => s === 401)).to.equal(true);
      expect(statuses[10]).to.equal(429);
      expect((await c.login(USERS.clerk.username, USERS.clerk.password)).status, 'even the right password, for a while').to.equal(429);
    } finally {
      await local.close();
    }
  });

  it('is open, with the anonymous permissions, on a development server without a users file', async () => {
    const dev = await startConsoleServer({ users: developmentSecurityConfig() });
    try {
      const c = new ConsoleClient(dev.url);
      const s = await c.get<{ open: boolean; csrf: string; user: { username: string; admin: boolean; anonymous: boolean } }>('/session');
      expect(s.body.open).to.equal(true);
      expect(s.body.user).to.include({ username: 'anonymous', admin: true, anonymous: true });
      c.csrf = s.body.csrf;
      expect((await c.post('/definitions/building_permit/start', {})).status).to.equal(200);
    } finally {
      await dev.close();
    }
  });
});

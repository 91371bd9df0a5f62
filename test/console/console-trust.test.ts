import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WorkflowEngine } from '../../src/engine';
import type { TypeormStore } from '../../src/persistence';
import type { RunningServer } from '../../src/services/http';
import { createServer } from '../../src/app';
import { createAuthenticator, demoSecurityConfig } from '../../src/services/security';
import { HeldPackages, MessageLog } from '../../src/transfer';
import { importXpdl } from '../../src/xpdl';
import { LogCapture } from '../services/support';
import { createTypeormTestStore } from '../support/test-store';
import { ConsoleClient, PERMIT_XPDL, startConsoleServer, USERS } from './support';
import { TypeormMessageLogRepository, TypeormHeldPackageRepository } from '../../src/persistence';

const LICENCE = readFileSync(resolve(__dirname, '../../examples/business-licence.xpdl'), 'utf8');

/** The console's side of trust between agencies: held packages, fields per department, outcomes in words. */
describe('console API: held packages, data flows, transfer outcomes', () => {
  let store: TypeormStore;
  let engine: WorkflowEngine;
  let running: RunningServer;
  let held: HeldPackages;
  const logs = new LogCapture();

  before(async () => {
    store = await createTypeormTestStore();
    engine = new WorkflowEngine({ store, department: 'tax' });
    const permit = readFileSync(PERMIT_XPDL, 'utf8');
    await engine.deploy(importXpdl(permit), { source: permit, actor: 'test' });
    held = new HeldPackages(new TypeormHeldPackageRepository(store), engine);
    await held.hold({ id: 'held-a', packageId: 'business_licence_package', sender: 'fire', source: LICENCE, at: new Date(Date.now() - 1000) });
    await held.hold({ id: 'held-b', packageId: 'business_licence_package', sender: 'market', source: LICENCE, at: new Date() });
    const config = demoSecurityConfig(Object.values(USERS), { allowInsecureBasic: true });
    running = await createServer(engine, {
      log: logs.logger,
      security: createAuthenticator(config),
      console: { security: config, heldPackages: held, transferLog: new MessageLog(new TypeormMessageLogRepository(store)) },
    }).listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 500 });
  });
  after(async () => {
    await running?.close();
    await store?.close();
  });

  const as = async (user: (typeof USERS)[keyof typeof USERS]) => {
    const c = new ConsoleClient(running.url);
    expect((await c.login(user.username, user.password)).status).to.equal(200);
    return c;
  };

  interface PackageBody { id: string; state: string; sender: string; processes: string[]; newProcesses?: string[]; activities?: Array<{ activityId: string; added: boolean; reads: string[]; writes: string[] }> }

  it('shows administrators the held packages with what each would add to this department; nobody else sees them', async () => {
    const admin = await as(USERS.admin);
    const list = await admin.get<{ items: PackageBody[] }>('/packages?state=held');
    expect(list.status).to.equal(200);
    expect(list.body.items.map((p) => p.id)).to.deep.equal(['held-b', 'held-a']);
    const a = list.body.items.find((p) => p.id === 'held-a')!;
    expect(a).to.include({ sender: 'fire', state: 'held' });
    expect(a.newProcesses).to.include('business_licence');
    expect(a.activities!.find((x) => x.activityId === 'register_taxpayer')).to.deep.include({ added: true, reads: ['applicantId'], writes: ['taxpayerId'] });
    expect(JSON.stringify(list.body), 'the XPDL source stays on the server').to.not.include('<xpdl:Package');
    const one = await admin.get<PackageBody>('/packages/held-a');
    expect(one.body).to.include({ id: 'held-a', sender: 'fire' });
    expect((await admin.get('/packages/nope')).status).to.equal(404);
    expect((await admin.get('/packages?state=odd')).status).to.equal(400);
    for (const user of [USERS.clerk, USERS.reader]) {
      const c = await as(user);
      const refused = await c.get<{ error: string; code: string }>('/packages');
      expect(refused.status).to.equal(403);
      expect(refused.body.code).to.equal('FORBIDDEN');
      expect(refused.body.error).to.include('needs "admin": true');
      expect((await c.get('/packages/held-a')).status).to.equal(403);
    }
  });

  it('approves and rejects only for administrators, only with the CSRF token, and only once', async () => {
    const clerk = await as(USERS.clerk);
    expect((await clerk.post('/packages/held-a/approve')).status).to.equal(403);
    const admin = await as(USERS.admin);
    const noToken = await admin.post('/packages/held-a/approve', {}, { csrf: false });
    expect(noToken.status).to.equal(403);
    expect(noToken.body).to.include({ code: 'CSRF' });
    expect((await held.get('held-a')).state).to.equal('held', 'nothing decided without the token');

    const approved = await admin.post<{ state: string; results: Array<{ processId: string; created: boolean }> }>('/packages/held-a/approve');
    expect(approved.status).to.equal(200);
    expect(approved.body.state).to.equal('installed');
    expect(approved.body.results.map((r) => r.processId)).to.include('business_licence');
    expect(await held.get('held-a')).to.include({ state: 'installed', decidedBy: 'ops-admin' });
    expect((await engine.listDefinitions()).some((d) => d.processId === 'business_licence')).to.equal(true);
    const twice = await admin.post<{ error: string }>('/packages/held-a/approve');
    expect(twice.status).to.equal(409);
    expect(twice.body.error).to.equal('package held-a was already installed by ops-admin');

    expect((await admin.post('/packages/held-b/reject', { reason: 42 })).status).to.equal(400);
    const rejected = await admin.post<{ state: string; reason: string }>('/packages/held-b/reject', { reason: '  market does not define it ' });
    expect(rejected.status).to.equal(200);
    expect(rejected.body).to.include({ state: 'rejected', reason: 'market does not define it' });
    expect(await held.get('held-b')).to.include({ state: 'rejected', reason: 'market does not define it', decidedBy: 'ops-admin' });
    expect((await admin.post('/packages/held-b/approve')).status).to.equal(409);
    expect((await admin.get<{ items: unknown[] }>('/packages?state=held')).body.items).to.have.length(0);
    expect(logs.lines.some((l) => l.msg === 'held package approved from the console' && l.actor === 'ops-admin')).to.equal(true);
  });

  it("shows on a definition's page which fields reach each department", async () => {
    const reader = await as(USERS.reader);
    const d = await reader.get<{ dataFlows: Array<{ department: string; receives: string[]; returns: string[]; activities: Array<{ activityId: string; name: string | null }> }> }>('/definitions/business_licence/versions/latest');
    expect(d.status).to.equal(200);
    expect(d.body.dataFlows.map((f) => f.department)).to.deep.equal(['fire', 'market', 'tax']);
    const tax = d.body.dataFlows.find((f) => f.department === 'tax')!;
    expect(tax).to.deep.include({ receives: ['applicantId'], returns: ['taxpayerId'] });
    expect(tax.activities).to.deep.equal([{ activityId: 'register_taxpayer', name: 'Register taxpayer', reads: ['applicantId'], writes: ['taxpayerId'] }]);
  });

  it("lists a case's transfer messages with each outcome in words", async () => {
    const admin = await as(USERS.admin);
    const started = await admin.post<{ id: string }>('/definitions/building_permit/start', { data: { caseRef: 'BP-T' } });
    const caseId = started.body.id;
    const log = new MessageLog(new TypeormMessageLogRepository(store));
    const item = (itemId: string) => ({ kind: 'hand-over' as const, itemId, caseId, home: 'planning', processId: 'building_permit', version: 1, activityId: 'fire_review', activityInstanceId: `${caseId}/a9`, data: {} });
    await log.record({ messageId: 'c-1', direction: 'in', sender: 'planning', receiver: 'tax', at: new Date(), outcome: 'delivered', envelope: '<e/>', items: [
      { item: item('x-1'), outcome: 'accepted' },
      { item: item('x-2'), outcome: 'not-authorised', reason: 'department planning is no possible home' },
      { item: item('x-3'), outcome: 'refused', reason: 'no such version' },
    ] });
    await log.record({ messageId: 'refused-9', direction: 'refused', sender: 'planning', receiver: 'tax', at: new Date(), outcome: 'refused', reason: 'bad-signature: digest mismatch', envelope: '<e/>', items: [{ item: item('x-4'), outcome: 'refused-signature', reason: 'bad-signature: digest mismatch' }] });
    const c = await admin.get<{ messages: Array<{ itemId: string; outcome: string; outcomeText: string }> }>(`/cases/${caseId}`);
    const words = Object.fromEntries(c.body.messages.map((m) => [m.itemId, m.outcomeText]));
    expect(words).to.deep.equal({ 'x-1': 'accepted', 'x-2': 'refused (not authorised)', 'x-3': 'refused (invalid)', 'x-4': 'refused (signature)' });
  });

  it('answers 404 for held packages on a server that takes no part in a federation', async () => {
    const plain = await startConsoleServer();
    try {
      const c = new ConsoleClient(plain.url);
      await c.login(USERS.admin.username, USERS.admin.password);
      const res = await c.get<{ error: string }>('/packages');
      expect(res.status).to.equal(404);
      expect(res.body.error).to.match(/holds no published packages/);
    } finally {
      await plain.close();
    }
  });
});

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { WorkflowEngine, HandlerRegistry } from '../../src/engine';
import { openStore, type TypeormStore } from '../../src/persistence';
import { replicaState } from '../../src/app/replica-state';
import type { RunningServer } from '../../src/services/http';
import { createServer } from '../../src/app';
import { buildUsernameTokenHeader, createAuthenticator, demoSecurityConfig } from '../../src/services/security';
import { importXpdl } from '../../src/xpdl';
import { ConsoleClient, PERMIT_XPDL, USERS } from '../console/support';
import { envelope, faultOf, LogCapture, post, PS_PATH } from '../services/support';
import { createTypeormTestStore, testDatabaseConfig, testDatabaseKind } from '../support/test-store';

/**
 * Issue 17, "Replicas keep security state in process memory": the same signed UsernameToken
 * StartProcess was refused as a replay by one replica and accepted by the other (two cases);
 * console sessions worked only at the replica that made them; login throttling counted per
 * replica. Two department servers on ONE database (MariaDB under `npm run test:mysql`, else one
 * SQLite file), each with its own store and its own shared-state objects, as two processes would
 * have, now behave as one.
 */
describe(`regression: two replicas on one ${testDatabaseKind()} database share replay cache, sessions and throttle (issue 17)`, () => {
  const config = demoSecurityConfig(Object.values(USERS), { allowInsecureBasic: true });
  let stores: TypeormStore[] = [];
  let running: RunningServer[] = [];
  let urls: string[] = [];
  let engineA: WorkflowEngine;

  before(async () => {
    const db = testDatabaseConfig();
    stores = [await createTypeormTestStore(db), await openStore(db, { migrate: true, allowMemory: true })];
    const engines = stores.map((store) => new WorkflowEngine({ store, handlers: new HandlerRegistry().register('send_email', () => ({})).register('send_sms', () => ({})) }));
    engineA = engines[0]!;
    const xml = readFileSync(PERMIT_XPDL, 'utf8');
    await engineA.deploy(importXpdl(xml), { source: xml, actor: 'test' });
    for (const [i, engine] of engines.entries()) {
      const shared = replicaState(stores[i]!);
      const server = createServer(engine, {
        log: new LogCapture().logger,
        security: createAuthenticator(config, { replayCache: shared.replayCache }),
        shared,
        console: { security: config },
      });
      running.push(await server.listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 500 }));
    }
    urls = running.map((r) => r.url);
  });

  after(async () => {
    for (const r of running) await r.close();
    for (const s of stores) await s.close();
    running = [];
    stores = [];
  });

  it('the same signed UsernameToken StartProcess sent to both replicas at once makes one case and one replay fault', async () => {
    for (let round = 0; round < 5; round++) {
      const before = (await engineA.listInstances({})).total;
      const header = buildUsernameTokenHeader(USERS.clerk.username, USERS.clerk.password);
      const body = envelope(
        '1.1',
        `<ps:StartProcess xmlns:ps="urn:interflow:process-service:1"><ps:ProcessDefinitionId>building_permit</ps:ProcessDefinitionId><ps:Data/></ps:StartProcess>`,
        header,
      );
      const replies = await Promise.all(urls.map((u) => post(u + PS_PATH, body)));
      const ok = replies.filter((r) => r.status === 200);
      const refused = replies.filter((r) => r.status !== 200);
      expect(ok, `round ${round}: ${replies.map((r) => `${r.status} ${r.body.slice(0, 600)}`).join(', ')}`).to.have.length(1);
      expect(refused).to.have.length(1);
      expect(faultOf(refused[0]!.body).message).to.match(/nonce was already used \(replay\)/);
      expect((await engineA.listInstances({})).total - before, `round ${round}: cases made`).to.equal(1);
    }
  });

  it('a console session created at replica A works at replica B, and logging out at B ends it at A', async () => {
    const client = new ConsoleClient(urls[0]!);
    expect((await client.login(USERS.admin.username, USERS.admin.password)).status).to.equal(200);
    const atB = new ConsoleClient(urls[1]!);
    atB.cookie = client.cookie;
    atB.csrf = client.csrf;
    const session = await atB.get<{ user: { username: string } | null }>('/session');
    expect(session.body.user?.username).to.equal(USERS.admin.username);
    expect((await atB.get('/overview')).status, 'an API call needing a session, at B').to.equal(200);
    expect((await atB.post('/logout')).status).to.equal(200);
    expect((await client.get('/overview')).status, 'the session ended everywhere').to.equal(401);
  });

  it('failed logins count across both replicas: guesses spread over A and B reach the one limit', async () => {
    const statuses: number[] = [];
    // The per-user limit is 10 failures: five at each replica reach it, the eleventh attempt is throttled wherever it lands.
    for (let i = 0; i < 10; i++) statuses.push((await new ConsoleClient(urls[i % 2]!).login(USERS.environment.username, `wrong-${i}`)).status);
    expect(statuses.every((s) => s === 401), statuses.join()).to.equal(true);
    for (const url of urls) {
      const res = await new ConsoleClient(url).login(USERS.environment.username, USERS.environment.password);
      expect(res.status, `right password at ${url}, throttled`).to.equal(429);
      expect(Number(res.headers.get('retry-after'))).to.be.greaterThan(0);
    }
  });
});

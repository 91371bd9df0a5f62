import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { importXpdl } from '../../src/xpdl';
import { AuthThrottle, buildUsernameTokenHeader, createAuthenticator, parseSecurityConfig } from '../../src/services/security';
import { ConsoleClient, startConsoleServer, USERS } from '../console/support';
import { openTestRegistry, startRegistryServer, uddiPost, UDDI_NS } from '../registry/support';
import { envelope, faultOf, post, PS_NS, startTestServer } from './support';

const PERMIT = readFileSync(resolve(__dirname, '../../examples/building-permit.xpdl'), 'utf8');

/** Issue 10: failed authentication is throttled per user and per address, by one shared throttle. */
describe('issue 10: throttled guessing', () => {
  it('the throttle counts per user and per address, and a success resets nothing', async () => {
    let now = 0;
    const t = new AuthThrottle({ maxPerUser: 3, maxPerAddress: 5, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) await t.fail({ user: 'Admin', address: '10.0.0.1' });
    expect(await t.check({ user: 'admin', address: '10.0.0.9' })).to.deep.equal({ retryAfterSeconds: 60, by: 'user' });
    expect(await t.check({ user: 'clerk', address: '10.0.0.1' })).to.equal(undefined);
    await t.fail({ user: 'x', address: '10.0.0.1' });
    await t.fail({ user: 'y', address: '10.0.0.1' });
    expect((await t.check({ user: 'clerk', address: '10.0.0.1' }))?.by).to.equal('address');
    now = 60_000;
    expect(await t.check({ user: 'admin', address: '10.0.0.1' })).to.equal(undefined);
  });

  it('finding: the console throttle is not reset by a successful login as another user from the same address', async () => {
    const srv = await startConsoleServer();
    try {
      const statuses: number[] = [];
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 9; i++) statuses.push((await new ConsoleClient(srv.url).login(USERS.admin.username, `wrong-${round}-${i}`)).status);
        await new ConsoleClient(srv.url).login(USERS.clerk.username, USERS.clerk.password);
      }
      expect(statuses.filter((s) => s === 429).length, 'guesses for the admin are throttled').to.be.greaterThan(30);
      const res = await fetch(`${srv.url}/console/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: USERS.admin.username, password: USERS.admin.password }) });
      expect(res.status, 'even the right password, while throttled').to.equal(429);
      expect(Number(res.headers.get('retry-after'))).to.be.greaterThan(0);
      expect(await res.text()).to.match(/try again in \d+ (minutes|seconds)/);
    } finally {
      await srv.close();
    }
  });

  it('finding: UsernameToken and HTTP Basic failures over SOAP are throttled, with Retry-After and the wait in the fault', async () => {
    const config = parseSecurityConfig({
      services: { '*': 'wss-or-basic' },
      users: [{ username: 'clerk-system', password: 'Zt3f1bq0W2hQm9yJvC8rLkXa', start: ['*'], participants: ['*'] }],
      allowInsecureBasic: true,
    });
    const srv = await startTestServer({ security: createAuthenticator(config) });
    await srv.engine.deploy(importXpdl(PERMIT));
    try {
      const op = `<GetWorklist xmlns="${PS_NS}"><Participant>clerk</Participant></GetWorklist>`;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await post(srv.endpoint, envelope('1.1', op, buildUsernameTokenHeader('clerk-system', `wrong-password-${i}`)), { 'Content-Type': 'text/xml' });
        statuses.push(res.status);
      }
      for (let i = 0; i < 6; i++) {
        const res = await post(srv.endpoint, envelope('1.1', op), { 'Content-Type': 'text/xml', Authorization: `Basic ${Buffer.from(`clerk-system:wrong-${i}`).toString('base64')}` });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 10).every((s) => s === 500 || s === 401), statuses.join()).to.equal(true);
      const last = await post(srv.endpoint, envelope('1.1', op, buildUsernameTokenHeader('clerk-system', 'Zt3f1bq0W2hQm9yJvC8rLkXa')), { 'Content-Type': 'text/xml' });
      expect(last.status, 'the right password is refused too while throttled').to.equal(429);
      expect(Number(last.headers.get('retry-after'))).to.be.within(1, 600);
      const fault = faultOf(last.body);
      expect(fault.detailCode).to.equal('THROTTLED');
      expect(fault.message).to.match(/too many failed authentication attempts for this user; try again in \d+ minutes \(Retry-After: \d+ s\)/);
    } finally {
      await srv.close();
    }
  });

  it('finding: UDDI get_authToken failures are throttled with E_busy and Retry-After', async () => {
    const t = await openTestRegistry();
    await t.registry.createPublisher('dept-a', 'dept-a-secret');
    const server = await startRegistryServer(t.registry);
    try {
      const url = `${server.url}/uddi/security`;
      const codes: number[] = [];
      for (let i = 0; i < 11; i++) codes.push((await uddiPost(url, `<get_authToken xmlns="${UDDI_NS}" userID="dept-a" cred="guess-${i}"/>`)).status);
      expect(codes.slice(0, 10).every((c) => c === 500)).to.equal(true);
      expect(codes[10]).to.equal(429);
      const res = await uddiPost(url, `<get_authToken xmlns="${UDDI_NS}" userID="dept-a" cred="dept-a-secret"/>`);
      expect(res.status).to.equal(429);
      expect(res.body).to.match(/E_busy/).and.to.match(/try again in/);
    } finally {
      await server.close();
      await t.close();
    }
  });
});

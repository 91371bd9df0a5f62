import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { checkExposure, isLoopback } from '../../src/services/http';
import { createServer } from '../../src/app';
import { createAuthenticator, makeUser, parseSecurityConfig, writeUsersFile, demoSecurityConfig } from '../../src/services/security';
import { freshSqlitePath } from '../support/test-store';
import { startTestServer } from './support';

/** Issue 10: Basic over plain HTTP only on loopback; /metrics needs its token off loopback. */
describe('issue 10: what a listener beyond loopback accepts', () => {
  it('tells loopback addresses from the rest', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopback(h), h).to.equal(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'example.org']) expect(isLoopback(h), h).to.equal(false);
    expect(() => checkExposure('0.0.0.0', true, true)).not.to.throw();
    expect(() => checkExposure('127.0.0.1', false, true)).not.to.throw();
    expect(() => checkExposure('0.0.0.0', false, false)).not.to.throw();
  });

  it('finding: serve --host 0.0.0.0 with a users file that allows Basic over HTTP refuses to start, naming the setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exposure-'));
    const usersFile = join(dir, 'users.json');
    writeUsersFile(usersFile, demoSecurityConfig([makeUser({ username: 'ops-admin', password: 'admin-password-123', admin: true })], { allowInsecureBasic: true }));
    let err = '';
    const saved = process.env.INTERFLOW_USERS_FILE;
    process.env.INTERFLOW_USERS_FILE = usersFile;
    try {
      const code = await main(['node', 'interflow', '--db', `sqlite:${freshSqlitePath()}`, 'serve', '--host', '0.0.0.0', '--port', '0'], { stdout: () => undefined, stderr: (s) => void (err += s) });
      expect(code).to.not.equal(0);
    } finally {
      if (saved === undefined) delete process.env.INTERFLOW_USERS_FILE;
      else process.env.INTERFLOW_USERS_FILE = saved;
    }
    expect(err.trim().split('\n')).to.have.length(1);
    expect(err).to.match(/refusing to listen on 0\.0\.0\.0 over plain HTTP.*"allowInsecureBasic"/);
    // the same configuration through the library
    const running = await startTestServer();
    try {
      const security = createAuthenticator(parseSecurityConfig({ services: { '*': 'wss-or-basic' }, users: [{ username: 'a-user', password: 'a-password-1234' }], allowInsecureBasic: true }));
      const server = createServer(running.engine, { log: running.logs.logger, security });
      expect(() => server.listen({ host: '0.0.0.0', port: 0 })).to.throw(/allowInsecureBasic/);
    } finally {
      await running.close();
    }
  });

  it('finding: demo --host 0.0.0.0 refuses to start, before any work', async () => {
    let err = '';
    const code = await main(['node', 'interflow', 'demo', '--host', '0.0.0.0', '--db', `sqlite:${freshSqlitePath()}`], { stdout: () => undefined, stderr: (s) => void (err += s) });
    expect(code).to.not.equal(0);
    expect(err).to.match(/^error: refusing to listen on 0\.0\.0\.0 over plain HTTP/);
  });

  it('finding: /metrics on a non-loopback listener without INTERFLOW_METRICS_TOKEN answers 403', async () => {
    const srv = await startTestServer();
    const server = createServer(srv.engine, { log: srv.logs.logger });
    const running = await server.listen({ host: '0.0.0.0', port: 0, shutdownGraceMs: 500 });
    try {
      const port = new URL(running.url).port;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).to.equal(403);
      expect(await res.text()).to.match(/INTERFLOW_METRICS_TOKEN/);
      expect((await fetch(`${srv.url}/metrics`)).status, 'a loopback listener still serves it').to.equal(200);
    } finally {
      await running.close();
      await srv.close();
    }
  });
});

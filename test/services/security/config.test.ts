import { expect } from 'chai';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  SecurityConfigError,
  buildUsernameTokenHeader,
  createAuthenticator,
  demoSecurityConfig,
  demoUsers,
  describeSecurity,
  loadSecurityConfig,
  parseSecurityConfig,
  serializeUsersFile,
  writeUsersFile,
} from '../../../src/services/security';
import { ADMIN_PASSWORD, CLERK_PASSWORD, basic, config, usersFile } from './support';

function problems(json: unknown, options: { production?: boolean } = {}): string[] {
  try {
    parseSecurityConfig(json, { source: 'users.json', ...options });
  } catch (e) {
    expect(e).to.be.instanceOf(SecurityConfigError);
    return (e as SecurityConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

function user(fields: Record<string, unknown>): Record<string, unknown> {
  return { username: 'clerk-system', password: CLERK_PASSWORD, start: ['building_permit'], participants: ['clerk'], admin: false, ...fields };
}

describe('security: configuration', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'interflow-security-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, content: unknown, mode = 0o600): string {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    chmodSync(path, mode);
    return path;
  }

  describe('users file', () => {
    it('reads services, users and permissions; defaults "*" to wss-or-basic and the window to 300 s', async () => {
      const c = parseSecurityConfig({ services: { ProcessService: 'wss' }, users: [user({})] }, { source: 'users.json' });
      expect(c.services).to.deep.equal({ ProcessService: 'wss', '*': 'wss-or-basic' });
      expect(c.users.map((u) => u.username)).to.deep.equal(['clerk-system']);
      expect(c.users[0]!.password).to.equal(CLERK_PASSWORD);
      expect(c.wssWindowSeconds).to.equal(300);
      expect(c.clockSkewSeconds).to.equal(60);
      expect(c.allowPasswordText).to.equal(false);
      expect(c.allowInsecureBasic).to.equal(false);
      expect(c.anonymous).to.deep.equal({ start: [], participants: [], admin: false });
    });

    it('accepts the example users file of docs/security.md', async () => {
      const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'security.md'), 'utf8');
      const example = /```json\n([\s\S]*?)\n```/.exec(doc)![1]!;
      const c = parseSecurityConfig(JSON.parse(example), { source: 'docs/security.md', production: true });
      expect(c.users.map((u) => u.username)).to.deep.equal(['clerk-system', 'inspection-app', 'ops-console']);
      expect(c.services).to.deep.equal({ ProcessService: 'wss-or-basic', wfxml: 'wss', '*': 'wss' });
    });

    it('keeps passwords out of JSON.stringify, util.inspect and describeSecurity', async () => {
      const c = config();
      for (const shown of [JSON.stringify(c), inspect(c, { depth: 10 }), JSON.stringify(describeSecurity(c))]) {
        expect(shown).not.to.contain(CLERK_PASSWORD).and.not.to.contain(ADMIN_PASSWORD);
        expect(shown).to.contain('clerk-system');
      }
    });

    it('names the user and the field of each problem, and reports them all at once', async () => {
      const found = problems({
        services: { ProcessService: 'wss' },
        users: [
          user({ start: 'building_permit' }),
          user({ username: 'inspector', participants: ['inspector', 7] }),
          user({ username: 'ops', admin: 'yes' }),
          user({ username: 'typo', participant: ['clerk'] }),
        ],
      });
      expect(found).to.deep.equal([
        'users[0] ("clerk-system"): "start" must be an array of process definition ids (or ["*"] for all), got "building_permit"',
        'users[1] ("inspector"): "participants"[1] must be a non-empty participant id without surrounding spaces, got number 7',
        'users[2] ("ops"): "admin" must be true or false, got "yes"',
        'users[3] ("typo"): unknown field "participant" (did you mean "participants"?); known fields: username, password, start, participants, admin',
      ]);
    });

    it('refuses missing or bad user names and passwords without ever quoting a password', async () => {
      const found = problems({
        services: {},
        users: [
          user({ username: undefined }),
          user({ username: 'short', password: 'abc12345' }),
          user({ username: 'a:b' }),
          user({ username: 'Anonymous' }),
          user({ username: 'x', password: 42 }),
          user({ username: ' padded' }),
          user({ username: 'CLERK-SYSTEM' }),
          user({}),
          user({ username: 'same-as-password-1', password: 'same-as-password-1' }),
        ],
      });
      expect(found).to.include('users[0]: "username" is missing');
      expect(found.find((p) => p.startsWith('users[1] ("short")'))).to.match(/"password" is shorter than 12 characters/);
      expect(found).to.include('users[2] ("a:b"): "username" contains ":", which HTTP Basic cannot carry');
      expect(found.find((p) => p.startsWith('users[3]'))).to.match(/reserved/);
      expect(found).to.include('users[4] ("x"): "password" must be a string');
      expect(found.find((p) => p.startsWith('users[5]'))).to.match(/white space/);
      expect(found).to.include('users[7] ("clerk-system"): username is already used by users[6] (user names must be unique, ignoring case)');
      expect(found).to.include('users[8] ("same-as-password-1"): "password" must not equal the username');
      expect(found.join('\n')).not.to.contain('abc12345');
    });

    it('refuses unknown modes, unknown services (with a suggestion) and unknown settings', async () => {
      const found = problems({ services: { ProcessService: 'digest', ProcesService: 'wss', wfxml: 'wss' }, users: [user({})], allowInsecureBasik: true });
      expect(found).to.deep.equal([
        'unknown setting "allowInsecureBasik" (did you mean "allowInsecureBasic"?); known settings: services, users, anonymous, allowPasswordText, allowInsecureBasic, wssWindowSeconds, clockSkewSeconds, replayCacheSize, realm',
        'services."ProcessService" must be one of "none", "wss", "basic", "wss-or-basic", got "digest"',
        'services: unknown service "ProcesService" (did you mean "ProcessService"?); known: "*", "ProcessService", "wfxml", "wfxml/factory", "wfxml/instance", "wfxml/observer"',
      ]);
    });

    it('refuses a file without services or users, an empty users list, and bad numeric settings', async () => {
      expect(problems({})).to.have.length(2);
      expect(problems([])[0]).to.match(/top level must be a JSON object/);
      expect(problems({ services: { '*': 'wss' }, users: [] })).to.deep.equal(['"users" is empty, so nobody could call the services not listed ("*"); add at least one user']);
      expect(problems({ services: {}, users: [user({})], wssWindowSeconds: 0, clockSkewSeconds: -1, replayCacheSize: 5 })).to.deep.equal([
        '"wssWindowSeconds" must be a whole number from 1 to 86400, got number 0',
        '"clockSkewSeconds" must be a whole number from 0 to 3600, got number -1',
        '"replayCacheSize" must be a whole number from 1000 to 50000000, got number 5',
      ]);
      // a file where every service is open may list no users
      expect(parseSecurityConfig({ services: { '*': 'none' }, users: [] }).users).to.have.length(0);
    });

    it('reads anonymous permissions for services in mode none', async () => {
      const c = parseSecurityConfig({ services: { '*': 'none' }, users: [], anonymous: { start: ['building_permit'], participants: [], admin: false } });
      expect(c.anonymous).to.deep.equal({ start: ['building_permit'], participants: [], admin: false });
      expect(problems({ services: { '*': 'none' }, users: [], anonymous: { start: ['*'], admn: true } })[0]).to.match(/anonymous: unknown field "admn" \(did you mean "admin"\?\)/);
    });
  });

  describe('loadSecurityConfig (environment and file)', () => {
    it('without INTERFLOW_USERS_FILE outside production: every service open to anonymous callers', async () => {
      const c = loadSecurityConfig({});
      expect(c.source).to.equal(null);
      expect(c.services).to.deep.equal({ '*': 'none' });
      expect((await createAuthenticator(c).authenticate({ serviceName: 'ProcessService', secure: false })).via).to.equal('anonymous');
    });

    it('in production, refuses to start without a users file', async () => {
      for (const env of [{ NODE_ENV: 'production' }, { INTERFLOW_PRODUCTION: '1' }, { INTERFLOW_PRODUCTION: 'true' }]) {
        expect(() => loadSecurityConfig(env)).to.throw(SecurityConfigError, /INTERFLOW_USERS_FILE is not set, but (NODE_ENV=production|INTERFLOW_PRODUCTION is set): in production every service must authenticate/);
      }
      expect(loadSecurityConfig({ INTERFLOW_PRODUCTION: '0', NODE_ENV: 'development' }).production).to.equal(false);
    });

    it('in production, refuses mode none on any service (or as the default) and allowInsecureBasic', async () => {
      const open = file('open.json', usersFile({ services: { ProcessService: 'none', '*': 'wss' } }));
      expect(() => loadSecurityConfig({ NODE_ENV: 'production', INTERFLOW_USERS_FILE: open })).to.throw(
        SecurityConfigError,
        /services\."ProcessService" is "none", but NODE_ENV=production: every service must authenticate its callers in production/,
      );
      const openDefault = file('open-default.json', usersFile({ services: { ProcessService: 'wss', '*': 'none' } }));
      expect(() => loadSecurityConfig({ INTERFLOW_PRODUCTION: '1', INTERFLOW_USERS_FILE: openDefault })).to.throw(/services\."\*" is "none"/);
      const insecure = file('insecure.json', usersFile({ allowInsecureBasic: true }));
      expect(() => loadSecurityConfig({ NODE_ENV: 'production', INTERFLOW_USERS_FILE: insecure })).to.throw(/"allowInsecureBasic" is true, but NODE_ENV=production/);
      const good = file('good.json', usersFile());
      const c = loadSecurityConfig({ NODE_ENV: 'production', INTERFLOW_USERS_FILE: good });
      expect(c.production).to.equal(true);
      expect(c.source).to.equal(good);
    });

    it('refuses a users file that group or others can read, saying how to fix it', async function () {
      if (process.platform === 'win32') this.skip();
      const path = file('loose.json', usersFile(), 0o644);
      expect(() => loadSecurityConfig({ INTERFLOW_USERS_FILE: path })).to.throw(SecurityConfigError, new RegExp(`can be read or written by group or others \\(mode 0644\\); run: chmod 600 ${path}`));
      chmodSync(path, 0o640);
      expect(() => loadSecurityConfig({ INTERFLOW_USERS_FILE: path })).to.throw(/mode 0640/);
      chmodSync(path, 0o400);
      expect(loadSecurityConfig({ INTERFLOW_USERS_FILE: path }).users).to.have.length(2);
    });

    it('says when the file is missing or not a file', async () => {
      expect(() => loadSecurityConfig({ INTERFLOW_USERS_FILE: join(dir, 'absent.json') })).to.throw(/does not exist/);
      expect(() => loadSecurityConfig({ INTERFLOW_USERS_FILE: dir })).to.throw(/must name a regular file/);
    });

    it('reports invalid JSON by line and column without echoing the file (which holds passwords)', async () => {
      const path = file('broken.json', `{\n  "services": {},\n  "users": [ { "username": "x", "password": "${CLERK_PASSWORD}" } \n  "oops"\n}`);
      const e = (() => {
        try {
          loadSecurityConfig({ INTERFLOW_USERS_FILE: path });
        } catch (err) {
          return err as SecurityConfigError;
        }
        throw new Error('expected an error');
      })();
      expect(e).to.be.instanceOf(SecurityConfigError);
      expect(e.message).to.match(/not valid JSON at line 4, column 3/);
      expect(e.message).not.to.contain(CLERK_PASSWORD);
    });

    it('names the file in every error', async () => {
      const path = file('bad.json', { services: { wfxml: 'sometimes' }, users: [user({})] });
      expect(() => loadSecurityConfig({ INTERFLOW_USERS_FILE: path })).to.throw(`Security configuration (${path}): services."wfxml" must be one of`);
    });

    it('takes the window from INTERFLOW_WSS_WINDOW over the file, and refuses a bad value', async () => {
      const path = file('window.json', usersFile({ wssWindowSeconds: 120 }));
      expect(loadSecurityConfig({ INTERFLOW_USERS_FILE: path }).wssWindowSeconds).to.equal(120);
      expect(loadSecurityConfig({ INTERFLOW_USERS_FILE: path, INTERFLOW_WSS_WINDOW: '600' }).wssWindowSeconds).to.equal(600);
      expect(loadSecurityConfig({ INTERFLOW_WSS_WINDOW: '45' }).wssWindowSeconds).to.equal(45);
      for (const bad of ['0', '-5', '5m', '1.5', '999999']) {
        expect(() => loadSecurityConfig({ INTERFLOW_WSS_WINDOW: bad }), bad).to.throw(/INTERFLOW_WSS_WINDOW must be a whole number of seconds/);
      }
    });
  });

  describe('demo credentials', () => {
    it('demoUsers makes new random passwords every time, usable with the authenticator', async () => {
      const a = demoUsers();
      const b = demoUsers();
      expect(a.map((u) => u.username)).to.deep.equal(['demo-admin', 'demo-clerk', 'demo-inspector']);
      for (let i = 0; i < a.length; i++) {
        expect(a[i]!.password).to.match(/^[A-Za-z0-9_-]{24}$/);
        expect(a[i]!.password).not.to.equal(b[i]!.password);
      }
      expect(JSON.stringify(a)).not.to.contain(a[0]!.password);
      const auth = createAuthenticator(demoSecurityConfig(a));
      const admin = (await auth.authenticate({ serviceName: 'ProcessService', soapHeader: buildUsernameTokenHeader('demo-admin', a[0]!.password), secure: false }));
      expect(admin).to.deep.include({ username: 'demo-admin', admin: true });
      expect((await auth.authenticate({ serviceName: 'wfxml', authorization: basic('demo-clerk', a[1]!.password), secure: true })).participants).to.deep.equal(['clerk', 'planning']);
    });

    it('writeUsersFile writes a 0600 file that loadSecurityConfig reads back to the same configuration', async () => {
      const path = join(dir, 'written.json');
      writeFileSync(path, 'old', { mode: 0o644 });
      const users = demoUsers();
      writeUsersFile(path, demoSecurityConfig(users, { wssWindowSeconds: 90 }));
      if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).to.equal(0o600);
      const back = loadSecurityConfig({ INTERFLOW_USERS_FILE: path });
      expect(back.services).to.deep.equal({ '*': 'wss-or-basic' });
      expect(back.wssWindowSeconds).to.equal(90);
      expect(back.users.map((u) => [u.username, u.password, u.admin])).to.deep.equal(users.map((u) => [u.username, u.password, u.admin]));
      expect(serializeUsersFile(back)).to.equal(serializeUsersFile(demoSecurityConfig(users, { wssWindowSeconds: 90 })));
    });
  });
});

import { expect } from 'chai';
import pino from 'pino';
import {
  AuthenticationError,
  ReplayCache,
  PASSWORD_DIGEST_TYPE,
  PASSWORD_TEXT_TYPE,
  SecurityConfigError,
  WSSE_NS,
  WSU_NS,
  buildUsernameTokenHeader,
  createAuthenticator,
  developmentSecurityConfig,
  passwordDigest,
  type AuthenticateInput,
  type Authenticator,
  type SecurityLogger,
} from '../../../src/services/security';
import { ADMIN_PASSWORD, CLERK_PASSWORD, NOW, basic, config, envelope, thrown } from './support';

const SECOND = 1000;
const at = (offsetSeconds: number) => new Date(NOW.getTime() + offsetSeconds * SECOND);

function wss(username: string, password: string, opts: { nonce?: Buffer; created?: Date | string; passwordType?: 'PasswordDigest' | 'PasswordText' } = {}): string {
  return envelope(buildUsernameTokenHeader(username, password, { created: NOW, ...opts }));
}

/** Captures warn calls the way pino would receive them. */
function recordingLogger() {
  const calls: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  return { calls, logger: { warn: (obj: Record<string, unknown>, msg: string) => void calls.push({ obj, msg }) } };
}

async function refusal(auth: Authenticator, input: AuthenticateInput): Promise<AuthenticationError> {
  const e = await thrown<AuthenticationError>(() => auth.authenticate(input));
  expect(e, String(e)).to.be.instanceOf(AuthenticationError);
  return e;
}

describe('security: authenticator', () => {
  let auth: Authenticator;
  beforeEach(() => {
    auth = createAuthenticator(config(), { clock: () => NOW });
  });

  describe('WS-Security UsernameToken PasswordDigest', () => {
    it('accepts a valid token and returns the caller with its permissions (and no secret)', async () => {
      const caller = (await auth.authenticate({ serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD), secure: false }));
      expect(caller).to.deep.equal({ username: 'clerk-system', via: 'wss', start: ['building_permit'], participants: ['clerk'], admin: false });
      expect(JSON.stringify(caller)).not.to.contain(CLERK_PASSWORD);
      expect(Object.isFrozen(caller)).to.equal(true);
    });

    it('refuses a missing header with a message that says what to send', async () => {
      for (const soapHeader of [undefined, null, '', envelope(''), {}]) {
        const e = await refusal(auth, { serviceName: 'wfxml', soapHeader, secure: true });
        expect(e.code).to.equal('missing-credentials');
        expect(e.message).to.match(/^WS-Security UsernameToken is missing/);
        expect(e.wsseFault).to.equal('InvalidSecurity');
        expect(e.challenge).to.equal(undefined);
      }
    });

    it('refuses an unknown user and a wrong password with the same message, told apart only in the log reason', async () => {
      const unknown = await refusal(auth, { serviceName: 'wfxml', soapHeader: wss('nobody', CLERK_PASSWORD), secure: true });
      const wrong = await refusal(auth, { serviceName: 'wfxml', soapHeader: wss('clerk-system', 'not-the-password-123'), secure: true });
      expect(unknown.message).to.equal('authentication failed');
      expect(wrong.message).to.equal('authentication failed');
      expect(unknown.code).to.equal('failed');
      expect(wrong.code).to.equal('failed');
      expect(unknown.wsseFault).to.equal('FailedAuthentication');
      expect(unknown.reason).to.match(/unknown user "nobody"/);
      expect(wrong.reason).to.match(/wrong PasswordDigest for user "clerk-system"/);
    });

    it('refuses a digest that is not Base64 of 20 bytes, and a token whose Created was altered after signing', async () => {
      const good = wss('clerk-system', CLERK_PASSWORD);
      const notB64 = good.replace(/(#PasswordDigest">)[^<]+/, '$1not base64!');
      expect((await refusal(auth, { serviceName: 'wfxml', soapHeader: notB64, secure: true })).code).to.equal('failed');
      const short = good.replace(/(#PasswordDigest">)[^<]+/, '$1AAAA');
      expect((await refusal(auth, { serviceName: 'wfxml', soapHeader: short, secure: true })).code).to.equal('failed');
      const altered = good.replace('2026-01-31T12:00:00.000Z', '2026-01-31T12:00:01.000Z');
      expect((await refusal(auth, { serviceName: 'wfxml', soapHeader: altered, secure: true })).code).to.equal('failed');
    });

    it('refuses a token without Password, Nonce or Created, or with a bad Nonce encoding, each naming what is wrong', async () => {
      const parts = (fields: string) => envelope(`<wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}"><wsse:UsernameToken><wsse:Username>clerk-system</wsse:Username>${fields}</wsse:UsernameToken></wsse:Security>`);
      const nonce = Buffer.alloc(16, 7);
      const digest = passwordDigest(nonce, '2026-01-31T12:00:00Z', CLERK_PASSWORD);
      const pw = `<wsse:Password Type="${PASSWORD_DIGEST_TYPE}">${digest}</wsse:Password>`;
      const n = `<wsse:Nonce>${nonce.toString('base64')}</wsse:Nonce>`;
      const c = '<wsu:Created>2026-01-31T12:00:00Z</wsu:Created>';
      const cases: Array<[string, RegExp]> = [
        [n + c, /has no wsse:Password/],
        [pw + c, /Nonce is missing/],
        [pw + n, /Created is missing/],
        [pw + n.replace('<wsse:Nonce>', '<wsse:Nonce EncodingType="http://example.org/#HexBinary">') + c, /Nonce EncodingType must be/],
        [pw + '<wsse:Nonce>***</wsse:Nonce>' + c, /Nonce must be Base64/],
        [pw + '<wsse:Nonce>AAA=</wsse:Nonce>' + c, /Nonce must be Base64 of 4 to 1024/],
        [pw + n + '<wsu:Created>31/01/2026 12:00</wsu:Created>', /Created must be an xsd:dateTime/],
      ];
      for (const [fields, message] of cases) {
        const e = await refusal(auth, { serviceName: 'wfxml', soapHeader: parts(fields), secure: true });
        expect(e.code, String(message)).to.equal('malformed');
        expect(e.message).to.match(message);
      }
      // and the complete token passes (the digest above is right), with the default EncodingType
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: parts(pw + n + c), secure: true })).username).to.equal('clerk-system');
    });

    it('refuses an unknown Password Type, and PasswordText (explicit or by default) unless allowed', async () => {
      const other = wss('clerk-system', CLERK_PASSWORD).replace(PASSWORD_DIGEST_TYPE, 'http://example.org/#PasswordSha256');
      const e1 = await refusal(auth, { serviceName: 'wfxml', soapHeader: other, secure: true });
      expect(e1.code).to.equal('unsupported');
      expect(e1.message).to.contain('is not supported').and.contain(PASSWORD_DIGEST_TYPE);
      const text = wss('clerk-system', CLERK_PASSWORD, { passwordType: 'PasswordText' });
      expect((await refusal(auth, { serviceName: 'wfxml', soapHeader: text, secure: true })).message).to.match(/PasswordText is not accepted/);
      const untyped = text.replace(` Type="${PASSWORD_TEXT_TYPE}"`, '');
      expect((await refusal(auth, { serviceName: 'wfxml', soapHeader: untyped, secure: true })).message).to.match(/a Password without Type is PasswordText/);
    });

    it('accepts PasswordText over TLS when allowed, still checking the password and the window', async () => {
      const lax = createAuthenticator(config({ allowPasswordText: true }), { clock: () => NOW });
      const text = wss('clerk-system', CLERK_PASSWORD, { passwordType: 'PasswordText' });
      expect((await refusal(lax, { serviceName: 'wfxml', soapHeader: text, secure: false })).code).to.equal('insecure-transport');
      expect((await lax.authenticate({ serviceName: 'wfxml', soapHeader: text, secure: true })).via).to.equal('wss');
      const wrong = wss('clerk-system', 'wrong-password-xyz', { passwordType: 'PasswordText' });
      expect((await refusal(lax, { serviceName: 'wfxml', soapHeader: wrong, secure: true })).message).to.equal('authentication failed');
      const old = wss('clerk-system', CLERK_PASSWORD, { passwordType: 'PasswordText', created: at(-301) });
      expect((await refusal(lax, { serviceName: 'wfxml', soapHeader: old, secure: true })).code).to.equal('expired');
    });
  });

  describe('freshness and clock skew', () => {
    it('accepts Created up to the 300 s window old, refuses older, saying to check the clock', async () => {
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD, { created: at(-300) }), secure: true })).username).to.equal('clerk-system');
      const e = await refusal(auth, { serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD, { created: at(-301) }), secure: true });
      expect(e.code).to.equal('expired');
      expect(e.message).to.equal('UsernameToken Created is outside the 300 s window; check the client clock');
      expect(e.wsseFault).to.equal('MessageExpired');
      expect(e.reason).to.match(/301 s old/);
    });

    it('accepts Created up to 60 s in the future, refuses beyond', async () => {
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD, { created: at(60) }), secure: true })).username).to.equal('clerk-system');
      const e = await refusal(auth, { serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD, { created: at(61) }), secure: true });
      expect(e.code).to.equal('expired');
      expect(e.message).to.contain('check the client clock');
      expect(e.reason).to.match(/61 s in the future/);
    });

    it('accepts Created with a time-zone offset, which names the same instant', async () => {
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD, { created: '2026-01-31T20:00:00+08:00' }), secure: true })).username).to.equal(
        'clerk-system',
      );
    });

    it('takes the window from the configuration (INTERFLOW_WSS_WINDOW) and the skew from clockSkewSeconds', async () => {
      const short = createAuthenticator(config({ clockSkewSeconds: 5 }, { wssWindowSeconds: 30 }), { clock: () => NOW });
      expect((await refusal(short, { serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD, { created: at(-31) }), secure: true })).message).to.contain('30 s window');
      expect((await refusal(short, { serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD, { created: at(6) }), secure: true })).code).to.equal('expired');
      expect((await short.authenticate({ serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD, { created: at(-30) }), secure: true })).username).to.equal('clerk-system');
    });

    it('uses input.now over the clock', async () => {
      const header = wss('clerk-system', CLERK_PASSWORD, { created: at(-1000) });
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: header, secure: true, now: at(-1000) })).username).to.equal('clerk-system');
    });
  });

  describe('replay', () => {
    const nonce = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

    it('refuses the same token again within the window', async () => {
      const header = wss('clerk-system', CLERK_PASSWORD, { nonce });
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: header, secure: true, now: at(1) })).username).to.equal('clerk-system');
      const e = await refusal(auth, { serviceName: 'wfxml', soapHeader: header, secure: true, now: at(200) });
      expect(e.code).to.equal('replay');
      expect(e.message).to.equal('UsernameToken nonce was already used (replay)');
    });

    it('refuses the same nonce with a new Created within the window, and a re-encoded nonce', async () => {
      (await auth.authenticate({ serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD, { nonce }), secure: true }));
      const again = wss('clerk-system', CLERK_PASSWORD, { nonce, created: at(10) });
      expect((await refusal(auth, { serviceName: 'wfxml', soapHeader: again, secure: true, now: at(10) })).code).to.equal('replay');
      // the same bytes with Base64 wrapped over two lines are the same nonce
      const wrapped = wss('clerk-system', CLERK_PASSWORD, { nonce, created: at(20) }).replace(nonce.toString('base64'), `${nonce.toString('base64').slice(0, 8)}\n ${nonce.toString('base64').slice(8)}`);
      expect((await refusal(auth, { serviceName: 'wfxml', soapHeader: wrapped, secure: true, now: at(20) })).code).to.equal('replay');
    });

    it('after the window: the old token is refused as too old, a new token with the same nonce is accepted', async () => {
      const header = wss('clerk-system', CLERK_PASSWORD, { nonce });
      (await auth.authenticate({ serviceName: 'wfxml', soapHeader: header, secure: true }));
      expect((await refusal(auth, { serviceName: 'wfxml', soapHeader: header, secure: true, now: at(301) })).code).to.equal('expired');
      const fresh = wss('clerk-system', CLERK_PASSWORD, { nonce, created: at(301) });
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: fresh, secure: true, now: at(301) })).username).to.equal('clerk-system');
    });

    it('keeps a nonce sent with a future Created until that token has aged out', async () => {
      const header = wss('clerk-system', CLERK_PASSWORD, { nonce, created: at(60) });
      (await auth.authenticate({ serviceName: 'wfxml', soapHeader: header, secure: true }));
      // at +350 s the token is 290 s old: still fresh, so it must still be a replay
      expect((await refusal(auth, { serviceName: 'wfxml', soapHeader: header, secure: true, now: at(350) })).code).to.equal('replay');
      expect((await refusal(auth, { serviceName: 'wfxml', soapHeader: header, secure: true, now: at(361) })).code).to.equal('expired');
    });

    it('does not remember nonces of tokens that failed, and keeps users apart', async () => {
      const bad = wss('clerk-system', 'wrong-password-xyz', { nonce });
      await refusal(auth, { serviceName: 'wfxml', soapHeader: bad, secure: true });
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD, { nonce }), secure: true })).username).to.equal('clerk-system');
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: wss('ops', ADMIN_PASSWORD, { nonce }), secure: true })).username).to.equal('ops');
    });

    it('is bounded: when full of live nonces it refuses new tokens (fail closed) and recovers once they expire', async () => {
      const cache = new ReplayCache({ maxEntries: 3 });
      const small = createAuthenticator(config(), { clock: () => NOW, replayCache: cache });
      for (let i = 0; i < 3; i++) (await small.authenticate({ serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD), secure: true }));
      const e = await refusal(small, { serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD), secure: true });
      expect(e.code).to.equal('unavailable');
      expect(e.isServerError).to.equal(true);
      expect(e.httpStatus).to.equal(503);
      expect(cache.size).to.equal(3);
      const later = wss('clerk-system', CLERK_PASSWORD, { created: at(301) });
      expect((await small.authenticate({ serviceName: 'wfxml', soapHeader: later, secure: true, now: at(301) })).username).to.equal('clerk-system');
      expect(cache.size).to.equal(1);
    });

    it('the default cache holds replayCacheSize nonces', async () => {
      const sized = createAuthenticator(config({ replayCacheSize: 1000 }), { clock: () => NOW });
      for (let i = 0; i < 1000; i++) (await sized.authenticate({ serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD), secure: true }));
      expect((await refusal(sized, { serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD), secure: true })).code).to.equal('unavailable');
    });

    it('ReplayCache: seen while live, full when full of live entries, reuse after expiry', async () => {
      const cache = new ReplayCache({ maxEntries: 2 });
      const d = (ms: number) => new Date(ms);
      expect(cache.remember('a', d(10), d(0))).to.equal('fresh');
      expect(cache.remember('a', d(10), d(5))).to.equal('seen');
      expect(cache.remember('b', d(20), d(5))).to.equal('fresh');
      expect(cache.remember('c', d(20), d(5))).to.equal('full');
      expect(cache.remember('a', d(30), d(10))).to.equal('fresh'); // expired entry is replaced
      expect(cache.remember('c', d(30), d(11))).to.equal('full');
      expect(cache.remember('c', d(30), d(20))).to.equal('fresh');
    });
  });

  describe('HTTP Basic', () => {
    it('accepts Basic over TLS', async () => {
      const caller = (await auth.authenticate({ serviceName: 'ProcessService', authorization: basic('ops', ADMIN_PASSWORD), secure: true }));
      expect(caller).to.deep.equal({ username: 'ops', via: 'basic', start: ['*'], participants: ['*'], admin: true });
    });

    it('refuses Basic over plain HTTP, without a challenge, saying to use HTTPS', async () => {
      const e = await refusal(auth, { serviceName: 'wfxml/observer', authorization: basic('ops', ADMIN_PASSWORD), secure: false });
      expect(e.code).to.equal('insecure-transport');
      expect(e.message).to.match(/only over HTTPS/);
      expect(e.challenge).to.equal(undefined);
    });

    it('allowInsecureBasic accepts Basic over plain HTTP and warns once, naming the user but not the password', async () => {
      const { calls, logger } = recordingLogger();
      const lax = createAuthenticator(config({ allowInsecureBasic: true }), { clock: () => NOW, logger });
      (await lax.authenticate({ serviceName: 'ProcessService', authorization: basic('ops', ADMIN_PASSWORD), secure: false }));
      (await lax.authenticate({ serviceName: 'ProcessService', authorization: basic('ops', ADMIN_PASSWORD), secure: false }));
      (await lax.authenticate({ serviceName: 'ProcessService', authorization: basic('clerk-system', CLERK_PASSWORD), secure: false }));
      (await lax.authenticate({ serviceName: 'ProcessService', authorization: basic('ops', ADMIN_PASSWORD), secure: true }));
      expect(calls).to.have.length(1);
      expect(calls[0]!.msg).to.match(/allowInsecureBasic/);
      expect(calls[0]!.obj).to.deep.equal({ serviceName: 'ProcessService', username: 'ops' });
      expect(JSON.stringify(calls)).not.to.contain(ADMIN_PASSWORD);
      // the application's pino logger fits the logger option as it is
      const real: SecurityLogger = pino({ level: 'silent' });
      (await createAuthenticator(config({ allowInsecureBasic: true }), { logger: real }).authenticate({ serviceName: 'ProcessService', authorization: basic('ops', ADMIN_PASSWORD), secure: false }));
    });

    it('challenges (401) when credentials are missing or wrong, without telling unknown user from wrong password', async () => {
      const missing = await refusal(auth, { serviceName: 'wfxml/observer', secure: true });
      expect(missing.code).to.equal('missing-credentials');
      expect(missing.message).to.equal('HTTP Basic credentials are required');
      expect(missing.challenge).to.equal('Basic realm="Interflow", charset="UTF-8"');
      expect(missing.httpStatus).to.equal(401);
      const unknown = await refusal(auth, { serviceName: 'wfxml/observer', authorization: basic('nobody', ADMIN_PASSWORD), secure: true });
      const wrong = await refusal(auth, { serviceName: 'wfxml/observer', authorization: basic('ops', 'wrong-password-xyz'), secure: true });
      for (const e of [unknown, wrong]) {
        expect(e.message).to.equal('authentication failed');
        expect(e.challenge).to.be.a('string');
      }
      expect(unknown.reason).to.match(/unknown user "nobody"/);
      expect(wrong.reason).to.match(/wrong password for user "ops"/);
    });

    it('refuses malformed Basic and other schemes with a message that says what is expected', async () => {
      for (const authorization of ['Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, `Basic ${Buffer.from([0xff, 0xfe, 0x3a]).toString('base64')}`]) {
        const e = await refusal(auth, { serviceName: 'wfxml/observer', authorization, secure: true });
        expect(e.code, authorization).to.be.oneOf(['malformed']);
        expect(e.message).to.match(/not valid HTTP Basic/);
      }
      const bearer = await refusal(auth, { serviceName: 'ProcessService', authorization: 'Bearer abc.def', secure: true });
      expect(bearer.code).to.equal('unsupported');
      expect(bearer.message).to.equal('the Authorization scheme "Bearer" is not supported; use HTTP Basic or a WS-Security UsernameToken');
    });

    it('accepts a scheme in any case, UTF-8 credentials and passwords containing ":"', async () => {
      const lax = createAuthenticator(config({ users: [{ username: 'zoë', password: 'pa:ss:wörd-12345', participants: ['clerk'] }] }), { clock: () => NOW });
      const header = `bAsIc ${Buffer.from('zoë:pa:ss:wörd-12345', 'utf8').toString('base64')}`;
      expect((await lax.authenticate({ serviceName: 'ProcessService', authorization: header, secure: true })).username).to.equal('zoë');
    });
  });

  describe('per-service modes', () => {
    it('mode none returns the anonymous caller whatever is sent', async () => {
      const dev = createAuthenticator(developmentSecurityConfig());
      const caller = (await dev.authenticate({ serviceName: 'ProcessService', secure: false, authorization: basic('x', 'y') }));
      expect(caller).to.deep.equal({ username: 'anonymous', via: 'anonymous', start: ['*'], participants: ['*'], admin: true });
      const open = createAuthenticator(config({ services: { ProcessService: 'none', '*': 'wss' } }));
      expect((await open.authenticate({ serviceName: 'ProcessService', secure: false }))).to.deep.include({ username: 'anonymous', admin: false, start: [] });
    });

    it('mode wss ignores an Authorization header; mode basic ignores a UsernameToken', async () => {
      const e1 = await refusal(auth, { serviceName: 'wfxml', authorization: basic('ops', ADMIN_PASSWORD), secure: true });
      expect(e1.code).to.equal('missing-credentials');
      const e2 = await refusal(auth, { serviceName: 'wfxml/observer', soapHeader: wss('ops', ADMIN_PASSWORD), secure: true });
      expect(e2.code).to.equal('missing-credentials');
      expect(e2.message).to.equal('HTTP Basic credentials are required');
    });

    it('mode wss-or-basic accepts either, and challenges for Basic only where Basic is usable', async () => {
      expect((await auth.authenticate({ serviceName: 'ProcessService', soapHeader: wss('clerk-system', CLERK_PASSWORD), secure: false })).via).to.equal('wss');
      expect((await auth.authenticate({ serviceName: 'ProcessService', authorization: basic('clerk-system', CLERK_PASSWORD), secure: true })).via).to.equal('basic');
      const overTls = await refusal(auth, { serviceName: 'ProcessService', secure: true });
      expect(overTls.message).to.equal('WS-Security UsernameToken or HTTP Basic credentials are required');
      expect(overTls.challenge).to.be.a('string');
      const plain = await refusal(auth, { serviceName: 'ProcessService', secure: false });
      expect(plain.message).to.match(/^WS-Security UsernameToken is missing.*HTTP Basic is accepted only over HTTPS/);
      expect(plain.challenge).to.equal(undefined);
    });

    it('with both credentials, both must verify and name the same user', async () => {
      const both = { serviceName: 'ProcessService', soapHeader: wss('clerk-system', CLERK_PASSWORD), authorization: basic('clerk-system', CLERK_PASSWORD), secure: true };
      expect((await auth.authenticate(both)).via).to.equal('wss');
      const mixed = { serviceName: 'ProcessService', soapHeader: wss('clerk-system', CLERK_PASSWORD), authorization: basic('ops', ADMIN_PASSWORD), secure: true };
      expect((await refusal(auth, mixed)).code).to.equal('conflict');
      const badBasic = { serviceName: 'ProcessService', soapHeader: wss('clerk-system', CLERK_PASSWORD), authorization: basic('clerk-system', 'nope-nope-nope'), secure: true };
      expect((await refusal(auth, badBasic)).code).to.equal('failed');
      // a non-Basic Authorization header beside a token is not ours to judge
      expect((await auth.authenticate({ ...both, soapHeader: wss('clerk-system', CLERK_PASSWORD), authorization: 'Bearer x' })).via).to.equal('wss');
    });

    it('looks a service up by exact name, then by /-prefix, then "*"', async () => {
      expect(auth.modeFor('ProcessService')).to.equal('wss-or-basic');
      expect(auth.modeFor('wfxml/factory')).to.equal('wss');
      expect(auth.modeFor('wfxml/observer')).to.equal('basic');
      expect(auth.modeFor('wfxml/observer/x')).to.equal('basic');
      expect(auth.modeFor('registry')).to.equal('wss');
      expect(createAuthenticator(config({ services: { ProcessService: 'wss' } })).modeFor('wfxml')).to.equal('wss-or-basic');
    });
  });

  describe('no secrets leave the module', () => {
    it('no error property or serialisation holds a password, digest, nonce or Authorization value', async () => {
      const nonce = Buffer.from('a1a2a3a4a5a6a7a8a9aaabacadaeafb0', 'hex');
      const header = wss('clerk-system', 'wrong-password-xyz', { nonce });
      const digest = /#PasswordDigest">([^<]+)</.exec(header)![1]!;
      const errors = [
        await refusal(auth, { serviceName: 'wfxml', soapHeader: header, secure: true }),
        await refusal(auth, { serviceName: 'wfxml', soapHeader: wss('clerk-system', CLERK_PASSWORD, { nonce, created: at(-999) }), secure: true }),
        await refusal(auth, { serviceName: 'ProcessService', authorization: basic('ops', 'wrong-password-xyz'), secure: true }),
        await refusal(auth, { serviceName: 'ProcessService', authorization: basic('ops', ADMIN_PASSWORD), secure: false }),
      ];
      for (const e of errors) {
        const everything = JSON.stringify({ ...e, message: e.message, stack: e.stack });
        for (const secret of ['wrong-password-xyz', CLERK_PASSWORD, ADMIN_PASSWORD, digest, nonce.toString('base64'), basic('ops', ADMIN_PASSWORD).slice(6)]) {
          expect(everything, e.code).not.to.contain(secret);
        }
      }
    });
  });

  it('refuses a production configuration with a service in mode none or insecure Basic, however it was built', async () => {
    const dev = developmentSecurityConfig();
    expect(() => createAuthenticator({ ...dev, production: true })).to.throw(SecurityConfigError, /"none"/);
    expect(() => createAuthenticator({ ...config({ allowInsecureBasic: true }), production: true })).to.throw(SecurityConfigError, /allowInsecureBasic/);
  });
});

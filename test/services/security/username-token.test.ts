import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import {
  AuthenticationError,
  PASSWORD_DIGEST_TYPE,
  SOAP_HEADER_PARSER_OPTIONS,
  WSSE_NS,
  WSU_NS,
  buildUsernameTokenHeader,
  createAuthenticator,
  extractUsernameToken,
  passwordDigest,
} from '../../../src/services/security';
import { parseCreated } from '../../../src/services/security/username-token';
import { CLERK_PASSWORD, NOW, config, envelope, thrown } from './support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const soap = require('soap') as { WSSecurity: new (u: string, p: string, o: object) => { toXML(): string } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const soapUtils = require('soap/lib/utils') as { passwordDigest(nonce: string, created: string, password: string): string };

const NONCE = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const CREATED = '2026-01-31T12:00:00Z';

describe('security: UsernameToken PasswordDigest', () => {
  describe('digest formula', () => {
    it('matches a vector computed independently (Python hashlib) from Base64(SHA-1(nonce + created + password))', async () => {
      // python3: base64.b64encode(hashlib.sha1(bytes(range(16)) + b'2026-01-31T12:00:00Z' + b'correct horse battery staple').digest())
      expect(NONCE.toString('base64')).to.equal('AAECAwQFBgcICQoLDA0ODw==');
      expect(passwordDigest(NONCE, CREATED, 'correct horse battery staple')).to.equal('dQ+SLVsBuji5E3EeKyJGVwzeIgo=');
      // non-ASCII passwords are hashed as UTF-8
      expect(passwordDigest(NONCE, CREATED, 'pässwörd-ünïcode')).to.equal('mQ8SsN3X387fpOi1G8b1OXvCt4U=');
    });

    it('matches the spec formula computed here and node-soap\'s own implementation', async () => {
      const password = 'another-password-42';
      const here = createHash('sha1').update(Buffer.concat([NONCE, Buffer.from(CREATED, 'utf8'), Buffer.from(password, 'utf8')])).digest('base64');
      expect(passwordDigest(NONCE, CREATED, password)).to.equal(here);
      expect(soapUtils.passwordDigest(NONCE.toString('base64'), CREATED, password)).to.equal(here);
    });
  });

  describe('buildUsernameTokenHeader', () => {
    it('builds a Security header whose digest, nonce and created are those given', async () => {
      const xml = buildUsernameTokenHeader('clerk-system', 'correct horse battery staple', { nonce: NONCE, created: CREATED });
      expect(xml).to.contain(`xmlns:wsse="${WSSE_NS}"`).and.contain(`xmlns:wsu="${WSU_NS}"`);
      expect(xml).to.contain(`<wsse:Password Type="${PASSWORD_DIGEST_TYPE}">dQ+SLVsBuji5E3EeKyJGVwzeIgo=</wsse:Password>`);
      const token = extractUsernameToken(xml)!;
      expect(token).to.deep.include({ username: 'clerk-system', passwordType: PASSWORD_DIGEST_TYPE, nonce: 'AAECAwQFBgcICQoLDA0ODw==', created: CREATED, namespacesChecked: true });
    });

    it('escapes the user name and defaults nonce and created', async () => {
      const xml = buildUsernameTokenHeader('a&b<c>', 'pw-pw-pw-pw-pw', { mustUnderstand: '1.1' });
      expect(xml).to.contain('<wsse:Username>a&amp;b&lt;c&gt;</wsse:Username>').and.contain('soapenv:mustUnderstand="1"');
      const token = extractUsernameToken(envelope(xml))!;
      expect(token.username).to.equal('a&b<c>');
      expect(Buffer.from(token.nonce!, 'base64')).to.have.length(16);
      expect(Math.abs(parseCreated(token.created!)! - Date.now())).to.be.below(5_000);
    });
  });

  describe('interop with node-soap\'s WSSecurity (a real client library)', () => {
    it('accepts a PasswordDigest token produced by new WSSecurity(..., { passwordType: "PasswordDigest", hasTimeStamp: false })', async () => {
      const auth = createAuthenticator(config());
      const header = new soap.WSSecurity('clerk-system', CLERK_PASSWORD, { passwordType: 'PasswordDigest', hasTimeStamp: false }).toXML();
      expect(header).to.contain('#PasswordDigest');
      const caller = (await auth.authenticate({ serviceName: 'wfxml', soapHeader: envelope(header), secure: false }));
      expect(caller).to.deep.include({ username: 'clerk-system', via: 'wss' });
    });

    it('accepts it as the bare Security element and as a header object parsed with SOAP_HEADER_PARSER_OPTIONS', async () => {
      const auth = createAuthenticator(config());
      const make = () => new soap.WSSecurity('clerk-system', CLERK_PASSWORD, { passwordType: 'PasswordDigest', hasTimeStamp: false }).toXML();
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: make(), secure: false })).username).to.equal('clerk-system');
      const parsed = new XMLParser(SOAP_HEADER_PARSER_OPTIONS).parse(envelope(make(), '1.2')) as { Envelope: { Header: unknown } };
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: parsed.Envelope.Header, secure: false })).username).to.equal('clerk-system');
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: new XMLParser(SOAP_HEADER_PARSER_OPTIONS).parse(envelope(make())), secure: false })).username).to.equal(
        'clerk-system',
      );
    });

    it('accepts node-soap\'s token with a timestamp and mustUnderstand too', async () => {
      const auth = createAuthenticator(config());
      const header = new soap.WSSecurity('clerk-system', CLERK_PASSWORD, { passwordType: 'PasswordDigest', hasTimeStamp: true, mustUnderstand: true }).toXML();
      expect((await auth.authenticate({ serviceName: 'wfxml', soapHeader: envelope(header), secure: false })).username).to.equal('clerk-system');
    });

    it('refuses node-soap\'s PasswordText token unless allowed, and then only over TLS', async () => {
      const header = () => new soap.WSSecurity('clerk-system', CLERK_PASSWORD, { passwordType: 'PasswordText', hasTimeStamp: false }).toXML();
      const strict = createAuthenticator(config());
      const e1 = await thrown<AuthenticationError>(() => strict.authenticate({ serviceName: 'wfxml', soapHeader: envelope(header()), secure: true }));
      expect(e1.code).to.equal('unsupported');
      expect(e1.message).to.contain('PasswordText is not accepted');
      const lax = createAuthenticator(config({ allowPasswordText: true }));
      const e2 = await thrown<AuthenticationError>(() => lax.authenticate({ serviceName: 'wfxml', soapHeader: envelope(header()), secure: false }));
      expect(e2.code).to.equal('insecure-transport');
      expect((await lax.authenticate({ serviceName: 'wfxml', soapHeader: envelope(header()), secure: true }))).to.deep.include({ username: 'clerk-system', via: 'wss' });
    });
  });

  describe('finding the token in a header', () => {
    const token = () => buildUsernameTokenHeader('clerk-system', CLERK_PASSWORD, { nonce: NONCE, created: CREATED });

    it('returns null when there is no header, no Security or no UsernameToken', async () => {
      expect(extractUsernameToken(undefined)).to.equal(null);
      expect(extractUsernameToken('')).to.equal(null);
      expect(extractUsernameToken(envelope(''))).to.equal(null);
      expect(extractUsernameToken(envelope(`<wsse:Security xmlns:wsse="${WSSE_NS}"><wsu:Timestamp xmlns:wsu="${WSU_NS}"/></wsse:Security>`))).to.equal(null);
      expect(extractUsernameToken({ Request: { ReceiverKey: 'x' } })).to.equal(null);
    });

    it('checks namespaces on raw XML: a Security element of another namespace is not WS-Security', async () => {
      const fake = token().replace(`xmlns:wsse="${WSSE_NS}"`, 'xmlns:wsse="urn:not-wss"');
      expect(extractUsernameToken(envelope(fake))).to.equal(null);
    });

    it('reports an undeclared prefix instead of guessing', async () => {
      const bare = token().replace(` xmlns:wsse="${WSSE_NS}"`, '');
      expect(() => extractUsernameToken(bare)).to.throw(/prefix "wsse" is not declared/);
    });

    it('ignores a Security header aimed at another SOAP actor, and takes one aimed at "next"', async () => {
      const other = token().replace('<wsse:Security ', '<wsse:Security soap:actor="urn:some-intermediary" ');
      expect(extractUsernameToken(envelope(other))).to.equal(null);
      const next = token().replace('<wsse:Security ', '<wsse:Security soap:actor="http://schemas.xmlsoap.org/soap/actor/next" ');
      expect(extractUsernameToken(envelope(next))!.username).to.equal('clerk-system');
    });

    it('refuses two UsernameTokens, a token without Username, DOCTYPE, and XML that is not well-formed', async () => {
      const two = `<wsse:Security xmlns:wsse="${WSSE_NS}"><wsse:UsernameToken><wsse:Username>a</wsse:Username></wsse:UsernameToken><wsse:UsernameToken><wsse:Username>b</wsse:Username></wsse:UsernameToken></wsse:Security>`;
      expect(() => extractUsernameToken(two)).to.throw(/more than one UsernameToken/);
      expect(() => extractUsernameToken(envelope(token() + token()))).to.throw(/more than one UsernameToken/);
      expect(() => extractUsernameToken(`<wsse:Security xmlns:wsse="${WSSE_NS}"><wsse:UsernameToken/></wsse:Security>`)).to.throw(/no wsse:Username/);
      expect(() => extractUsernameToken(`<!DOCTYPE x [<!ENTITY a "b">]>${token()}`)).to.throw(/DOCTYPE/);
      expect(() => extractUsernameToken('<wsse:Security xmlns:wsse="x"><unclosed></wsse:Security>')).to.throw(/not well-formed/);
    });

    it('decodes entities and keeps leading zeros (strings stay strings)', async () => {
      const xml = `<wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}"><wsse:UsernameToken><wsse:Username>a&amp;b&#38;007</wsse:Username><wsse:Password>0123</wsse:Password><wsse:Nonce>0123</wsse:Nonce><wsu:Created>${CREATED}</wsu:Created></wsse:UsernameToken></wsse:Security>`;
      const t = extractUsernameToken(xml)!;
      expect(t).to.deep.include({ username: 'a&b&007', password: '0123', nonce: '0123' });
      expect(t.passwordType).to.equal(undefined); // a Password without Type: PasswordText by the profile's default
    });

    it('refuses a header object parsed with parseTagValue: true (numbers lose leading zeros) as a wiring error', async () => {
      const parsed = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true }).parse(
        envelope(`<wsse:Security xmlns:wsse="${WSSE_NS}"><wsse:UsernameToken><wsse:Username>007</wsse:Username></wsse:UsernameToken></wsse:Security>`),
      );
      expect(() => extractUsernameToken(parsed)).to.throw(TypeError, /parseTagValue: false/);
    });

    it('understands a header object whose attributes are grouped or prefixed differently', async () => {
      const parsed = new XMLParser({ ...SOAP_HEADER_PARSER_OPTIONS, attributeNamePrefix: '$', attributesGroupName: '$attrs', textNodeName: '_' }).parse(envelope(token()));
      const t = extractUsernameToken(parsed, { attributeNamePrefix: '$', attributesGroupName: '$attrs', textNodeName: '_' })!;
      expect(t).to.deep.include({ username: 'clerk-system', passwordType: PASSWORD_DIGEST_TYPE, namespacesChecked: false });
    });
  });

  describe('Created syntax', () => {
    it('parses xsd:dateTime with Z, offsets and fractions; refuses the rest', async () => {
      expect(parseCreated('2026-01-31T12:00:00Z')).to.equal(NOW.getTime());
      expect(parseCreated('2026-01-31T12:00:00.000Z')).to.equal(NOW.getTime());
      expect(parseCreated('2026-01-31T12:00:00.123456789Z')).to.equal(NOW.getTime() + 123);
      expect(parseCreated('2026-01-31T14:00:00+02:00')).to.equal(NOW.getTime());
      expect(parseCreated('2026-01-31T07:00:00-05:00')).to.equal(NOW.getTime());
      for (const bad of ['2026-01-31T12:00:00', '2026-02-31T12:00:00Z', '2026-01-31 12:00:00Z', 'yesterday', '2026-13-01T00:00:00Z', '1769860800']) {
        expect(parseCreated(bad), bad).to.equal(undefined);
      }
    });
  });

  it('fails with AuthenticationError, not a crash, on a malformed header', async () => {
    const auth = createAuthenticator(config());
    const e = await thrown<AuthenticationError>(() => auth.authenticate({ serviceName: 'wfxml', soapHeader: '<a><b></a>', secure: true, now: NOW }));
    expect(e).to.be.instanceOf(AuthenticationError);
    expect(e.code).to.equal('malformed');
  });
});

import { expect } from 'chai';
import { ReplayCache, signEnvelope, verifyEnvelope } from '../../../src/transfer/signing';
import { createdOf, elementText, envelope, expectRefused, idOf, makeDepartments, permissiveCheck, resign, verifyIn, verifyOptions, WSU, type Departments } from './helpers';

const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const RSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512';

/** Every attack starts from a genuine message PLAN signed for ZONE; each asserts the refusal code. */
describe('transfer signing: attacks', () => {
  let d: Departments;
  let genuine: string;
  before(async () => {
    d = await makeDepartments();
  });
  beforeEach(() => {
    genuine = signEnvelope(envelope({ value: '100' }), d.plan);
  });
  after(() => d.cleanup());

  describe('tampering', () => {
    it('a changed Body value breaks the signature', async () => {
      await verifyIn(d, genuine);
      await expectRefused(verifyIn(d, genuine.replace('<tr:Value>100</tr:Value>', '<tr:Value>1000000</tr:Value>')), 'bad-signature');
    });

    it('a Sender changed to another participant makes the receiver use that participant’s certificate, which does not verify', async () => {
      const error = await expectRefused(verifyIn(d, genuine.replace('<tr:Sender>PLAN</tr:Sender>', '<tr:Sender>ZONE</tr:Sender>')), 'bad-signature');
      expect(error.sender).to.equal('ZONE');
    });

    it('a Sender changed to a department the registry does not know is an unknown sender', async () => {
      await expectRefused(verifyIn(d, genuine.replace('<tr:Sender>PLAN</tr:Sender>', '<tr:Sender>NOBODY</tr:Sender>')), 'unknown-sender');
    });

    it('a Timestamp pushed later breaks the signature', async () => {
      const expires = /<wsu:Expires>([^<]+)</.exec(genuine)![1];
      const later = new Date(Date.parse(expires) + 3_600_000).toISOString();
      await expectRefused(verifyIn(d, genuine.replace(`<wsu:Expires>${expires}`, `<wsu:Expires>${later}`)), 'bad-signature');
      const created = /<wsu:Created>([^<]+)</.exec(genuine)![1];
      await expectRefused(verifyIn(d, genuine.replace(`<wsu:Created>${created}`, `<wsu:Created>${new Date(Date.parse(created) + 1000).toISOString()}`)), 'bad-signature');
    });

    it('a removed Signature, or a removed Security header, leaves the message unsigned', async () => {
      await expectRefused(verifyIn(d, genuine.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '')), 'unsigned');
      await expectRefused(verifyIn(d, genuine.replace(/<wsse:Security[\s\S]*<\/wsse:Security>/, '')), 'unsigned');
      await expectRefused(verifyIn(d, envelope()), 'unsigned');
    });

    it('regression: a processing instruction in a signed value made xml-crypto throw a plain Error (a Server fault, not logged as a refusal); it is a malformed message', async () => {
      await expectRefused(verifyIn(d, genuine.replace('<tr:Value>100</tr:Value>', '<tr:Value>1<?x?>00</tr:Value>')), 'malformed');
    });

    it('a changed SignatureValue is a bad signature', async () => {
      const value = /<ds:SignatureValue>([^<]+)</.exec(genuine)![1];
      const flipped = (value[0] === 'A' ? 'B' : 'A') + value.slice(1);
      await expectRefused(verifyIn(d, genuine.replace(value, flipped)), 'bad-signature');
    });
  });

  describe('keys the receiver must not trust', () => {
    it('a message signed by a non-participant claiming to be PLAN fails against PLAN’s registry certificate', async () => {
      // EVIL's own certificate travels in the BinarySecurityToken, as signEnvelope puts it there.
      const forged = signEnvelope(envelope({ sender: 'PLAN', value: '999999' }), d.evil);
      expect(forged).to.include(d.evil.certificateDer.toString('base64'));
      await expectRefused(verifyIn(d, forged), 'bad-signature');
    });

    it('a non-participant signing in its own name is an unknown sender', async () => {
      await expectRefused(verifyIn(d, signEnvelope(envelope({ sender: 'EVIL' }), d.evil)), 'unknown-sender');
    });

    it('the attacker’s certificate as X509Data in KeyInfo (CVE-2024-32962) is ignored: the registry key decides', async () => {
      const forged = signEnvelope(envelope({ sender: 'PLAN', value: '999999' }), d.evil);
      const withX509Data = forged.replace(
        /<ds:KeyInfo>[\s\S]*<\/ds:KeyInfo>/,
        `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${d.evil.certificateDer.toString('base64')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`,
      );
      await expectRefused(verifyIn(d, withX509Data), 'bad-signature');
    });

    it('a genuine message whose token was swapped for another participant’s certificate still verifies only with PLAN’s key', async () => {
      const swapped = genuine.replace(d.plan.certificateDer.toString('base64'), d.zone.certificateDer.toString('base64'));
      const result = await verifyIn(d, swapped);
      expect(result.sender).to.equal('PLAN');
      expect(result.certificateFingerprint256).to.equal(d.plan.fingerprint256);
    });
  });

  describe('signature wrapping', () => {
    it('a second Body beside the signed one', async () => {
      const evilBody = '<soap:Body><tr:Deliver><tr:HandOver><tr:Value>999999</tr:Value></tr:HandOver></tr:Deliver></soap:Body>';
      await expectRefused(verifyIn(d, genuine.replace('</soap:Envelope>', `${evilBody}</soap:Envelope>`)), 'incomplete');
      await expectRefused(verifyIn(d, genuine.replace('<soap:Body ', `${evilBody}<soap:Body `)), 'incomplete');
    });

    it('the signed Body moved into a header, a new unsigned Body in its place', async () => {
      const signedBody = elementText(genuine, 'soap:Body');
      const evilBody = '<soap:Body><tr:Deliver><tr:HandOver><tr:Value>999999</tr:Value></tr:HandOver></tr:Deliver></soap:Body>';
      const wrapped = genuine.replace(signedBody, evilBody).replace('</soap:Header>', `<x:Wrapper xmlns:x="urn:evil">${signedBody}</x:Wrapper></soap:Header>`);
      await expectRefused(verifyIn(d, wrapped), 'incomplete');
    });

    it('the signed Body moved into a header, the new Body carrying a duplicate of its Id', async () => {
      const signedBody = elementText(genuine, 'soap:Body');
      const evilBody = signedBody.replace('<tr:Value>100</tr:Value>', '<tr:Value>999999</tr:Value>');
      const wrapped = genuine.replace(signedBody, evilBody).replace('</soap:Header>', `<x:Wrapper xmlns:x="urn:evil">${signedBody}</x:Wrapper></soap:Header>`);
      const error = await expectRefused(verifyIn(d, wrapped), 'incomplete');
      expect(error.message).to.match(/occurs 2 times/);
    });

    it('a duplicate of a signed id under another attribute name (ID, id) that xml-crypto would also resolve', async () => {
      const bodyId = idOf(genuine, 'Body');
      await expectRefused(verifyIn(d, genuine.replace('</soap:Header>', `<x:Decoy xmlns:x="urn:evil" ID="${bodyId}"/></soap:Header>`)), 'incomplete');
      const headerId = idOf(genuine, 'TransferHeader');
      await expectRefused(verifyIn(d, genuine.replace('<tr:Deliver>', `<tr:Deliver><x:Decoy xmlns:x="urn:evil" id="${headerId}"/>`)), 'incomplete');
    });

    it('the signed TransferHeader moved aside and a new one naming another receiver put in its place', async () => {
      const signedHeader = elementText(genuine, 'tr:TransferHeader');
      const evilHeader = '<tr:TransferHeader><tr:Sender>PLAN</tr:Sender><tr:Receiver>EVIL</tr:Receiver></tr:TransferHeader>';
      const wrapped = genuine.replace(signedHeader, `${evilHeader}<x:Wrapper xmlns:x="urn:evil">${signedHeader}</x:Wrapper>`);
      await expectRefused(verifyIn(d, wrapped), 'incomplete');
      await expectRefused(verifyIn(d, genuine.replace(signedHeader, `${signedHeader}${evilHeader}`)), 'incomplete');
    });

    it('a second Timestamp, or a Timestamp outside the Security header', async () => {
      const timestamp = elementText(genuine, 'wsu:Timestamp');
      await expectRefused(verifyIn(d, genuine.replace(timestamp, `${timestamp}<wsu:Timestamp><wsu:Created>2020-01-01T00:00:00Z</wsu:Created></wsu:Timestamp>`)), 'incomplete');
      // Moved: the signer writes it declaring its own namespace, so it is still the very element the digest covers.
      expect(timestamp).to.match(new RegExp(`^<wsu:Timestamp xmlns:wsu="${WSU}" `));
      await expectRefused(verifyIn(d, genuine.replace(timestamp, '').replace('</soap:Header>', `${timestamp}</soap:Header>`)), 'incomplete');
    });

    it('a genuine signature that covers only part of the message', async () => {
      // PLAN's own key and a valid signature, but without the Body: anyone could change the Body.
      const partial = resign(genuine, d.plan, { parts: ['Timestamp', 'TransferHeader'] });
      expect(permissiveCheck(partial, d.plan)).to.equal(true);
      await expectRefused(verifyIn(d, partial), 'incomplete');
      const noTimestamp = resign(genuine, d.plan, { parts: ['Body', 'TransferHeader'] });
      await expectRefused(verifyIn(d, noTimestamp), 'incomplete');
      const bodyTwice = resign(genuine, d.plan, { parts: ['Body', 'Body', 'Timestamp', 'TransferHeader'] });
      await expectRefused(verifyIn(d, bodyTwice), 'incomplete');
    });

    it('a second Signature, or the Signature moved out of the Security header', async () => {
      const signature = elementText(genuine, 'ds:Signature');
      await expectRefused(verifyIn(d, genuine.replace('</soap:Header>', `<x:Extra xmlns:x="urn:evil">${signature}</x:Extra></soap:Header>`)), 'malformed');
      await expectRefused(verifyIn(d, genuine.replace(signature, '').replace('</soap:Header>', `${signature}</soap:Header>`)), 'unsigned');
    });
  });

  describe('freshness and replay', () => {
    it('an expired message is refused, also when the sender set a far Expires', async () => {
      const created = createdOf(genuine);
      await verifyIn(d, genuine, { now: new Date(created.getTime() + 359_000) });
      await expectRefused(verifyIn(d, genuine, { now: new Date(created.getTime() + 361_000) }), 'expired');
      const longLived = signEnvelope(envelope(), d.plan, { now: created, ttlSeconds: 86_400 });
      await expectRefused(verifyIn(d, longLived, { now: new Date(created.getTime() + 3_600_000) }), 'expired');
    });

    it('a Created in the future beyond the skew is not yet valid; within the skew it is accepted', async () => {
      const now = new Date('2026-03-01T10:00:00Z');
      const ahead = signEnvelope(envelope(), d.plan, { now: new Date(now.getTime() + 120_000) });
      await expectRefused(verifyIn(d, ahead, { now }), 'not-yet-valid');
      const slightlyAhead = signEnvelope(envelope(), d.plan, { now: new Date(now.getTime() + 30_000) });
      await verifyIn(d, slightlyAhead, { now });
    });

    it('the same message twice within the window is a replay; the same payload signed again later is accepted', async () => {
      const options = verifyOptions(d, { replayCache: new ReplayCache() });
      const created = createdOf(genuine);
      await verifyEnvelope(genuine, { ...options, now: created });
      await expectRefused(verifyEnvelope(genuine, { ...options, now: new Date(created.getTime() + 10_000) }), 'replay');
      // Base64 may be written with line breaks: still the same signature.
      const rewrapped = genuine.replace(/<ds:SignatureValue>([^<]+)</, (_m, v: string) => `<ds:SignatureValue>${v.replace(/(.{64})/g, '$1\n')}<`);
      await expectRefused(verifyEnvelope(rewrapped, { ...options, now: new Date(created.getTime() + 10_000) }), 'replay');
      const again = signEnvelope(envelope({ value: '100' }), d.plan, { now: new Date(created.getTime() + 20_000) });
      await verifyEnvelope(again, { ...options, now: new Date(created.getTime() + 21_000) });
      // Re-signed at the very same instant, random ids still make it a different signature.
      const sameInstant = signEnvelope(envelope({ value: '100' }), d.plan, { now: created });
      await verifyEnvelope(sameInstant, { ...options, now: created });
    });

    it('a refused message takes no place in the replay cache', async () => {
      const cache = new ReplayCache();
      await expectRefused(verifyIn(d, genuine.replace('<tr:Value>100</tr:Value>', '<tr:Value>1</tr:Value>'), { replayCache: cache }), 'bad-signature');
      await expectRefused(verifyIn(d, genuine, { replayCache: cache, now: new Date(createdOf(genuine).getTime() + 3_600_000) }), 'expired');
      expect(cache.size).to.equal(0);
    });
  });

  describe('misdirection', () => {
    it('a message signed for ZONE, replayed to another department, is refused there when it passes its own code', async () => {
      await verifyIn(d, genuine, { receiver: 'ZONE' });
      const cache = new ReplayCache();
      await expectRefused(verifyIn(d, genuine, { receiver: 'OTHER', replayCache: cache }), 'wrong-receiver');
      expect(cache.size).to.equal(0);
      await expectRefused(verifyIn(d, genuine.replace('<tr:Receiver>ZONE</tr:Receiver>', '<tr:Receiver>OTHER</tr:Receiver>'), { receiver: 'OTHER' }), 'bad-signature');
    });
  });

  describe('algorithm downgrade', () => {
    // Each of these is a genuine signature by PLAN's real key that a permissive verifier accepts.
    it('RSA-SHA1 signature', async () => {
      const weak = resign(genuine, d.plan, { signature: RSA_SHA1 });
      expect(permissiveCheck(weak, d.plan)).to.equal(true);
      await expectRefused(verifyIn(d, weak), 'bad-signature');
    });

    it('SHA-1 digests', async () => {
      const weak = resign(genuine, d.plan, { digest: SHA1 });
      expect(permissiveCheck(weak, d.plan)).to.equal(true);
      await expectRefused(verifyIn(d, weak), 'bad-signature');
    });

    it('RSA-SHA1 with SHA-1 digests', async () => {
      const weak = resign(genuine, d.plan, { signature: RSA_SHA1, digest: SHA1 });
      expect(permissiveCheck(weak, d.plan)).to.equal(true);
      await expectRefused(verifyIn(d, weak), 'bad-signature');
    });

    it('inclusive c14n instead of exclusive, and an algorithm we did not choose even if stronger', async () => {
      const inclusive = resign(genuine, d.plan, { c14n: C14N, transform: C14N });
      expect(permissiveCheck(inclusive, d.plan)).to.equal(true);
      await expectRefused(verifyIn(d, inclusive), 'bad-signature');
      const sha512 = resign(genuine, d.plan, { signature: RSA_SHA512 });
      expect(permissiveCheck(sha512, d.plan)).to.equal(true);
      await expectRefused(verifyIn(d, sha512), 'bad-signature');
    });

    it('an HMAC signature method (key confusion) and a Reference without transforms', async () => {
      const hmac = genuine.replace('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2000/09/xmldsig#hmac-sha1');
      await expectRefused(verifyIn(d, hmac), 'bad-signature');
      const noTransforms = genuine.replace(/<ds:Transforms>[\s\S]*?<\/ds:Transforms>/, '');
      await expectRefused(verifyIn(d, noTransforms), 'bad-signature');
    });
  });
});

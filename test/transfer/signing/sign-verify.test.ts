import { expect } from 'chai';
import { ReplayCache, SignatureError, signEnvelope, verifyEnvelope } from '../../../src/transfer/signing';
import { descendants, parseStrict, type XElement } from '../../../src/transfer/signing/dom';
import { parseElement } from '../../../src/services/soap';
import { readDeliver } from '../../../src/transfer';
import { envelope, expectRefused, makeDepartments, SOAP12, verifyIn, verifyOptions, WSU, type Departments } from './helpers';

const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

describe('transfer signing: sign and verify', () => {
  let d: Departments;
  before(async () => {
    d = await makeDepartments();
  });
  after(() => d.cleanup());

  it('round trip: the receiver gets the sender from the registry certificate and the data from the signed references', async () => {
    const signed = signEnvelope(envelope({ items: 2 }), d.plan);
    const result = await verifyIn(d, signed);
    expect(result.sender).to.equal('PLAN');
    expect(result.certificateFingerprint256).to.equal(d.plan.fingerprint256);
    expect(result.signedBody).to.match(/^<soap:Body /);
    expect(result.signedBody).to.include('<tr:CaseId>case-1</tr:CaseId>').and.include('Chen Wei &amp; Sons');
    expect(result.signedHeader).to.match(/^<tr:TransferHeader /);
    expect(result.signedHeader).to.include('<tr:Receiver>ZONE</tr:Receiver>');
    expect(result.timestamp.expires.getTime() - result.timestamp.created.getTime()).to.equal(300_000);
    expect(Buffer.from(result.signatureValue, 'base64')).to.have.length(256);
  });

  it('keeps U+0085 and U+2028 in text, CDATA and attribute values: written as references, digested and handed on as themselves (a reader of XML 1.1 line ends, as xmldom is, would see line feeds)', async () => {
    const value = 'NEL\u0085LS\u2028end';
    const unsigned = envelope({ value: `${value} <![CDATA[${value}]]>` }).replace('<tr:Deliver>', `<tr:Deliver note="${value}">`);
    const signed = signEnvelope(unsigned, d.plan);
    expect(signed).not.to.match(/[\u0085\u2028]/);
    const result = await verifyIn(d, signed);
    const deliver = parseElement(result.signedBody).node.Deliver as Record<string, unknown>;
    expect((deliver['@'] as Record<string, string>).note).to.equal(value);
    const [item] = readDeliver(result.signedBody);
    expect(item.kind === 'hand-over' && item.data.amount).to.equal(`${value} ${value}`);
  });

  it('writes the WS-Security header with explicit algorithms, three references and a token reference as KeyInfo', () => {
    const now = new Date('2026-03-01T10:00:00.000Z');
    const signed = signEnvelope(envelope(), d.plan, { now, ttlSeconds: 120 });
    const doc = parseStrict(signed);
    if (typeof doc === 'string') throw new Error(doc);
    const all = descendants(doc.documentElement!);
    const find = (ns: string, name: string): XElement[] => all.filter((e) => e.namespaceURI === ns && e.localName === name);
    const attr = (e: XElement, name: string, ns: string | null = null): string | undefined => (ns ? e.getAttributeNodeNS(ns, name) : e.getAttributeNode(name))?.value;
    const [security] = find(WSSE, 'Security');
    expect(attr(security, 'mustUnderstand', 'http://schemas.xmlsoap.org/soap/envelope/')).to.equal('1');
    expect((security.parentNode as XElement).localName).to.equal('Header');
    const children = all.filter((e) => e.parentNode === security);
    expect(children.map((c) => c.localName)).to.deep.equal(['Timestamp', 'BinarySecurityToken', 'Signature']);
    expect(find(WSU, 'Created')[0].textContent).to.equal('2026-03-01T10:00:00.000Z');
    expect(find(WSU, 'Expires')[0].textContent).to.equal('2026-03-01T10:02:00.000Z');
    const token = children[1];
    expect(attr(token, 'ValueType')).to.match(/#X509v3$/);
    expect(Buffer.from(token.textContent!, 'base64').equals(d.plan.certificateDer)).to.equal(true);
    expect(attr(find(DS, 'CanonicalizationMethod')[0], 'Algorithm')).to.equal('http://www.w3.org/2001/10/xml-exc-c14n#');
    expect(attr(find(DS, 'SignatureMethod')[0], 'Algorithm')).to.equal('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    for (const transform of find(DS, 'Transform')) expect(attr(transform, 'Algorithm')).to.equal('http://www.w3.org/2001/10/xml-exc-c14n#');
    for (const method of find(DS, 'DigestMethod')) expect(attr(method, 'Algorithm')).to.equal('http://www.w3.org/2001/04/xmlenc#sha256');
    const uris = find(DS, 'Reference').map((r) => attr(r, 'URI'));
    const ids = ['Body', 'Timestamp', 'TransferHeader'].map((name) => '#' + attr(all.find((e) => e.localName === name)!, 'Id', WSU));
    expect(uris.sort()).to.deep.equal(ids.sort());
    const [tokenRef] = find(WSSE, 'SecurityTokenReference');
    expect((tokenRef.parentNode as XElement).localName).to.equal('KeyInfo');
    expect(attr(find(WSSE, 'Reference')[0], 'URI')).to.equal('#' + attr(token, 'Id', WSU));
  });

  it('signs and verifies SOAP 1.2 envelopes too', async () => {
    const signed = signEnvelope(envelope({ soap: SOAP12 }), d.plan);
    expect(signed).to.include(`soap:mustUnderstand="1"`);
    const result = await verifyIn(d, signed);
    expect(result.signedBody).to.include(`xmlns:soap="${SOAP12}"`);
  });

  it('fills a Security header that is already there, and signs an envelope with a default-namespace Envelope', async () => {
    const withSecurity = envelope().replace('<soap:Header>', `<soap:Header><wsse:Security xmlns:wsse="${WSSE}"></wsse:Security>`);
    const signed = signEnvelope(withSecurity, d.plan);
    expect(signed.match(/<wsse:Security\b/g)).to.have.length(1);
    expect((await verifyIn(d, signed)).sender).to.equal('PLAN');

    const unprefixed = `<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Header><TransferHeader xmlns="urn:interflow:transfer:1"><Sender>PLAN</Sender></TransferHeader></Header><Body><Deliver xmlns="urn:interflow:transfer:1"/></Body></Envelope>`;
    expect((await verifyIn(d, signEnvelope(unprefixed, d.plan))).sender).to.equal('PLAN');
  });

  it('refuses to sign without a TransferHeader, twice, or with a non-positive lifetime', () => {
    const bare = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x/></soap:Body></soap:Envelope>`;
    expect(() => signEnvelope(bare, d.plan)).to.throw(/TransferHeader|Header/);
    const noHeader = envelope().replace(/<tr:TransferHeader>[\s\S]*<\/tr:TransferHeader>/, '');
    expect(() => signEnvelope(noHeader, d.plan)).to.throw(/TransferHeader/);
    const signed = signEnvelope(envelope(), d.plan);
    expect(() => signEnvelope(signed, d.plan)).to.throw(/already signed/);
    expect(() => signEnvelope(envelope(), d.plan, { ttlSeconds: 0 })).to.throw(/ttlSeconds/);
    expect(() => signEnvelope('<not xml', d.plan)).to.throw(/not well-formed/);
  });

  it('reads the sender with a custom senderOf, on the envelope and again on the signed header', async () => {
    const seen: string[] = [];
    const signed = signEnvelope(envelope(), d.plan);
    const result = await verifyEnvelope(signed, verifyOptions(d, { senderOf: (xml) => (seen.push(xml), /<tr:Sender>([^<]*)</.exec(xml)![1]) }));
    expect(result.sender).to.equal('PLAN');
    expect(seen).to.have.length(2);
    expect(seen[1]).to.equal(result.signedHeader);
  });

  it('hands out only canonical signed content: a comment spliced into a value is not part of what the caller reads', async () => {
    // Exclusive c14n drops comments, so the signature still holds; a reader of the raw message
    // that stops at the comment would see "1" instead of "100" (the SAML comment-injection bug).
    const signed = signEnvelope(envelope({ value: '100' }), d.plan);
    const spliced = signed.replace('<tr:Value>100</tr:Value>', '<tr:Value>1<!-- -->00</tr:Value>');
    const result = await verifyIn(d, spliced);
    expect(result.signedBody).to.include('<tr:Value>100</tr:Value>');
    expect(result.signedBody).to.not.include('<!--');
  });

  it('accepts a message signed with either certificate during a key rollover', async () => {
    d.trustStore.set('PLAN', [d.zone.certificatePem, d.plan.certificatePem]);
    try {
      const result = await verifyIn(d, signEnvelope(envelope(), d.plan));
      expect(result.certificateFingerprint256).to.equal(d.plan.fingerprint256);
    } finally {
      d.trustStore.set('PLAN', d.plan.certificatePem);
    }
  });

  it('passes a trust store failure on as it is: the sender should retry, not be told it is unknown', async () => {
    const signed = signEnvelope(envelope(), d.plan);
    const failure = new Error('registry unreachable');
    try {
      await verifyEnvelope(signed, verifyOptions(d, { certificateFor: () => Promise.reject(failure) }));
      expect.fail('accepted');
    } catch (e) {
      expect(e).to.equal(failure);
      expect(e).to.not.be.instanceOf(SignatureError);
    }
  });

  it('refuses what is not a signed SOAP envelope as malformed', async () => {
    await expectRefused(verifyIn(d, '<not xml'), 'malformed');
    await expectRefused(verifyIn(d, '<a/>'), 'malformed');
    const signed = signEnvelope(envelope(), d.plan);
    await expectRefused(verifyIn(d, `<!DOCTYPE x [<!ENTITY e "PLAN">]>${signed.replace(/^<\?xml[^>]*>/, '')}`), 'malformed');
    await expectRefused(verifyIn(d, signed + '<extra/>'), 'malformed');
  });
});

describe('transfer signing: ReplayCache', () => {
  const t0 = new Date('2026-03-01T10:00:00Z');
  const at = (s: number): Date => new Date(t0.getTime() + s * 1000);

  it('remembers a key until its time, then forgets it', () => {
    const cache = new ReplayCache();
    expect(cache.remember('a', at(10), t0)).to.equal('fresh');
    expect(cache.remember('a', at(10), at(5))).to.equal('seen');
    expect(cache.remember('a', at(20), at(11))).to.equal('fresh');
  });

  it('is bounded: expired entries are reclaimed, and when full of live ones it refuses instead of forgetting', () => {
    const cache = new ReplayCache({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) expect(cache.remember(k, at(10), t0)).to.equal('fresh');
    expect(cache.remember('d', at(10), at(1))).to.equal('full');
    expect(cache.remember('a', at(10), at(1)), 'a refused newcomer did not evict a live entry').to.equal('seen');
    expect(cache.remember('d', at(30), at(11))).to.equal('fresh');
    expect(cache.size).to.be.at.most(3);
    for (let i = 0; i < 1000; i++) cache.remember(`k${i}`, at(20 + i), at(11 + i));
    expect(cache.size).to.be.at.most(3);
  });
});

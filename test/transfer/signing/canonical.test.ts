import { expect } from 'chai';
import { SignatureError, signCanonical, signEnvelope, type CanonicalContent } from '../../../src/transfer/signing';
import { childElements, parseStrict, type XElement } from '../../../src/transfer/signing/dom';
import { canonical, envelopeParts } from '../../../src/transfer/signing/envelope';
import { lineEndsAsReferences } from '../../../src/transfer/signing/sign';
import { deliverContent, deliverEnvelope, readTransferHeader } from '../../../src/transfer/transfer-items';
import { deliverMessage, generatedMessage as message, makeDepartments, permissiveCheck, refusal, verifyIn, type Departments } from './helpers';

/**
 * The sender writes the signed parts of a transfer message as their exclusive-c14n text and
 * digests that text without parsing it (signCanonical). That is only sound if the text it writes
 * IS the canonical form a receiver computes from the parsed message: these tests compare the two
 * for many generated messages, with xml-crypto's canonicaliser (the one verifyEnvelope uses) as
 * the reference.
 */

/** The element's text from its start tag to its end tag, exactly as written. */
function written(xml: string, name: string): string {
  const startTag = new RegExp(`<${name}[ >]`, 'g');
  const start = startTag.exec(xml)?.index ?? -1;
  const endTag = `</${name}>`;
  const end = xml.indexOf(endTag, start);
  expect(start, `no <${name}> in the message`).to.be.at.least(0);
  expect(startTag.exec(xml), `a second <${name}>`).to.equal(null);
  return xml.slice(start, end + endTag.length);
}

/**
 * Each signed part of a message as written and as xml-crypto canonicalises it after parsing. The
 * canonical form is given with U+0085 and U+2028 as character references, as the signers write
 * them (xmldom would read them raw as line feeds): otherwise it is the text as written.
 */
function signedParts(signed: string): Array<{ name: string; written: string; canonical: string }> {
  const doc = parseStrict(signed);
  if (typeof doc === 'string') throw new Error(`the signed message does not parse: ${doc}`);
  const parts = envelopeParts(doc);
  if (typeof parts === 'string') throw new Error(parts);
  const [timestamp, , signature] = childElements(parts.securities[0]);
  const signedInfo = childElements(signature)[0];
  const pairs: Array<[string, XElement]> = [['soap:Body', parts.bodies[0]], ['tr:TransferHeader', parts.transferHeaders[0]], ['wsu:Timestamp', timestamp], ['ds:SignedInfo', signedInfo]];
  return pairs.map(([name, element]) => ({ name, written: written(signed, name), canonical: lineEndsAsReferences(canonical(element)) }));
}

const withoutIds = (xml: string) => xml.replace(/wsu:Id="[^"]*"/g, 'wsu:Id=""');

describe('transfer signing: the sender writes canonical text (signCanonical)', () => {
  let d: Departments;
  before(async () => {
    d = await makeDepartments();
  });
  after(() => d.cleanup());

  it('for 300 generated messages, every signed part as written is its exclusive c14n, and the Body and header are those signEnvelope signs', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { header, items } = message(seed);
      const signed = signCanonical(deliverContent(header, items), d.plan);
      for (const part of signedParts(signed)) expect(part.written, `seed ${seed}, ${part.name}`).to.equal(part.canonical);
      // The other signer parses the same message unsigned and canonicalises it: the same bytes but for the random ids.
      const old = signedParts(signEnvelope(deliverEnvelope(header, items), d.plan));
      const now = signedParts(signed);
      for (const name of ['soap:Body', 'tr:TransferHeader']) {
        expect(withoutIds(now.find((p) => p.name === name)!.written), `seed ${seed}, ${name} against signEnvelope`).to.equal(withoutIds(old.find((p) => p.name === name)!.canonical));
      }
      // signEnvelope writes the Timestamp and SignedInfo with the same code, signed as written too.
      for (const part of old.filter((p) => p.name === 'wsu:Timestamp' || p.name === 'ds:SignedInfo')) expect(part.written, `seed ${seed}, signEnvelope's ${part.name}`).to.equal(part.canonical);
    }
  });

  it('the generated messages cover what c14n treats specially (so the comparison above means something)', () => {
    const all = Array.from({ length: 300 }, (_, i) => signCanonical(deliverContent(message(i + 1).header, message(i + 1).items), d.plan)).join('');
    for (const needle of ['&amp;', '&lt;', '&gt;', '"', "'", '&#xD;', '&#x85;', '&#x2028;', '\n', '\t', 'é', '😀', '\uFFFD', '<tr:HandOver>', '<tr:Result>', '<tr:Publish>', '<tr:Reason>', '<tr:ContentHash>', '<tr:Value></tr:Value>', '<tr:Value xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"></tr:Value>', '<tr:Array></tr:Array>', '<tr:Array><tr:Value>', '<tr:Json>{"text":', '<tr:Deliver xmlns:tr="urn:interflow:transfer:1"></tr:Deliver>']) {
      expect(all, JSON.stringify(needle)).to.include(needle);
    }
  });

  it('verifyEnvelope and xml-crypto’s own verifier accept them, and the receiver reads back what was sent', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const { header, items } = message(seed);
      const signed = signCanonical(deliverContent(header, items), d.plan);
      const verified = await verifyIn(d, signed, { receiver: 'ZONE' });
      expect(verified.sender).to.equal('PLAN');
      // What the receiver digested and hands on is byte for byte what the sender wrote (U+0085
      // and U+2028 written as references, handed on as themselves).
      expect(lineEndsAsReferences(verified.signedBody)).to.equal(written(signed, 'soap:Body'));
      expect(lineEndsAsReferences(verified.signedHeader)).to.equal(written(signed, 'tr:TransferHeader'));
      expect(readTransferHeader(verified.signedHeader).messageId.startsWith(`m-${seed}-`)).to.equal(true);
      expect(permissiveCheck(signed, d.plan), `seed ${seed}`).to.equal(true);
    }
  });

  it('refuses the message when any letter or digit of a signed part’s text is changed: body, header or timestamp', async () => {
    const { content } = deliverMessage({ items: 2 });
    const signed = signCanonical(content, d.plan);
    const positions: Array<{ part: string; at: number }> = [];
    for (const part of ['soap:Body', 'tr:TransferHeader', 'wsu:Timestamp']) {
      const start = signed.indexOf(written(signed, part));
      const end = start + written(signed, part).length;
      let inText = false;
      let inReference = false;
      for (let at = start; at < end; at++) {
        const c = signed[at];
        if (c === '>') inText = true;
        else if (c === '<') inText = false;
        else if (c === '&') inReference = true;
        else if (c === ';') inReference = false;
        else if (inText && !inReference && /[A-Za-z0-9]/.test(c)) positions.push({ part, at });
      }
    }
    expect(positions.filter((p) => p.part === 'wsu:Timestamp').length).to.be.above(30);
    for (const { part, at } of positions) {
      const altered = signed.slice(0, at) + (signed[at] === '1' ? '2' : signed[at] === 'x' ? 'y' : /[0-9]/.test(signed[at]) ? '1' : 'x') + signed.slice(at + 1);
      const error = await refusal(verifyIn(d, altered));
      // A changed Sender names a department the trust store does not know; anything else fails its digest.
      expect(['bad-signature', 'unknown-sender'], `${part} at ${at}: ${error.message}`).to.include(error.code);
    }
    expect(positions.length).to.be.above(200);
    expect((await verifyIn(d, signed)).sender).to.equal('PLAN');
  });

  it('the namespace declarations it repeats on the signed parts are only c14n’s: dropping them where the envelope declares the prefix still verifies', async () => {
    const signed = signCanonical(deliverMessage().content, d.plan);
    const trimmed = signed
      .replace('<soap:Body xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ', '<soap:Body ')
      .replace('<tr:Deliver xmlns:tr="urn:interflow:transfer:1">', '<tr:Deliver>')
      .replace('<tr:TransferHeader xmlns:tr="urn:interflow:transfer:1" ', '<tr:TransferHeader ')
      .replace(/<wsu:Timestamp xmlns:wsu="[^"]*" /, '<wsu:Timestamp ');
    expect(trimmed.length).to.be.below(signed.length - 150);
    expect((await verifyIn(d, trimmed)).sender).to.equal('PLAN');
  });

  it('content that is not canonical is caught by the comparison and refused by the receiver (why the content must be c14n)', async () => {
    const { content } = deliverMessage();
    const notCanonical: CanonicalContent[] = [
      { ...content, body: content.body.replace('Chen Wei &amp; Sons', 'Chen Wei &#38; Sons') },
      { ...content, body: content.body.replace('<tr:Deliver xmlns:tr="urn:interflow:transfer:1">', '<tr:Deliver xmlns:tr="urn:interflow:transfer:1" >') },
      { ...content, body: `${content.body}<tr:Empty xmlns:tr="urn:interflow:transfer:1"/>` },
      { ...content, transferHeader: content.transferHeader.replace('<tr:Sender>', '<tr:Sender xmlns:tr="urn:interflow:transfer:1">') },
    ];
    for (const bad of notCanonical) {
      const signed = signCanonical(bad, d.plan);
      expect(signedParts(signed).some((p) => p.written !== p.canonical)).to.equal(true);
      const error = await refusal(verifyIn(d, signed));
      expect(error).to.be.instanceOf(SignatureError);
      expect(error.code).to.equal('bad-signature');
    }
  });

  it('writes what signEnvelope writes: one Security header first in the Header, Timestamp, token, Signature, the same ids and KeyInfo', () => {
    const now = new Date('2026-03-01T10:00:00.000Z');
    const shape = (xml: string) =>
      withoutIds(xml)
        .replace(/URI="#[^"]*"/g, 'URI="#"')
        .replace(/<ds:(DigestValue|SignatureValue)>[^<]*</g, '<ds:$1><')
        .replace(/ xmlns:\w+="[^"]*"/g, '')
        .replace(/<(ds:\w+)( [^>]*)?\/>/g, '<$1$2></$1>');
    const m = deliverMessage({ items: 2 });
    const mine = signCanonical(m.content, d.plan, { now, ttlSeconds: 120 });
    expect(shape(mine)).to.equal(shape(signEnvelope(m.envelope, d.plan, { now, ttlSeconds: 120 })));
    for (const [label, name] of [['TS', 'wsu:Timestamp'], ['X509', 'wsse:BinarySecurityToken'], ['TH', 'tr:TransferHeader'], ['Body', 'soap:Body']]) {
      expect(mine).to.match(new RegExp(`<${name} [^>]*wsu:Id="${label}-[0-9a-f-]{36}"`));
    }
    expect(mine).to.include('<wsu:Expires>2026-03-01T10:02:00.000Z</wsu:Expires>');
    expect(() => signCanonical(m.content, d.plan, { ttlSeconds: 0 })).to.throw(/ttlSeconds/);
  });
});

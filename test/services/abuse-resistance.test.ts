import { expect } from 'chai';
import { Readable } from 'node:stream';
import { readBody } from '../../src/services/soap/request-body';
import { scanXml, scanXmlPrefix } from '../../src/services/soap/xml-scanner';
import { call, contentType, envelope, faultOf, post, PS_NS, SOAP11, SOAP12, startTestServer, type TestServer } from './support';

/** Regression tests for the findings of issue 10 against the SOAP layer (named after them). */
describe('issue 10: bounded cost per request and strict envelopes', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => srv.close());

  const raw = (v: '1.1' | '1.2', text: string) => post(srv.endpoint, text, { 'Content-Type': contentType(v) });

  it('finding: 1 MiB requests with 50,000 attributes each are refused by the scanner, quickly, before any parse', async () => {
    const attrs = Array.from({ length: 50_000 }, (_, i) => ` a${i}="x"`).join('').slice(0, 1000 * 1000);
    const started = Date.now();
    const res = await raw('1.1', envelope('1.1', `<GetWorklist xmlns="${PS_NS}"${attrs}/>`));
    const ms = Date.now() - started;
    const fault = faultOf(res.body);
    expect(res.status).to.equal(413);
    expect(fault.detailCode).to.equal('LIMIT_EXCEEDED');
    expect(fault.message).to.match(/more than 64 attributes on one element.*GetWorklist.*the limit is 64/);
    expect(ms, 'refused in well under a second').to.be.below(1000);
    expect(srv.logs.lines.some((l) => l.faultCode === 'LIMIT_EXCEEDED'), 'logged as a refusal').to.equal(true);
    const health = await fetch(`${srv.url}/health`);
    expect(health.status).to.equal(200);
  });

  it('depth and element count are bounded too', async () => {
    const deep = `<GetWorklist xmlns="${PS_NS}">${'<a>'.repeat(100)}${'</a>'.repeat(100)}</GetWorklist>`;
    expect(faultOf((await raw('1.1', envelope('1.1', deep))).body).message).to.match(/nested more than 64 deep/);
    const many = `<GetWorklist xmlns="${PS_NS}">${'<a/>'.repeat(20_001)}</GetWorklist>`;
    expect(faultOf((await raw('1.1', envelope('1.1', many))).body).message).to.match(/more than 20000 elements/);
  });

  it('finding: an operation element name of 900,000 characters is not echoed whole in the fault or the log', async () => {
    const name = `Op${'x'.repeat(900_000)}`;
    const before = srv.logs.lines.length;
    const res = await raw('1.1', envelope('1.1', `<${name} xmlns="${PS_NS}"/>`));
    expect(res.body.length).to.be.below(2000);
    const fault = faultOf(res.body);
    expect(fault.detailCode).to.equal('NAME_TOO_LONG');
    expect(fault.message).to.match(/element name longer than 256 characters.*the limit is 256/);
    const logged = JSON.stringify(srv.logs.lines.slice(before));
    expect(logged.length).to.be.below(4000);
  });

  it('an unknown operation with a long (allowed) name is echoed truncated', async () => {
    const name = `Op${'y'.repeat(250)}`;
    const fault = faultOf((await call(srv.endpoint, '1.1', `<${name} xmlns="${PS_NS}"/>`)).body);
    expect(fault.detailCode).to.equal('UNKNOWN_OPERATION');
    expect(fault.message).to.include('(252 characters)');
    expect(fault.message).not.to.include('y'.repeat(100));
  });

  it('finding: an Envelope with two Body elements (two prefixes for the SOAP namespace) is refused, not run', async () => {
    const text = `<a:Envelope xmlns:a="${SOAP11}" xmlns:b="${SOAP11}"><a:Body><GetWorklist xmlns="${PS_NS}"><Participant>clerk</Participant></GetWorklist></a:Body><b:Body><StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>x</ProcessDefinitionId></StartProcess></b:Body></a:Envelope>`;
    const fault = faultOf((await raw('1.1', text)).body);
    expect(fault.detailCode).to.equal('NOT_SOAP');
    expect(fault.message).to.match(/2 Body elements; it must have exactly one/);
    const twoHeaders = `<a:Envelope xmlns:a="${SOAP11}"><a:Header/><a:Header/><a:Body><GetWorklist xmlns="${PS_NS}"><Participant>clerk</Participant></GetWorklist></a:Body></a:Envelope>`;
    expect(faultOf((await raw('1.1', twoHeaders)).body).message).to.match(/2 Header elements/);
  });

  it('finding: a mustUnderstand header nobody understands gives a MustUnderstand fault (SOAP 1.1 and 1.2 with NotUnderstood)', async () => {
    const op = `<GetWorklist xmlns="${PS_NS}"><Participant>clerk</Participant></GetWorklist>`;
    const r11 = await raw('1.1', envelope('1.1', op, `<x:Tx xmlns:x="urn:example:tx" xmlns:s="${SOAP11}" s:mustUnderstand="1">1</x:Tx>`));
    expect(r11.status).to.equal(500);
    expect(faultOf(r11.body).code).to.equal('soap:MustUnderstand');
    const r12 = await raw('1.2', envelope('1.2', op, `<x:Tx xmlns:x="urn:example:tx" xmlns:e="${SOAP12}" e:mustUnderstand="true">1</x:Tx>`));
    expect(faultOf(r12.body).code).to.equal('soap:MustUnderstand');
    expect(r12.body).to.match(/<soap:NotUnderstood xmlns:nu="urn:example:tx" qname="nu:Tx"\/>/);
    // not addressed to us, or mustUnderstand="0": ignored
    const other = await raw('1.1', envelope('1.1', op, `<x:Tx xmlns:x="urn:example:tx" xmlns:s="${SOAP11}" s:mustUnderstand="1" s:actor="urn:someone-else">1</x:Tx>`));
    expect(other.status).to.equal(200);
    const optional = await raw('1.1', envelope('1.1', op, `<x:Tx xmlns:x="urn:example:tx" xmlns:s="${SOAP11}" s:mustUnderstand="0">1</x:Tx>`));
    expect(optional.status).to.equal(200);
  });

  it('finding: illegal XML characters are refused with a fault naming where', async () => {
    const res = await raw('1.1', envelope('1.1', `<GetWorklist xmlns="${PS_NS}">\n<Participant>cl\u0001erk</Participant></GetWorklist>`));
    const fault = faultOf(res.body);
    expect(fault.detailCode).to.equal('ILLEGAL_CHARACTER');
    expect(fault.message).to.match(/U\+0001.*line 2 in <Participant>/);
    const ref = faultOf((await raw('1.1', envelope('1.1', `<GetWorklist xmlns="${PS_NS}"><Participant>a&#x0;b</Participant></GetWorklist>`))).body);
    expect(ref.detailCode).to.equal('ILLEGAL_CHARACTER');
    expect(ref.message).to.match(/&#x0;.*in <Participant>/);
  });

  it('the character check reads a surrogate pair as one allowed character and refuses each half alone, where the XML 1.0 Char class says', () => {
    // The reference: XML 1.0 §2.2 Char, by code point.
    const illegal = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
    const pieces = ['a', '\uD83D', '\uDE00', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uFFFE', '\uFFFF', '\u0001', '\t', '\uFFFD', '\uE000', '\uD7FF', '😀'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      let text = '';
      for (let n = 1 + Math.floor(next() * 6); n > 0; n--) text += pieces[Math.floor(next() * pieces.length)];
      const expected = illegal.exec(text);
      let message = '';
      try {
        scanXml(`<a>${text}</a>`);
      } catch (e) {
        message = (e as Error).message;
      }
      if (expected) {
        refused++;
        expect(message, JSON.stringify(text)).to.include(`U+${expected[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')},`);
      } else expect(message, JSON.stringify(text)).to.equal('');
    }
    expect(refused).to.be.within(500, 2900);
  });
});

describe('issue 10: field lengths of the ProcessService', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => srv.close());

  it('finding: strings had no length limit beyond the body size — an id over ps:Identifier\'s 512 characters is refused naming the field', async () => {
    const res = await call(srv.endpoint, '1.1', `<GetProcessInstance xmlns="${PS_NS}"><ProcessInstanceId>${'i'.repeat(600)}</ProcessInstanceId></GetProcessInstance>`);
    const fault = faultOf(res.body);
    expect(fault.detailCode).to.equal('INVALID_FIELD');
    expect(fault.message).to.equal('GetProcessInstance/ProcessInstanceId: is 600 characters long; at most 512 are allowed (ps:Identifier)');
    const data = await call(srv.endpoint, '1.1', `<StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>x</ProcessDefinitionId><Data><Item><Name>${'n'.repeat(513)}</Name><Value>v</Value></Item></Data></StartProcess>`);
    expect(faultOf(data.body).message).to.match(/StartProcess\/Data\/Item\/Name: is 513 characters long/);
  });
});

describe('issue 10: the start of a large body is checked as it arrives', () => {
  it('refuses from the first 64 KiB what more text cannot undo, and nothing a cut leaves open', async () => {
    const asRequest = (text: string) => Object.assign(Readable.from([Buffer.from(text.slice(0, 70_000)), Buffer.from(text.slice(70_000))]), { headers: { 'content-type': 'text/xml' }, socket: { destroy: () => undefined } });
    const hostile = `<a ${Array.from({ length: 10_000 }, (_, i) => `x${i}="1"`).join(' ')}/>`;
    let refused = '';
    await readBody(asRequest(hostile) as never, 1024 * 1024, { probe: (p) => scanXmlPrefix(p) }).catch((e: { code: string }) => void (refused = e.code));
    expect(refused).to.equal('LIMIT_EXCEEDED');
    const fine = `<a>${'<b>text &amp; more</b>'.repeat(5000)}</a>`;
    expect(await readBody(asRequest(fine) as never, 1024 * 1024, { probe: (p) => scanXmlPrefix(p) })).to.equal(fine);
  });
});

describe('issue 10: understood headers', () => {
  it('a wsse:Security header with mustUnderstand is understood even by a server without users (development)', async () => {
    const srv = await startTestServer();
    try {
      const header = `<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:s="${SOAP11}" s:mustUnderstand="1"/>`;
      const res = await post(srv.endpoint, envelope('1.1', `<GetWorklist xmlns="${PS_NS}"><Participant>clerk</Participant></GetWorklist>`, header), { 'Content-Type': contentType('1.1') });
      expect(res.status).to.equal(200);
    } finally {
      await srv.close();
    }
  });
});

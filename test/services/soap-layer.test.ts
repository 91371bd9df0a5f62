import { expect } from 'chai';
import { parseEnvelope } from '../../src/services/soap/envelope-parser';
import { refuseDtd, requireWellFormed } from '../../src/services/soap/request-guards';
import { FieldReader, SoapFault, escapeXml, maxBodyFromEnv, xml, optionalElement, faultEnvelope } from '../../src/services/soap';

const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';

function fault(fn: () => unknown): SoapFault {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(SoapFault);
    return e as SoapFault;
  }
  throw new Error('expected a SoapFault');
}

describe('SOAP layer parts', () => {
  describe('parseEnvelope', () => {
    it('resolves the operation QName through prefixes declared on Envelope, Body or the element', () => {
      for (const doc of [
        `<e:Envelope xmlns:e="${S11}" xmlns:p="urn:x"><e:Body><p:Op/></e:Body></e:Envelope>`,
        `<e:Envelope xmlns:e="${S11}"><e:Body xmlns:p="urn:x"><p:Op/></e:Body></e:Envelope>`,
        `<Envelope xmlns="${S11}"><Body><Op xmlns="urn:x"/></Body></Envelope>`,
      ]) {
        expect(parseEnvelope(doc).operation).to.deep.equal({ namespace: 'urn:x', localName: 'Op' });
      }
    });

    it('keeps text exactly, repeats as arrays, attributes apart, and header blocks by local name', () => {
      const env = parseEnvelope(`<s:Envelope xmlns:s="${S11}"><s:Header><a:Request xmlns:a="urn:asap"><a:ReceiverKey>k</a:ReceiverKey></a:Request></s:Header><s:Body><Op xmlns="urn:x"><T>  two  spaces &amp; &#65; </T><L>1</L><L>2</L><N xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></Op></s:Body></s:Envelope>`);
      expect(env.body.T).to.equal('  two  spaces & A ');
      expect(env.body.L).to.deep.equal(['1', '2']);
      expect((env.body.N as Record<string, unknown>)['@']).to.deep.equal({ nil: 'true' });
      expect((env.header.Request as Record<string, unknown>).ReceiverKey).to.equal('k');
      expect(FieldReader.of(env.body, 'Op').optionalString('N')).to.equal(undefined, 'xsi:nil is absent');
    });

    it('refuses undeclared prefixes, foreign envelopes and bodies without a request element', () => {
      expect(fault(() => parseEnvelope(`<s:Envelope xmlns:s="${S11}"><s:Body><p:Op/></s:Body></s:Envelope>`)).message).to.match(/prefix "p" of <p:Op> is not declared/);
      expect(fault(() => parseEnvelope('<s:Envelope xmlns:s="urn:soap-0.9"><s:Body/></s:Envelope>')).code).to.equal('VERSION_MISMATCH');
      expect(fault(() => parseEnvelope(`<s:Envelope xmlns:s="${S11}"><s:Header/></s:Envelope>`)).message).to.match(/has no Body/);
    });
  });

  describe('request guards', () => {
    it('refuses DTDs in any spelling, and names the line', () => {
      expect(fault(() => refuseDtd('<?xml version="1.0"?>\n\n<!doctype x>')).message).to.match(/<!DOCTYPE at line 3/);
      expect(fault(() => refuseDtd('<a><! ENTITY x "y"></a>')).code).to.equal('DTD_NOT_ALLOWED');
    });

    it('allows a bare & inside CDATA and comments, not outside', () => {
      expect(() => requireWellFormed('<a><![CDATA[fish & chips]]><!-- a & b --></a>')).not.to.throw();
      expect(fault(() => requireWellFormed('<a>\n&nbsp;</a>')).message).to.match(/line 2: "&nbsp;"/);
    });
  });

  describe('FieldReader', () => {
    const r = FieldReader.of({ N: ' 42 ', B: 'yes', T: { X: '1' }, R: ['a', 'b'], E: '' } as Record<string, unknown>, 'Op');
    it('names the field path and the expected type', () => {
      expect(r.integer('N')).to.equal(42);
      expect(fault(() => r.optionalBoolean('B')).message).to.equal('Op/B: expected a boolean (xsd:boolean: true, false, 1 or 0); got "yes"');
      expect(fault(() => r.string('T')).message).to.equal('Op/T: expected text, got child elements');
      expect(fault(() => r.string('R')).message).to.equal('Op/R: appears 2 times; expected at most once');
      expect(fault(() => r.string('E')).message).to.equal('Op/E: is empty; expected a non-empty string');
      expect(fault(() => r.child('T').integer('Y')).message).to.equal('Op/T/Y: is missing; expected an integer (xsd:int)');
      expect(r.strings('R')).to.deep.equal(['a', 'b']);
    });
    it('does not read inherited properties as fields', () => {
      expect(r.optionalString('constructor')).to.equal(undefined);
    });
  });

  describe('building XML', () => {
    it('escapes every interpolated value unless it is a fragment, and drops characters XML cannot carry', () => {
      const name = '<b>&"\'\u0001';
      expect(xml`<a n="${name}">${name}${xml`<i/>`}${undefined}${[1, xml`<j/>`]}</a>`.toString()).to.equal('<a n="&lt;b&gt;&amp;&quot;&apos;\uFFFD">&lt;b&gt;&amp;&quot;&apos;\uFFFD<i/>1<j/></a>');
      expect(optionalElement('S', undefined).toString()).to.equal('');
      expect(escapeXml('a\r\nb')).to.equal('a&#13;\nb');
    });

    it('escapes each character class alone, lone surrogates included, and leaves plain text and surrogate pairs as they are', () => {
      const cases: Array<[string, string]> = [
        ['plain text, 123 – é', 'plain text, 123 – é'],
        ['😀', '😀'],
        ['a&b', 'a&amp;b'],
        ['<', '&lt;'],
        ['>', '&gt;'],
        ['"', '&quot;'],
        ["'", '&apos;'],
        ['\r', '&#13;'],
        ['\t\n', '\t\n'],
        ['x\u0000y\u0008\u000B\u000C\u000E\u001F', 'x\uFFFDy\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD'],
        ['\uFFFE\uFFFF', '\uFFFD\uFFFD'],
        ['a\uD800b', 'a\uFFFDb'],
        ['a\uDC00b', 'a\uFFFDb'],
      ];
      for (const [value, escaped] of cases) expect(escapeXml(value), JSON.stringify(value)).to.equal(escaped);
    });

    it('writes SOAP 1.2 faults with a subcode in its own namespace', () => {
      const f = new SoapFault('Client', 'no', 'UNAUTHENTICATED', { subcode: { namespace: 'urn:wsse', prefix: 'wsse', localName: 'FailedAuthentication' } });
      expect(faultEnvelope('1.2', f)).to.contain('<soap:Value>soap:Sender</soap:Value><soap:Subcode><soap:Value xmlns:wsse="urn:wsse">wsse:FailedAuthentication</soap:Value></soap:Subcode>');
    });
  });

  it('reads INTERFLOW_MAX_BODY in bytes, KiB or MiB, and refuses nonsense', () => {
    expect(maxBodyFromEnv({})).to.equal(1024 * 1024);
    expect(maxBodyFromEnv({ INTERFLOW_MAX_BODY: '2m' })).to.equal(2 * 1024 * 1024);
    expect(maxBodyFromEnv({ INTERFLOW_MAX_BODY: '512k' })).to.equal(512 * 1024);
    expect(maxBodyFromEnv({ INTERFLOW_MAX_BODY: '1000' })).to.equal(1000);
    expect(() => maxBodyFromEnv({ INTERFLOW_MAX_BODY: 'lots' })).to.throw(/INTERFLOW_MAX_BODY must be a size/);
  });
});

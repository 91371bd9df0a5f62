import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { soapCall } from '../../src/services/soap';
import { ProcessServiceClient } from '../../src/federation/process-client';
import { end, flow, manual, pkg, process, start } from '../support/definition-builder';
import { startTestServer, type TestServer } from './support';
import { FIDELITY_VALUES, fieldOf } from './text-fidelity';

/**
 * soapCall reads every reply Interflow gets (Wf-XML, transfers, the registry, the federation's
 * ProcessService client). A reply is read the way a request is: text exactly as written, entities
 * and character references decoded once, CDATA joined with the text around it, nothing trimmed.
 */
describe('soapCall reads reply values exactly (spaces, references, CDATA, CR/CRLF, non-BMP)', function () {
  this.timeout(30_000);
  let server: Server;
  let url: string;
  let reply = '';

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(reply.includes('<s:Fault>') ? 500 : 200, { 'Content-Type': 'text/xml; charset=utf-8' });
        res.end(reply);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  const call = async (body: string) => {
    reply = `<?xml version="1.0" encoding="utf-8"?>\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">\n  <s:Body>\n    ${body}\n  </s:Body>\n</s:Envelope>\n`;
    return soapCall({ url, envelope: '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><r:Ask xmlns:r="urn:x"/></s:Body></s:Envelope>' });
  };

  it('text, references, CDATA and line ends come back as XML defines them, nothing trimmed', async () => {
    const r = await call(
      `<r:Reply xmlns:r="urn:x">
        <r:Spaces>  a  </r:Spaces>
        <r:OnlySpaces>   </r:OnlySpaces>
        <r:Refs>&#xD;&#13;&#x9;&#xA;&#x1F600;&#128512;&#x20000;</r:Refs>
        <r:LiteralLineEnds>a\r\nb\rc\n</r:LiteralLineEnds>
        <r:Cdata><![CDATA[  <x> & ]]]]><![CDATA[>  ]]></r:Cdata>
        <r:Mixed> a &amp;#xD; <![CDATA[&amp;]]> &lt;&gt;&quot;&apos; </r:Mixed>
        <r:NonBmp>😀𠀀</r:NonBmp>
        <r:Separators>\u0085\u2028</r:Separators>
        <r:Empty/>
        <r:EmptyPair></r:EmptyPair>
        <r:WithAttribute a="&#9;x&#xD;&#xA;">  v\t</r:WithAttribute>
      </r:Reply>`,
    );
    expect(r.status).to.equal(200);
    expect(r.envelope?.operation.localName).to.equal('Reply');
    const body = r.envelope!.body;
    expect(body).to.deep.include({
      Spaces: '  a  ',
      OnlySpaces: '   ',
      Refs: '\r\r\t\n😀😀𠀀',
      LiteralLineEnds: 'a\nb\nc\n',
      Cdata: '  <x> & ]]>  ',
      Mixed: ' a &#xD; &amp; <>"\' ',
      NonBmp: '😀𠀀',
      Separators: '\u0085\u2028',
      Empty: '',
      EmptyPair: '',
    });
    expect({ ...(body.WithAttribute as object) }).to.deep.equal({ '#text': '  v\t', '@': { a: '\tx\r\n' } });
  });

  it('a fault\'s reason is read as written', async () => {
    const r = await call(`<s:Fault><faultcode> s:Server </faultcode><faultstring>  the &lt;reason&gt;&#xD;\n on two lines  </faultstring></s:Fault>`);
    expect(r.fault).to.deep.include({ code: 's:Server', reason: '  the <reason>\r\n on two lines  ' });
  });
});

/**
 * The federation's ProcessService client (a legacy back office's view) over soapCall against a
 * real department server: what it starts a case with is what it reads back.
 */
describe('the federation\'s ProcessService client reads back the data it sent exactly', function () {
  this.timeout(30_000);
  let srv: TestServer;

  before(async () => {
    srv = await startTestServer();
    const fields = Object.keys(FIDELITY_VALUES).map((k) => ({ id: fieldOf(k), type: 'STRING' as const }));
    await srv.engine.deploy(pkg(process('fidelity', { fields, activities: [start(), manual('edit'), end()], transitions: [flow('start', 'edit'), flow('edit', 'end')] })));
  });
  after(async () => srv.close());

  it('StartProcess, then GetProcessInstance: every value and the subject as sent', async () => {
    const client = new ProcessServiceClient(srv.url, 'nobody', 'unused');
    const data = Object.fromEntries(Object.entries(FIDELITY_VALUES).map(([k, v]) => [fieldOf(k), v]));
    const subject = ' \tcase\r\nsubject 😀 ';
    const { id } = await client.startProcess('fidelity', data, subject);
    const inst = await client.getProcessInstance(id);
    expect(inst.data).to.deep.equal(data);
    expect(inst.subject).to.equal(subject);
  });
});

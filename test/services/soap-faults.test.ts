import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { call, contentType, envelope, expectNoInternals, faultOf, post, PS_NS, startTestServer, textOf, type RawResponse, type TestServer } from './support';

const PERMIT = readFileSync(resolve(__dirname, '../../examples/building-permit.xpdl'), 'utf8');

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetProcessInstance xmlns="${PS_NS}"><ProcessInstanceId>&lol3;</ProcessInstanceId></GetProcessInstance></soap:Body></soap:Envelope>`;

const EXTERNAL_ENTITY = `<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetProcessInstance xmlns="${PS_NS}"><ProcessInstanceId>&xxe;</ProcessInstanceId></GetProcessInstance></soap:Body></soap:Envelope>`;

interface BadInput {
  name: string;
  send: (srv: TestServer, version: '1.1' | '1.2') => Promise<RawResponse>;
  kind: 'Client' | 'Server';
  status?: number;
  code: string;
  message: RegExp;
}

/**
 * Every kind of bad input a legacy client can send gets a fault that says what to fix, in the SOAP
 * version it spoke, without internals; and the endpoint keeps serving afterwards.
 */
describe('ProcessService faults for bad input', () => {
  let srv: TestServer;
  let caseId: string;

  before(async () => {
    srv = await startTestServer();
    const deployed = await call(srv.endpoint, '1.1', `<DeployDefinition xmlns="${PS_NS}"><Xpdl>${PERMIT.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Xpdl></DeployDefinition>`);
    expect(deployed.status, deployed.body).to.equal(200);
    const started = await call(srv.endpoint, '1.1', `<StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>building_permit</ProcessDefinitionId><Data/></StartProcess>`);
    caseId = textOf(started.body, 'ProcessInstanceId')!;
    await srv.engine.changeState(caseId, 'terminate');
  });
  after(async () => srv.close());

  const raw = (text: string) => (s: TestServer, v: '1.1' | '1.2') => post(s.endpoint, text, { 'Content-Type': contentType(v) });
  const op = (body: string) => (s: TestServer, v: '1.1' | '1.2') => call(s.endpoint, v, body);

  const cases: BadInput[] = [
    { name: 'malformed XML', send: raw('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">\n<soap:Body>\n<GetWorklist></soap:Body></soap:Envelope>'), kind: 'Client', code: 'MALFORMED_XML', message: /malformed XML at line 3.*GetWorklist/ },
    { name: 'a DOCTYPE with entity expansion (billion laughs)', send: raw(BILLION_LAUGHS), kind: 'Client', code: 'DTD_NOT_ALLOWED', message: /must not contain a document type declaration.*line 2/ },
    { name: 'an external entity (XXE)', send: raw(EXTERNAL_ENTITY), kind: 'Client', code: 'DTD_NOT_ALLOWED', message: /document type declaration/ },
    { name: 'an undeclared entity reference', send: op(`<GetProcessInstance xmlns="${PS_NS}"><ProcessInstanceId>&xxe;</ProcessInstanceId></GetProcessInstance>`), kind: 'Client', code: 'MALFORMED_XML', message: /"&xxe;" is not one of the predefined entities/ },
    { name: 'a body over the size limit', send: (s, v) => post(s.endpoint, envelope(v, `<GetWorklist xmlns="${PS_NS}"><Participant>${'x'.repeat(1024 * 1024)}</Participant></GetWorklist>`), { 'Content-Type': contentType(v) }), kind: 'Client', status: 413, code: 'BODY_TOO_LARGE', message: /^request body is over the 1 MiB limit$/ },
    { name: 'a body that is not SOAP', send: raw('<order><id>1</id></order>'), kind: 'Client', code: 'NOT_SOAP', message: /not a SOAP envelope: the root element is order/ },
    { name: 'a JSON body', send: (s) => post(s.endpoint, '{"op":"StartProcess"}', { 'Content-Type': 'application/json' }), kind: 'Client', status: 415, code: 'NOT_SOAP', message: /Content-Type "application\/json" is not SOAP/ },
    { name: 'an empty Body', send: raw(envelope('1.1', '')), kind: 'Client', code: 'NOT_SOAP', message: /Body is empty/ },
    { name: 'an unknown operation', send: op(`<StopTheWorld xmlns="${PS_NS}"/>`), kind: 'Client', code: 'UNKNOWN_OPERATION', message: /unknown operation \{urn:interflow:process-service:1\}StopTheWorld at \/services\/ProcessService; this endpoint has StartProcess, GetProcessInstance, .*CompleteWorkItem/ },
    { name: 'a known operation in the wrong namespace', send: op('<StartProcess xmlns="urn:other"><ProcessDefinitionId>x</ProcessDefinitionId></StartProcess>'), kind: 'Client', code: 'UNKNOWN_OPERATION', message: /unknown operation \{urn:other\}StartProcess/ },
    { name: 'a missing ProcessDefinitionId', send: op(`<StartProcess xmlns="${PS_NS}"><Data/></StartProcess>`), kind: 'Client', code: 'INVALID_FIELD', message: /^StartProcess\/ProcessDefinitionId: is missing; expected a string/ },
    { name: 'a mistyped Offset', send: op(`<ListProcessInstances xmlns="${PS_NS}"><Offset>abc</Offset></ListProcessInstances>`), kind: 'Client', code: 'INVALID_FIELD', message: /^ListProcessInstances\/Offset: expected an integer \(xsd:int\) of at least 0; got "abc"$/ },
    { name: 'a Limit out of range', send: op(`<ListProcessInstances xmlns="${PS_NS}"><Limit>100000</Limit></ListProcessInstances>`), kind: 'Client', code: 'INVALID_FIELD', message: /Limit: expected an integer \(xsd:int\) between 1 and 1000/ },
    { name: 'an unknown Action', send: op(`<ChangeProcessInstanceState xmlns="${PS_NS}"><ProcessInstanceId>x</ProcessInstanceId><Action>explode</Action></ChangeProcessInstanceState>`), kind: 'Client', code: 'INVALID_FIELD', message: /Action: expected one of suspend, resume, terminate; got "explode"/ },
    { name: 'a data value of the wrong type', send: op(`<StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>building_permit</ProcessDefinitionId><Data><Item><Name>inspections</Name><Value>many</Value></Item></Data></StartProcess>`), kind: 'Client', code: 'INVALID_DATA', message: /Data field "inspections" is INTEGER; "many" is not a valid value/ },
    { name: 'an undeclared data field', send: op(`<StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>building_permit</ProcessDefinitionId><Data><Item><Name>colour</Name><Value>red</Value></Item></Data></StartProcess>`), kind: 'Client', code: 'INVALID_DATA', message: /has no data field "colour"; declared fields: caseRef/ },
    { name: 'an unknown process', send: op(`<StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>no_such_process</ProcessDefinitionId><Data/></StartProcess>`), kind: 'Client', code: 'NOT_FOUND', message: /Process definition "no_such_process" does not exist/ },
    { name: 'an unknown instance', send: op(`<GetProcessInstance xmlns="${PS_NS}"><ProcessInstanceId>4f1c-nope</ProcessInstanceId></GetProcessInstance>`), kind: 'Client', code: 'NOT_FOUND', message: /Process instance "4f1c-nope" does not exist/ },
    { name: 'an illegal state change', send: (s, v) => call(s.endpoint, v, `<ChangeProcessInstanceState xmlns="${PS_NS}"><ProcessInstanceId>${caseId}</ProcessInstanceId><Action>resume</Action></ChangeProcessInstanceState>`), kind: 'Client', code: 'ILLEGAL_STATE', message: /closed\.abnormalCompleted\.terminated/ },
    { name: 'an unusable XPDL document', send: op(`<DeployDefinition xmlns="${PS_NS}"><Xpdl>&lt;Package/&gt;</Xpdl></DeployDefinition>`), kind: 'Client', code: 'INVALID_DEFINITION', message: /XPDL/ },
    { name: 'a GET on an unknown path', send: (s) => fetch(`${s.url}/services/NoSuchService`).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() })), kind: 'Client', status: 404, code: 'NOT_FOUND', message: /no service at GET \/services\/NoSuchService; services here: \/services\/ProcessService/ },
    { name: 'a PUT on the endpoint', send: (s) => fetch(s.endpoint, { method: 'PUT', body: 'x' }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() })), kind: 'Client', status: 405, code: 'METHOD_NOT_ALLOWED', message: /PUT is not supported here/ },
  ];

  for (const version of ['1.1', '1.2'] as const) {
    describe(`SOAP ${version}`, () => {
      for (const c of cases) {
        it(`${c.name}: ${c.kind} fault ${c.code}, then serves normally`, async () => {
          const res = await c.send(srv, version);
          const fault = faultOf(res.body);
          // Requests that never got as far as naming a SOAP version are answered in 1.1.
          const answeredIn = /PUT|GET|JSON/.test(c.name) ? '1.1' : version;
          const expectedCode = answeredIn === '1.1' ? `soap:${c.kind}` : `soap:${c.kind === 'Client' ? 'Sender' : 'Receiver'}`;
          expect(fault.code).to.equal(expectedCode);
          expect(fault.detailCode).to.equal(c.code);
          expect(fault.message).to.match(c.message);
          expect(res.status).to.equal(c.status ?? (answeredIn === '1.2' && c.kind === 'Client' ? 400 : 500));
          expect(res.headers.get('content-type')).to.match(answeredIn === '1.1' ? /^text\/xml/ : /^application\/soap\+xml/);
          expectNoInternals(res.body);

          const ok = await call(srv.endpoint, version, `<ListProcessDefinitions xmlns="${PS_NS}"/>`);
          expect(ok.status, ok.body).to.equal(200);
          expect(ok.body).to.contain('<ProcessDefinitionId>building_permit</ProcessDefinitionId>');
        });
      }
    });
  }

  it('answers an unexpected failure with a generic Server fault and a correlation id, and logs the real error', async () => {
    const original = srv.engine.listDefinitions.bind(srv.engine);
    srv.engine.listDefinitions = () => Promise.reject(new Error('disk on fire at /var/lib/secret.db'));
    try {
      for (const version of ['1.1', '1.2'] as const) {
        const res = await call(srv.endpoint, version, `<ListProcessDefinitions xmlns="${PS_NS}"/>`);
        const fault = faultOf(res.body);
        expect(fault.code).to.equal(version === '1.1' ? 'soap:Server' : 'soap:Receiver');
        expect(res.status).to.equal(500);
        expect(fault.detailCode).to.equal('INTERNAL');
        expect(res.body).not.to.contain('disk on fire');
        expectNoInternals(res.body);
        const id = /correlation id ([0-9a-f-]{36})/.exec(fault.message)?.[1];
        expect(id, fault.message).to.be.a('string');
        expect(res.headers.get('x-request-id')).to.equal(id);
        const logged = srv.logs.lines.find((l) => l.requestId === id && l.msg === 'request failed with an unexpected error');
        expect(logged, 'the real error is logged under the correlation id').to.exist;
        expect(JSON.stringify(logged)).to.contain('disk on fire');
      }
    } finally {
      srv.engine.listDefinitions = original;
    }
    const ok = await call(srv.endpoint, '1.1', `<ListProcessDefinitions xmlns="${PS_NS}"/>`);
    expect(ok.status).to.equal(200);
  });

  it('logs one line per request with operation, status and time, and the fault kind on faults', async () => {
    const before = srv.logs.lines.length;
    await call(srv.endpoint, '1.1', `<ListProcessDefinitions xmlns="${PS_NS}"/>`);
    await call(srv.endpoint, '1.2', `<GetProcessInstance xmlns="${PS_NS}"><ProcessInstanceId>missing</ProcessInstanceId></GetProcessInstance>`);
    const lines = srv.logs.lines.slice(before);
    expect(lines).to.have.length(2);
    expect(lines[0]).to.include({ operation: 'ListProcessDefinitions', status: 200, soap: '1.1', msg: 'soap request' });
    expect(lines[0].ms).to.be.a('number');
    expect(lines[1]).to.include({ operation: 'GetProcessInstance', status: 400, soap: '1.2', fault: 'Client', faultCode: 'NOT_FOUND', msg: 'soap fault' });
  });

  it('dispatches on the Body element whatever SOAPAction says, or without one', async () => {
    const body = `<ListProcessDefinitions xmlns="${PS_NS}"/>`;
    for (const headers of [{} as Record<string, string>, { SOAPAction: '"urn:interflow:process-service:1:StartProcess"' }, { SOAPAction: '""' }]) {
      const res = await call(srv.endpoint, '1.1', body, headers);
      expect(res.status).to.equal(200);
      expect(res.body).to.contain('<ListProcessDefinitionsResponse');
    }
    const res12 = await call(srv.endpoint, '1.2', body, { 'Content-Type': 'application/soap+xml; charset=utf-8; action="urn:whatever"' });
    expect(res12.body).to.contain('<ListProcessDefinitionsResponse');
  });

  it('accepts prefixed request elements, CDATA and character references', async () => {
    const res = await post(srv.endpoint, `<?xml version="1.0"?>
<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:p="${PS_NS}">
  <e:Header/>
  <e:Body>
    <p:StartProcess>
      <p:ProcessDefinitionId>building_permit</p:ProcessDefinitionId>
      <p:Subject><![CDATA[Fish & <chips>]]> &#x263A;</p:Subject>
      <p:Data>
        <p:Item><p:Name>caseRef</p:Name><p:Value>BP&amp;1</p:Value></p:Item>
      </p:Data>
    </p:StartProcess>
  </e:Body>
</e:Envelope>`);
    expect(res.status, res.body).to.equal(200);
    const inst = await srv.engine.getInstance(textOf(res.body, 'ProcessInstanceId')!);
    expect(inst.subject).to.equal('Fish & <chips> \u263A');
    expect(inst.data.caseRef).to.equal('BP&1');
  });

  it('refuses an oversized body by its Content-Length before reading it, and keeps serving', async () => {
    const small = await startTestServer({ maxBodyBytes: 2048 }, srv);
    try {
      const res = await call(small.endpoint, '1.1', `<GetWorklist xmlns="${PS_NS}"><Participant>${'y'.repeat(4096)}</Participant></GetWorklist>`);
      expect(res.status).to.equal(413);
      expect(faultOf(res.body).message).to.equal('request body is over the 2 KiB limit');
      const ok = await call(small.endpoint, '1.1', `<GetWorklist xmlns="${PS_NS}"/>`);
      expect(ok.status).to.equal(200);
    } finally {
      await small.close();
    }
  });
});

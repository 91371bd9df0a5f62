import { XPDL_SAMPLES_DIR } from '../../support/shared-reference';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'chai';
import * as soap from 'soap';
import { InstanceStates } from '../../../src/engine';
import { importXpdl } from '../../../src/xpdl';
import { call, contentType, envelope, faultOf, post, type TestServer } from '../support';
import { ASAP, PERMIT_XPDL, WFXML, bodyOf, deployPermit, headerOf, startWfxmlServer, text, validate } from './wfxml-support';

const SAMPLES = XPDL_SAMPLES_DIR;

const asRequestHeader = (receiverKey: string, extra = '') =>
  `<as:Request xmlns:as="${ASAP}">${extra}<as:ReceiverKey>${receiverKey}</as:ReceiverKey></as:Request>`;

describe('Wf-XML 2.0 Factory and Instance resources', function () {
  this.timeout(30_000);
  let t: TestServer;
  let factoryUrl: string;

  before(async () => {
    t = await startWfxmlServer();
    await deployPermit(t);
    factoryUrl = `${t.url}/wfxml/factory/building_permit`;
  });
  after(async () => t.close());

  describe('with a node-soap client generated from the WSDLs', () => {
    let factory: soap.Client;
    let instanceKey: string;

    before(async () => {
      factory = await soap.createClientAsync(`${factoryUrl}?wsdl`);
    });

    it('Factory GetProperties: key, name, description and the ContextData schema of the process', async () => {
      const [rs] = await factory.GetPropertiesAsync({});
      expect(rs.Key).to.equal(factoryUrl);
      expect(rs.Name).to.equal('Building permit');
      expect(rs.Description).to.match(/planning, environment and fire safety/);
      const declared = (rs.ContextDataSchema.schema.element as Array<{ attributes: { name: string; type: string } }>).map((e) => e.attributes);
      expect(declared).to.deep.include({ name: 'caseRef', type: 'xsd:string' });
      expect(declared).to.deep.include({ name: 'inspections', type: 'xsd:long' });
      expect(declared).to.deep.include({ name: 'envOk', type: 'xsd:boolean' });
    });

    it('Factory CreateInstance starts an instance: ContextData mapped onto data fields, the key is the instance URL', async () => {
      const [rs] = await factory.CreateInstanceAsync({
        StartImmediately: true,
        Subject: 'BP-7',
        ContextData: { caseRef: 'BP-7', inspections: 2, notifyEmail: 'true' },
      });
      instanceKey = rs.InstanceKey;
      expect(instanceKey).to.match(new RegExp(`^${t.url}/wfxml/instance/[0-9a-f-]{36}$`));
      const id = decodeURIComponent(instanceKey.split('/').pop()!);
      const inst = await t.engine.getInstance(id);
      expect(inst.processId).to.equal('building_permit');
      expect(inst.state).to.equal(InstanceStates.running);
      expect(inst.subject).to.equal('BP-7');
      expect(inst.data).to.include({ caseRef: 'BP-7', inspections: 2, notifyEmail: true }, 'text coerced to the declared types');
      expect(inst.workItems.map((w) => w.activityId)).to.deep.equal(['register']);
    });

    it('Instance GetProperties through a client generated from the instance key ?wsdl', async () => {
      const instance = await soap.createClientAsync(`${instanceKey}?wsdl`);
      const [rs] = await instance.GetPropertiesAsync({});
      expect(rs.Key).to.equal(instanceKey);
      expect(rs.State).to.equal('open.running');
      expect(rs.Name).to.equal('Building permit');
      expect(rs.Subject).to.equal('BP-7');
      expect(rs.FactoryKey).to.equal(factoryUrl);
      expect(rs.ContextData).to.include({ caseRef: 'BP-7', inspections: '2', notifyEmail: 'true' });
      const events = rs.History.Event as Array<{ EventType: string; NewState: string }>;
      expect(events.map((e) => [e.EventType, e.NewState])).to.deep.equal([
        ['InstanceCreated', 'open.notrunning'],
        ['StateChanged', 'open.running'],
      ]);
    });

    it('Instance ChangeState suspends and resumes; asking for the current state succeeds; an illegal change is a Client fault with the engine\'s reason', async () => {
      const instance = await soap.createClientAsync(`${instanceKey}?wsdl`);
      const id = decodeURIComponent(instanceKey.split('/').pop()!);
      const [suspended] = await instance.ChangeStateAsync({ State: 'open.notrunning.suspended' });
      expect(suspended.State).to.equal('open.notrunning.suspended');
      expect((await t.engine.getInstance(id)).state).to.equal(InstanceStates.suspended);
      const [again] = await instance.ChangeStateAsync({ State: 'open.notrunning.suspended' });
      expect(again.State).to.equal('open.notrunning.suspended');
      const [resumed] = await instance.ChangeStateAsync({ State: 'open.running' });
      expect(resumed.State).to.equal('open.running');

      const err = await instance.ChangeStateAsync({ State: 'closed.completed' }).then(
        () => expect.fail('ChangeState to closed.completed must fail'),
        (e: { body?: string }) => e,
      );
      const fault = faultOf(err.body!);
      expect(fault.code).to.equal('soap:Client');
      expect(fault.message).to.match(/cannot be put into state closed\.completed from outside/);
      expect(text(err.body!, 'ErrorCode')).to.equal('301');
    });

    it('Instance SetProperties changes data fields from ContextData and answers with the new properties', async () => {
      const instance = await soap.createClientAsync(`${instanceKey}?wsdl`);
      const [rs] = await instance.SetPropertiesAsync({ ContextData: { notifySms: 'true' } });
      expect(rs.ContextData).to.include({ notifySms: 'true' });
      const id = decodeURIComponent(instanceKey.split('/').pop()!);
      expect((await t.engine.getInstance(id)).data.notifySms).to.equal(true);
    });

    it('an ASAP Request header is answered with a Response header naming sender, receiver and request', async () => {
      factory.clearSoapHeaders();
      factory.addSoapHeader(asRequestHeader(factoryUrl, '<as:SenderKey>http://client.example/me</as:SenderKey>').replace('</as:Request>', '<as:RequestID>urn:uuid:00000000-0000-4000-8000-000000000001</as:RequestID></as:Request>'));
      const [, raw] = await factory.GetPropertiesAsync({});
      factory.clearSoapHeaders();
      const header = headerOf(raw as string);
      expect(text(header, 'SenderKey')).to.equal(factoryUrl);
      expect(text(header, 'ReceiverKey')).to.equal('http://client.example/me');
      expect(text(header, 'RequestID')).to.equal('urn:uuid:00000000-0000-4000-8000-000000000001');
    });
  });

  describe('raw requests', () => {
    let instanceUrl: string;
    before(async () => {
      const inst = await t.engine.startProcess('building_permit', { data: { caseRef: 'BP-RAW' }, observer: 'http://observer.example/wfxml/observer' });
      instanceUrl = `${t.url}/wfxml/instance/${inst.id}`;
    });

    it('a SOAP 1.2 request is answered in SOAP 1.2, dispatched on the body element without any action', async () => {
      const res = await call(instanceUrl, '1.2', `<as:GetPropertiesRq xmlns:as="${ASAP}"/>`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^application\/soap\+xml/);
      expect(res.body).to.contain('http://www.w3.org/2003/05/soap-envelope');
      const body = bodyOf(res.body);
      expect(text(body, 'State')).to.equal('open.running');
      expect(text(body, 'ObserverKey')).to.equal('http://observer.example/wfxml/observer');
      expect(text(headerOf(res.body), 'SenderKey')).to.equal(instanceUrl, 'a Response header even when the request had none');
    });

    it('a SOAP 1.1 request without SOAPAction is dispatched on the body element', async () => {
      const res = await post(factoryUrl, envelope('1.1', `<GetPropertiesRq xmlns="${ASAP}"/>`), { 'Content-Type': contentType('1.1') });
      expect(res.status).to.equal(200);
      expect(text(bodyOf(res.body), 'Key')).to.equal(factoryUrl);
    });

    it('a ReceiverKey naming another resource is refused; one naming this resource by another host is accepted', async () => {
      const other = await t.engine.startProcess('building_permit', { data: { caseRef: 'BP-OTHER' } });
      const wrong = await post(instanceUrl, envelope('1.1', `<as:ChangeStateRq xmlns:as="${ASAP}"><as:State>open.notrunning.suspended</as:State></as:ChangeStateRq>`, asRequestHeader(`${t.url}/wfxml/instance/${other.id}`)));
      expect(wrong.status).to.equal(500);
      const fault = faultOf(wrong.body);
      expect(fault.code).to.equal('soap:Client');
      expect(fault.message).to.match(/ReceiverKey names .* but the message was posted to/);
      expect(text(wrong.body, 'ErrorCode')).to.equal('101');
      expect((await t.engine.getInstance(other.id)).state).to.equal('open.running');

      const aliased = instanceUrl.replace('127.0.0.1', 'localhost');
      const ok = await post(instanceUrl, envelope('1.1', `<as:GetPropertiesRq xmlns:as="${ASAP}"/>`, asRequestHeader(aliased)));
      expect(ok.status).to.equal(200);
    });

    it('CreateInstance with StartImmediately false leaves the instance open.notrunning; ChangeState open.running starts it', async () => {
      const res = await post(
        factoryUrl,
        envelope('1.1', `<as:CreateInstanceRq xmlns:as="${ASAP}"><as:StartImmediately>false</as:StartImmediately><as:Name>Permit for lot 12</as:Name><as:ContextData><caseRef>BP-12</caseRef></as:ContextData></as:CreateInstanceRq>`),
      );
      expect(res.status).to.equal(200);
      const key = text(bodyOf(res.body), 'InstanceKey')!;
      const id = key.split('/').pop()!;
      const inst = await t.engine.getInstance(id);
      expect(inst.state).to.equal('open.notrunning');
      expect(inst.subject).to.equal('Permit for lot 12', 'Name stands in for a missing Subject');
      const started = await post(key, envelope('1.1', `<as:ChangeStateRq xmlns:as="${ASAP}"><as:State>open.running</as:State></as:ChangeStateRq>`));
      expect(text(bodyOf(started.body), 'State')).to.equal('open.running');
    });

    it('ContextData naming an undeclared field is a Client fault listing the declared ones', async () => {
      const res = await post(factoryUrl, envelope('1.1', `<as:CreateInstanceRq xmlns:as="${ASAP}"><as:StartImmediately>true</as:StartImmediately><as:ContextData><caseReff>x</caseReff></as:ContextData></as:CreateInstanceRq>`));
      const fault = faultOf(res.body);
      expect(fault.code).to.equal('soap:Client');
      expect(fault.message).to.match(/no data field "caseReff"; declared fields: caseRef, /);
      expect(text(res.body, 'ErrorCode')).to.equal('201');
    });

    it('an unknown factory is a Client fault, not an empty answer', async () => {
      const res = await post(`${t.url}/wfxml/factory/no_such_process`, envelope('1.1', `<as:GetPropertiesRq xmlns:as="${ASAP}"/>`));
      const fault = faultOf(res.body);
      expect(fault.code).to.equal('soap:Client');
      expect(fault.message).to.match(/Process definition "no_such_process" does not exist/);
      expect(text(res.body, 'ErrorCode')).to.equal('401');
    });

    it('ListInstances lists the factory\'s instances, filtered by a state or state prefix', async () => {
      const all = bodyOf((await post(factoryUrl, envelope('1.1', `<as:ListInstancesRq xmlns:as="${ASAP}"/>`))).body);
      const { total } = await t.engine.listInstances({ processId: 'building_permit' });
      expect(all.match(/<as:Instance>/g)).to.have.length(total);
      expect(all).to.contain(`<as:InstanceKey>${instanceUrl}</as:InstanceKey>`);
      const closed = bodyOf((await post(factoryUrl, envelope('1.1', `<as:ListInstancesRq xmlns:as="${ASAP}"><as:Filter>closed.</as:Filter></as:ListInstancesRq>`))).body);
      expect(closed).to.not.contain('<as:Instance>');
    });

    it('Subscribe accepts the instance\'s own observer and refuses a second one; Unsubscribe of a stranger is a no-op', async () => {
      const same = await post(instanceUrl, envelope('1.1', `<as:SubscribeRq xmlns:as="${ASAP}"><as:ObserverKey>http://observer.example/wfxml/observer</as:ObserverKey></as:SubscribeRq>`));
      expect(same.status).to.equal(200);
      const second = await post(instanceUrl, envelope('1.1', `<as:SubscribeRq xmlns:as="${ASAP}"><as:ObserverKey>http://other.example/observer</as:ObserverKey></as:SubscribeRq>`));
      expect(faultOf(second.body).message).to.match(/already reports to observer http:\/\/observer\.example\/wfxml\/observer; Interflow keeps one observer per instance/);
      expect(text(second.body, 'ErrorCode')).to.equal('302');
      const stranger = await post(instanceUrl, envelope('1.1', `<as:UnsubscribeRq xmlns:as="${ASAP}"><as:ObserverKey>http://other.example/observer</as:ObserverKey></as:UnsubscribeRq>`));
      expect(stranger.status).to.equal(200);
    });
  });

  describe('definitions (Wf-XML GetDefinition / SetDefinition)', () => {
    it('GetDefinition returns the process as an XPDL 2.1 package, with the local subprocess it calls', async () => {
      const res = await post(factoryUrl, envelope('1.1', `<wfxml:GetDefinitionRq xmlns:wfxml="${WFXML}"><wfxml:ProcessLanguage>XPDL</wfxml:ProcessLanguage></wfxml:GetDefinitionRq>`));
      expect(res.status).to.equal(200);
      const body = bodyOf(res.body);
      const xpdl = /<wfxml:Definition>([\s\S]*)<\/wfxml:Definition>/.exec(body)![1];
      expect(xpdl).to.contain('http://www.wfmc.org/2008/XPDL2.1');
      const pkg = importXpdl(xpdl);
      expect(pkg.processes.map((p) => p.id).sort()).to.deep.equal(['archive_case', 'building_permit']);
    });

    it('GetDefinition in another process language is refused', async () => {
      const res = await post(factoryUrl, envelope('1.1', `<wfxml:GetDefinitionRq xmlns:wfxml="${WFXML}"><wfxml:ProcessLanguage>BPEL</wfxml:ProcessLanguage></wfxml:GetDefinitionRq>`));
      expect(faultOf(res.body).message).to.match(/ProcessLanguage "BPEL" is not supported/);
    });

    it('SetDefinition with the package inline deploys it; identical content is not deployed twice', async () => {
      const xpdl = readFileSync(PERMIT_XPDL, 'utf8').replace(/^<\?xml[^?]*\?>\s*/, '');
      const res = await post(factoryUrl, envelope('1.1', `<wfxml:SetDefinitionRq xmlns:wfxml="${WFXML}"><wfxml:ProcessLanguage>XPDL</wfxml:ProcessLanguage><wfxml:Definition>${xpdl}</wfxml:Definition></wfxml:SetDefinitionRq>`));
      expect(res.status, res.body).to.equal(200);
      const body = bodyOf(res.body);
      expect(text(body, 'Version')).to.equal('1');
      expect(text(body, 'Created')).to.equal('false');
    });

    it('SetDefinition with the package as CDATA text deploys a new process, whose factory then answers', async () => {
      const xpdl = readFileSync(resolve(SAMPLES, 'document_approval.xpdl'), 'utf8');
      const url = `${t.url}/wfxml/factory/document_approval`;
      const res = await post(url, envelope('1.2', `<wfxml:SetDefinitionRq xmlns:wfxml="${WFXML}"><wfxml:Definition><![CDATA[${xpdl}]]></wfxml:Definition></wfxml:SetDefinitionRq>`), { 'Content-Type': contentType('1.2') });
      expect(res.status, res.body).to.equal(200);
      expect(text(bodyOf(res.body), 'Created')).to.equal('true');
      const props = await post(url, envelope('1.1', `<as:GetPropertiesRq xmlns:as="${ASAP}"/>`));
      expect(text(bodyOf(props.body), 'Key')).to.equal(url);
    });

    it('SetDefinition of a package without the factory\'s process is refused and deploys nothing', async () => {
      const before = (await t.engine.listDefinitions()).length;
      const xpdl = readFileSync(resolve(SAMPLES, 'document_approval.xpdl'), 'utf8').replace(/^<\?xml[^?]*\?>\s*/, '');
      const res = await post(factoryUrl, envelope('1.1', `<wfxml:SetDefinitionRq xmlns:wfxml="${WFXML}"><wfxml:Definition>${xpdl}</wfxml:Definition></wfxml:SetDefinitionRq>`));
      const fault = faultOf(res.body);
      expect(fault.code).to.equal('soap:Client');
      expect(fault.message).to.match(/factory of process "building_permit", but the package .* defines "document_approval"/);
      expect((await t.engine.listDefinitions()).length).to.equal(before);
    });

    it('SetDefinition of XPDL the importer refuses is a Client fault naming the problem', async () => {
      const res = await post(factoryUrl, envelope('1.1', `<wfxml:SetDefinitionRq xmlns:wfxml="${WFXML}"><wfxml:Definition><Package xmlns="http://www.wfmc.org/2008/XPDL2.1"/></wfxml:Definition></wfxml:SetDefinitionRq>`));
      const fault = faultOf(res.body);
      expect(fault.code).to.equal('soap:Client');
      expect(fault.message).to.match(/Package/);
      expect(text(res.body, 'ErrorCode')).to.equal('202');
    });
  });

  describe('every reply is valid against the published schemas', () => {
    it('Factory, Instance replies and an ASAP fault validate against asap.xsd / wfxml.xsd', async () => {
      const inst = await t.engine.startProcess('building_permit', { data: { caseRef: 'BP-XSD', inspections: '3' }, subject: 'x', observer: 'http://o.example/obs' });
      const instanceUrl = `${t.url}/wfxml/instance/${inst.id}`;
      const asapReplies: Array<[string, string]> = [
        [factoryUrl, `<as:GetPropertiesRq xmlns:as="${ASAP}"/>`],
        [factoryUrl, `<as:CreateInstanceRq xmlns:as="${ASAP}"><as:StartImmediately>true</as:StartImmediately><as:ContextData/></as:CreateInstanceRq>`],
        [factoryUrl, `<as:ListInstancesRq xmlns:as="${ASAP}"/>`],
        [instanceUrl, `<as:GetPropertiesRq xmlns:as="${ASAP}"/>`],
        [instanceUrl, `<as:SetPropertiesRq xmlns:as="${ASAP}"><as:ContextData><notifyEmail>1</notifyEmail></as:ContextData></as:SetPropertiesRq>`],
        [instanceUrl, `<as:ChangeStateRq xmlns:as="${ASAP}"><as:State>open.notrunning.suspended</as:State></as:ChangeStateRq>`],
        [instanceUrl, `<as:SubscribeRq xmlns:as="${ASAP}"><as:ObserverKey>http://o.example/obs</as:ObserverKey></as:SubscribeRq>`],
        [instanceUrl, `<as:UnsubscribeRq xmlns:as="${ASAP}"><as:ObserverKey>http://x.example/</as:ObserverKey></as:UnsubscribeRq>`],
      ];
      for (const [url, rq] of asapReplies) {
        const res = await post(url, envelope('1.1', rq, asRequestHeader(url, '<as:SenderKey>http://client.example/</as:SenderKey>')));
        expect(res.status, res.body).to.equal(200);
        validate(bodyOf(res.body), 'asap.xsd');
        validate(headerOf(res.body), 'asap.xsd');
      }
      const definition = await post(factoryUrl, envelope('1.1', `<wfxml:GetDefinitionRq xmlns:wfxml="${WFXML}"/>`));
      validate(bodyOf(definition.body), 'wfxml.xsd');
      const xpdl = readFileSync(PERMIT_XPDL, 'utf8').replace(/^<\?xml[^?]*\?>\s*/, '');
      const set = await post(factoryUrl, envelope('1.1', `<wfxml:SetDefinitionRq xmlns:wfxml="${WFXML}"><wfxml:Definition>${xpdl}</wfxml:Definition></wfxml:SetDefinitionRq>`));
      validate(bodyOf(set.body), 'wfxml.xsd');

      const fault = await post(instanceUrl, envelope('1.1', `<as:ChangeStateRq xmlns:as="${ASAP}"><as:State>closed.completed</as:State></as:ChangeStateRq>`));
      const asFault = /<as:Fault [\s\S]*<\/as:Fault>/.exec(fault.body)![0];
      validate(asFault, 'asap.xsd');
    });
  });
});

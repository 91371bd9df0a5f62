import { expect } from 'chai';
import pino from 'pino';
import type { DataField, ProcessDefinition } from '../../../src/engine';
import { createInstanceRequest, ObserverDispatcher, postAsap, subprocessObserverKey, wfxmlServices, type WfxmlTrust } from '../../../src/services/wfxml';
import { ReplayCache } from '../../../src/transfer/signing';
import { activity, end, flow, manual, pkg, process, start } from '../../support/definition-builder';
import { envelope, post, startTestServer, type TestServer } from '../support';
import { makeDepartments, type Departments } from '../../transfer/signing/helpers';
import { children, elements, FIDELITY_VALUES, fieldOf, readXml, textOfElement, wireText } from '../text-fidelity';
import { ASAP, startSecondWfxmlServer, startWfxmlServer } from './wfxml-support';

const KEYS = Object.keys(FIDELITY_VALUES);
const expected = Object.fromEntries(KEYS.map((k) => [fieldOf(k), FIDELITY_VALUES[k]]));
const reversed = Object.fromEntries(KEYS.map((k, i) => [fieldOf(k), FIDELITY_VALUES[KEYS[KEYS.length - 1 - i]]]));

/** The remote side: each value comes in, is edited by hand, and goes back as the result. */
const remoteFields: DataField[] = KEYS.map((k) => ({ id: fieldOf(k), type: 'STRING', mode: 'INOUT' }));
const inspection: ProcessDefinition = process('inspection', {
  fields: remoteFields,
  activities: [start(), manual('inspect', 'inspector', { updates: remoteFields.map((f) => f.id) }), end()],
  transitions: [flow('start', 'inspect'), flow('inspect', 'end')],
});

/** The calling side: its values go out as ContextData and the result comes back into r_… fields. */
function permit(remoteFactory: string): ProcessDefinition {
  return process('permit', {
    fields: KEYS.flatMap((k) => [{ id: fieldOf(k), type: 'STRING' as const }, { id: `r_${k}`, type: 'STRING' as const }]),
    activities: [
      start(),
      activity('inspect_remotely', 'remote-subprocess', {
        subprocess: {
          processId: 'inspection',
          remoteRef: remoteFactory,
          execution: 'sync',
          parameters: KEYS.flatMap((k) => [
            { formal: fieldOf(k), actual: fieldOf(k), direction: 'IN' as const },
            { formal: fieldOf(k), actual: `r_${k}`, direction: 'OUT' as const },
          ]),
        },
      }),
      manual('decide', 'clerk'),
      end(),
    ],
    transitions: [flow('start', 'inspect_remotely'), flow('inspect_remotely', 'decide'), flow('decide', 'end')],
  });
}

const contextData = (values: Record<string, string>) => Object.entries(values).map(([k, v]) => `<${fieldOf(k)}>${wireText(v)}</${fieldOf(k)}>`).join('');

/** A ContextData or ResultData element's values by field, read by a parser that is not Interflow's. */
function valuesOf(body: string, element: 'ContextData' | 'ResultData'): Record<string, string> {
  const [data] = elements(readXml(body), element);
  return Object.fromEntries(children(data).map((c) => [c.localName, textOfElement(c)]));
}

/**
 * The audit after the transfer readers trimmed data values: every Wf-XML path that carries case
 * data, over real HTTP on loopback — CreateInstance's ContextData, GetProperties and SetProperties,
 * the CreateInstance Interflow sends for a remote subprocess and the Completed it is answered
 * with — with values a trimming, normalising or half-decoding reader or writer would change.
 */
describe('Wf-XML carries data values exactly (spaces, tabs, CR/CRLF, references, non-BMP, markup)', function () {
  this.timeout(30_000);
  let remote: TestServer;
  let caller: TestServer;

  before(async () => {
    remote = await startWfxmlServer();
    caller = await startSecondWfxmlServer(remote);
    await remote.engine.deploy(pkg(inspection));
    await caller.engine.deploy(pkg(permit(`${remote.url}/wfxml/factory/inspection`)));
  });
  after(async () => {
    await caller.close();
    await remote.close();
  });

  const factoryUrl = () => `${remote.url}/wfxml/factory/inspection`;

  async function createInstance(extra = '', values: Record<string, string> = FIDELITY_VALUES): Promise<string> {
    const res = await post(factoryUrl(), envelope('1.1', `<as:CreateInstanceRq xmlns:as="${ASAP}"><as:StartImmediately>true</as:StartImmediately>${extra}<as:ContextData>${contextData(values)}</as:ContextData></as:CreateInstanceRq>`));
    expect(res.status, res.body).to.equal(200);
    return textOfElement(elements(readXml(res.body), 'InstanceKey')[0]).split('/').pop()!;
  }

  it('CreateInstance stores every ContextData value exactly; an empty element is "" and xsi:nil is null', async () => {
    const id = await createInstance();
    expect((await remote.engine.getInstance(id)).data).to.deep.include(expected);
    const nil = await createInstance('', {});
    const res = await post(
      `${remote.url}/wfxml/instance/${nil}`,
      envelope('1.1', `<as:SetPropertiesRq xmlns:as="${ASAP}"><as:ContextData xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><f_empty/><f_spaces xsi:nil="true"/><f_tabs xsi:type="xsd:string" xmlns:xsd="http://www.w3.org/2001/XMLSchema">&#x9; x &#x9;</f_tabs></as:ContextData></as:SetPropertiesRq>`),
    );
    expect(res.status, res.body).to.equal(200);
    expect((await remote.engine.getInstance(nil)).data).to.deep.include({ f_empty: '', f_spaces: null, f_tabs: '\t x \t' });
  });

  it('GetProperties returns every ContextData and ResultData value exactly, as read by another parser', async () => {
    const id = await createInstance();
    const res = await post(`${remote.url}/wfxml/instance/${id}`, envelope('1.2', `<as:GetPropertiesRq xmlns:as="${ASAP}"/>`), { 'Content-Type': 'application/soap+xml; charset=utf-8' });
    expect(res.status, res.body).to.equal(200);
    expect(res.body, 'a carriage return written raw would be read as a line feed').not.to.contain('\r');
    expect(valuesOf(res.body, 'ContextData')).to.deep.equal(expected);
    expect(valuesOf(res.body, 'ResultData')).to.deep.equal(expected);
  });

  it('SetProperties stores every ContextData value exactly and its reply shows them', async () => {
    const id = await createInstance();
    const values = Object.fromEntries(KEYS.map((k) => [k, reversed[fieldOf(k)]]));
    const res = await post(`${remote.url}/wfxml/instance/${id}`, envelope('1.1', `<as:SetPropertiesRq xmlns:as="${ASAP}"><as:ContextData>\n  ${contextData(values)}\n</as:ContextData></as:SetPropertiesRq>`));
    expect(res.status, res.body).to.equal(200);
    expect((await remote.engine.getInstance(id)).data).to.deep.include(reversed);
    expect(valuesOf(res.body, 'ContextData')).to.deep.equal(reversed);
  });

  it('regression: CreateInstance trimmed the Subject (StartProcess keeps it as written); it is stored exactly, and GetProperties and ListInstances return it so', async () => {
    const subject = '  Permit\tfor <lot 12> & co\r\n 😀  ';
    const id = await createInstance(`<as:Subject>${wireText(subject)}</as:Subject>`);
    expect((await remote.engine.getInstance(id)).subject).to.equal(subject);
    const res = await post(`${remote.url}/wfxml/instance/${id}`, envelope('1.1', `<as:GetPropertiesRq xmlns:as="${ASAP}"/>`));
    expect(textOfElement(elements(readXml(res.body), 'Subject')[0])).to.equal(subject);
    const list = await post(factoryUrl(), envelope('1.1', `<as:ListInstancesRq xmlns:as="${ASAP}"/>`));
    const listed = elements(readXml(list.body), 'Instance').find((i) => textOfElement(children(i, 'InstanceKey')[0]).endsWith(`/${id}`))!;
    expect(textOfElement(children(listed, 'Subject')[0]), 'ListInstances too').to.equal(subject);
    const blank = await createInstance(`<as:Name>  Lot 12  </as:Name><as:Subject> \t </as:Subject>`);
    expect((await remote.engine.getInstance(blank)).subject, 'a blank Subject is none: the Name stands in, as written').to.equal('  Lot 12  ');
  });

  it('regression: SetProperties refused the Subject GetProperties had returned when it began or ended with spaces (it compared it trimmed)', async () => {
    const subject = '  Permit for lot 12\n';
    const inst = await remote.engine.startProcess('inspection', { data: {}, subject });
    const url = `${remote.url}/wfxml/instance/${inst.id}`;
    const got = await post(url, envelope('1.1', `<as:GetPropertiesRq xmlns:as="${ASAP}"/>`));
    const echoed = textOfElement(elements(readXml(got.body), 'Subject')[0]);
    expect(echoed).to.equal(subject);
    const res = await post(url, envelope('1.1', `<as:SetPropertiesRq xmlns:as="${ASAP}"><as:Subject>${wireText(echoed)}</as:Subject><as:ContextData><f_spaces>  changed  </f_spaces></as:ContextData></as:SetPropertiesRq>`));
    expect(res.status, res.body).to.equal(200);
    expect((await remote.engine.getInstance(inst.id)).data.f_spaces).to.equal('  changed  ');
    const changed = await post(url, envelope('1.1', `<as:SetPropertiesRq xmlns:as="${ASAP}"><as:Subject>Permit for lot 12</as:Subject></as:SetPropertiesRq>`));
    expect(changed.status, 'another subject is still refused').to.equal(500);
    expect(changed.body).to.contain('the subject is set when the instance is created and cannot change');
  });

  it('a remote subprocess: the CreateInstance Interflow sends and the Completed it gets back carry every value exactly', async () => {
    const parent = await caller.engine.startProcess('permit', { data: expected });
    const [call] = await caller.engine.outbox({ instanceId: parent.id });
    expect(call.kind).to.equal('remote-subprocess');
    const observerKey = subprocessObserverKey(caller.url, { instanceId: parent.id, messageId: call.id });
    const reply = await postAsap(createInstanceRequest({ factoryKey: call.destination, observerKey, data: call.kind === 'remote-subprocess' ? call.payload.data : {} }));
    const childId = (reply.body as { InstanceKey: string }).InstanceKey.split('/').pop()!;
    expect((await remote.engine.getInstance(childId)).data).to.deep.include(expected);

    const [item] = await remote.engine.worklist({ instanceId: childId });
    await remote.engine.completeWorkItem(item.id, { data: reversed });
    const sent: string[] = [];
    const capture: typeof fetch = async (url, init) => {
      sent.push(String(init?.body));
      return fetch(url, init);
    };
    const report = await new ObserverDispatcher({ engine: remote.engine, baseUrl: remote.url, log: pino({ level: 'silent' }), fetch: capture }).runOnce();
    expect(report).to.deep.include({ sent: 1, dead: 0 });
    expect(valuesOf(sent[0], 'ResultData')).to.deep.equal(reversed);
    const after = (await caller.engine.getInstance(parent.id)).data;
    expect(Object.fromEntries(KEYS.map((k) => [fieldOf(k), after[`r_${k}`]]))).to.deep.equal(reversed);
  });
});

/**
 * Calls between department engines are signed (src/transfer/signing's signEnvelope) and read from
 * their verified parts: the same values over a signed CreateInstance, real HTTP on loopback.
 */
describe('Wf-XML between departments (signed) carries data values exactly', function () {
  this.timeout(60_000);
  let departments: Departments;
  let zone: TestServer;

  before(async () => {
    departments = await makeDepartments();
    zone = await startTestServer();
    const trust: WfxmlTrust = {
      department: 'ZONE',
      identity: departments.zone,
      certificateFor: async (department) => departments.trustStore.get(department),
      replayCache: new ReplayCache(),
      endpoints: { ownerOf: async () => undefined, publishes: async () => false },
    };
    for (const def of wfxmlServices(zone.engine, { trust })) zone.server.mount(def);
    await zone.engine.deploy(pkg(inspection));
  });
  after(async () => {
    await zone?.close();
    departments?.cleanup();
  });

  it('regression: a signed call turned U+0085 and U+2028 in values into line feeds (the signer parsed the envelope as XML 1.1 reads line ends); a signed CreateInstance stores every value exactly', async () => {
    const request = createInstanceRequest({ factoryKey: `${zone.url}/wfxml/factory/inspection`, data: expected });
    const sent: string[] = [];
    const capture: typeof fetch = async (url, init) => {
      sent.push(String(init?.body));
      return fetch(url, init);
    };
    const reply = await postAsap(request, { signing: { identity: departments.plan, receiver: 'ZONE' }, fetch: capture });
    expect(sent[0]).to.contain('<wsse:Security');
    const id = (reply.body as { InstanceKey: string }).InstanceKey.split('/').pop()!;
    const inst = await zone.engine.getInstance(id);
    expect(inst.data).to.deep.include(expected);
  });
});

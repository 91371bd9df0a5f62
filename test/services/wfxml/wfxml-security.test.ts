import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { buildUsernameTokenHeader, createAuthenticator, parseSecurityConfig } from '../../../src/services/security';
import { wfxmlServices } from '../../../src/services/wfxml';
import { envelope, faultOf, post, startTestServer, type TestServer } from '../support';
import { ASAP, PERMIT_XPDL, WFXML, bodyOf, deployPermit, text } from './wfxml-support';

const CLERK = { username: 'clerk-system', password: 'clerk-secret-0123456789' };
const READER = { username: 'reader', password: 'reader-secret-0123456789' };
const OPS = { username: 'ops', password: 'admin-secret-9876543210' };

/** The Wf-XML resources behind the security module: the same permissions as ProcessService. */
describe('Wf-XML services with caller authentication and permissions', () => {
  let t: TestServer;
  let factory: string;

  before(async () => {
    const config = parseSecurityConfig(
      {
        services: { wfxml: 'wss', '*': 'wss' },
        users: [
          { ...CLERK, start: ['building_permit'], participants: ['clerk'], admin: false },
          { ...READER, start: [], participants: [], admin: false },
          { ...OPS, start: ['*'], participants: ['*'], admin: true },
        ],
      },
      { source: 'test-users.json' },
    );
    t = await startTestServer({ security: createAuthenticator(config) });
    for (const def of wfxmlServices(t.engine)) t.server.mount(def);
    await deployPermit(t);
    factory = `${t.url}/wfxml/factory/building_permit`;
  });
  after(async () => t.close());

  const as = (user: { username: string; password: string } | undefined, url: string, body: string) =>
    post(url, envelope('1.1', body, user ? buildUsernameTokenHeader(user.username, user.password) : ''));
  const create = `<as:CreateInstanceRq xmlns:as="${ASAP}"><as:StartImmediately>true</as:StartImmediately><as:ContextData><caseRef>SEC-1</caseRef></as:ContextData></as:CreateInstanceRq>`;
  const suspend = `<as:ChangeStateRq xmlns:as="${ASAP}"><as:State>open.notrunning.suspended</as:State></as:ChangeStateRq>`;

  it('refuses a caller without credentials', async () => {
    const res = await as(undefined, factory, create);
    expect(faultOf(res.body).detailCode).to.equal('UNAUTHENTICATED');
    expect((await t.engine.listInstances({})).total).to.equal(0);
  });

  it('CreateInstance needs the process in the caller\'s start list; the caller is the actor in the history', async () => {
    const refused = await as(READER, factory, create);
    const fault = faultOf(refused.body);
    expect(fault.code).to.equal('soap:Client');
    expect(fault.detailCode).to.equal('FORBIDDEN');
    expect(fault.message).to.match(/user "reader" may not start process "building_permit"/);
    expect(text(refused.body, 'ErrorCode')).to.equal('102');

    const ok = await as(CLERK, factory, create);
    expect(ok.status, ok.body).to.equal(200);
    const id = text(bodyOf(ok.body), 'InstanceKey')!.split('/').pop()!;
    const created = (await t.engine.history(id)).find((h) => h.type === 'instance.created');
    expect(created?.actor).to.equal('clerk-system');
  });

  it('outside a federation only an administrator may name an ObserverKey: a clerk\'s is refused and nothing is created', async () => {
    const withObserver = (key: string) =>
      `<as:CreateInstanceRq xmlns:as="${ASAP}"><as:StartImmediately>true</as:StartImmediately><as:ObserverKey>${key}</as:ObserverKey><as:ContextData><caseRef>SEC-OBS</caseRef></as:ContextData></as:CreateInstanceRq>`;
    const before = (await t.engine.listInstances({})).total;
    const refused = await as(CLERK, factory, withObserver('http://127.0.0.1:9/collect'));
    const fault = faultOf(refused.body);
    expect(fault.detailCode).to.equal('FORBIDDEN');
    expect(fault.message).to.match(/^not authorised: user "clerk-system" may not name an ObserverKey: outside a federation only an administrator may/);
    expect(text(refused.body, 'ErrorCode')).to.equal('102');
    expect((await t.engine.listInstances({})).total).to.equal(before);
    const ok = await as(OPS, factory, withObserver('http://observer.example/wfxml/observer'));
    expect(ok.status, ok.body).to.equal(200);
  });

  it('outside a federation a clerk\'s CompletedRq to a correlated observer key is refused as not authorised', async () => {
    const res = await as(CLERK, `${t.url}/wfxml/observer/some-case/00000000-0000-4000-8000-000000000000`, `<as:CompletedRq xmlns:as="${ASAP}"><as:InstanceKey>http://x.example/wfxml/instance/1</as:InstanceKey><as:ResultData/></as:CompletedRq>`);
    const fault = faultOf(res.body);
    expect(fault.detailCode).to.equal('FORBIDDEN');
    expect(fault.message).to.equal('not authorised: user "clerk-system" may not report the end of a remote subprocess; outside a federation only an administrator may');
  });

  it('ChangeState, SetProperties and SetDefinition need admin; reading does not', async () => {
    const inst = await t.engine.startProcess('building_permit', { data: { caseRef: 'SEC-2' } });
    const instance = `${t.url}/wfxml/instance/${inst.id}`;
    for (const [url, body] of [
      [instance, suspend],
      [instance, `<as:SetPropertiesRq xmlns:as="${ASAP}"><as:ContextData><notifySms>true</notifySms></as:ContextData></as:SetPropertiesRq>`],
      [factory, `<wfxml:SetDefinitionRq xmlns:wfxml="${WFXML}"><wfxml:Definition><![CDATA[${readFileSync(PERMIT_XPDL, 'utf8')}]]></wfxml:Definition></wfxml:SetDefinitionRq>`],
    ]) {
      const res = await as(CLERK, url, body);
      expect(faultOf(res.body).detailCode, body.slice(0, 40)).to.equal('FORBIDDEN');
    }
    expect((await as(CLERK, instance, `<as:GetPropertiesRq xmlns:as="${ASAP}"/>`)).status).to.equal(200);
    const ok = await as(OPS, instance, suspend);
    expect(text(bodyOf(ok.body), 'State')).to.equal('open.notrunning.suspended');
  });
});

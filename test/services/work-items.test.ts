import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import { buildUsernameTokenHeader, createAuthenticator, parseSecurityConfig } from '../../src/services/security';
import { importXpdl } from '../../src/xpdl';
import { bodyElement, schemaErrors } from './golden-support';
import { startLicenceDepartments, LICENCE_XPDL, type LicenceDepartments } from './licence-departments';
import { envelope, post, PS_NS, startTestServer, type TestServer } from './support';

const XSD = resolve(__dirname, '../../wsdl/process-service.xsd');
const CLERK = { username: 'market-clerk', password: 'clerk-secret-0123456789ab' };
const OUTSIDER = { username: 'tax-clerk', password: 'outsider-secret-0123456789' };

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => ['WorkItem', 'Update', 'Read', 'Value', 'AllowedValue', 'Instance'].includes(name),
});
type Node = Record<string, any>;

/** The Body's first element, parsed; the reply is checked against the published schema first. */
function reply(res: { status: number; body: string }, element: string): Node {
  expect(schemaErrors(XSD, bodyElement(res.body)), res.body).to.equal(undefined);
  return parser.parse(res.body).Envelope.Body[element] as Node;
}

/**
 * Issue 13: a work item says what it needs (its form: the fields to send with Required and allowed
 * values, the fields it shows, current values), GetWorkItem reads one, GetWorklist filters, and
 * required fields must be given — over real SOAP, every reply valid against process-service.xsd.
 */
describe('ProcessService work items: form, GetWorkItem, filters, required fields', function () {
  this.timeout(30_000);
  let srv: TestServer;
  const as = (user: { username: string; password: string }, body: string) => post(srv.endpoint, envelope('1.1', body, buildUsernameTokenHeader(user.username, user.password)));

  before(async () => {
    const config = parseSecurityConfig(
      {
        services: { '*': 'wss' },
        users: [
          { ...CLERK, start: ['*'], participants: ['market'], admin: false },
          { ...OUTSIDER, start: [], participants: ['tax'], admin: false },
        ],
      },
      { source: 'work-items-users.json' },
    );
    srv = await startTestServer({ security: createAuthenticator(config) });
    await srv.engine.deploy(importXpdl(readFileSync(LICENCE_XPDL, 'utf8')));
  });
  after(async () => srv.close());

  async function start(applicantId: string): Promise<string> {
    const res = await as(CLERK, `<StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>business_licence</ProcessDefinitionId><Data><Item><Name>applicantId</Name><Value>${applicantId}</Value></Item></Data></StartProcess>`);
    expect(res.status, res.body).to.equal(200);
    return reply(res, 'StartProcessResponse').ProcessInstanceId as string;
  }
  const worklist = async (filters: string) => {
    const res = await as(CLERK, `<GetWorklist xmlns="${PS_NS}">${filters}</GetWorklist>`);
    expect(res.status, res.body).to.equal(200);
    return (reply(res, 'GetWorklistResponse').WorkItem ?? []) as Node[];
  };

  it('GetWorklist items carry the form: Update fields with Required and current values, Read fields', async () => {
    const caseId = await start('F-1');
    const [item] = await worklist(`<ProcessInstanceId>${caseId}</ProcessInstanceId>`);
    expect(item).to.include({ ActivityId: 'receive_application', ProcessDefinitionId: 'business_licence', Participant: 'market' });
    expect(item.HomeDepartment).to.equal(undefined, "market's own case has no other home");
    expect(item.Form.Update.map((f: Node) => [f.Name, f.Label, f.Type, f.Required, f.Value])).to.deep.equal([
      ['businessName', 'Business name', 'STRING', 'true', ['']],
      ['address', 'Premises address', 'STRING', 'true', ['']],
    ]);
  });

  it('GetWorkItem returns one item with its form and current values of the fields it shows', async () => {
    const caseId = await start('F-2');
    const [received] = await worklist(`<ProcessInstanceId>${caseId}</ProcessInstanceId>`);
    await as(CLERK, `<CompleteWorkItem xmlns="${PS_NS}"><WorkItemId>${received.WorkItemId}</WorkItemId><Data><Item><Name>businessName</Name><Value>Corner Bakery</Value></Item><Item><Name>address</Name><Value>1 Main St</Value></Item></Data></CompleteWorkItem>`);
    const [review] = await worklist(`<ProcessInstanceId>${caseId}</ProcessInstanceId><ActivityId>review_application</ActivityId>`);
    const res = await as(CLERK, `<GetWorkItem xmlns="${PS_NS}"><WorkItemId>${review.WorkItemId}</WorkItemId></GetWorkItem>`);
    expect(res.status, res.body).to.equal(200);
    const [item] = reply(res, 'GetWorkItemResponse').WorkItem as Node[];
    expect(item).to.include({ WorkItemId: review.WorkItemId, ActivityId: 'review_application', State: 'open' });
    expect(item.Form.Update).to.deep.equal([{ Name: 'complete', Label: 'Application complete', Type: 'BOOLEAN', IsArray: 'false', Required: 'true', Value: ['false'] }]);
    expect(item.Form.Read).to.deep.equal([{ Name: 'businessName', Label: 'Business name', Type: 'STRING', IsArray: 'false', Value: ['Corner Bakery'] }]);
  });

  it('GetWorkItem answers its own WorkItemNotFound fault for an unknown item and for one not offered to the caller', async () => {
    const caseId = await start('F-3');
    const [item] = await worklist(`<ProcessInstanceId>${caseId}</ProcessInstanceId>`);
    for (const [user, id] of [[CLERK, 'no-such-item'], [OUTSIDER, item.WorkItemId]] as const) {
      const res = await as(user, `<GetWorkItem xmlns="${PS_NS}"><WorkItemId>${id}</WorkItemId></GetWorkItem>`);
      expect(res.status).to.equal(500);
      const fault = parser.parse(res.body).Envelope.Body.Fault as Node;
      expect(fault.faultcode).to.equal('soap:Client');
      expect(fault.detail.WorkItemNotFound).to.deep.equal({ WorkItemId: id, Message: `Work item "${id}" does not exist or is not offered to you` });
      expect(res.body, 'the two cases are not told apart').to.not.include('market');
    }
  });

  it('GetWorklist filters by case, activity and participant', async () => {
    const a = await start('F-4');
    const b = await start('F-5');
    expect((await worklist(`<ProcessInstanceId>${a}</ProcessInstanceId>`)).map((w) => w.ProcessInstanceId)).to.deep.equal([a]);
    expect((await worklist(`<Participant>market</Participant><ProcessInstanceId>${b}</ProcessInstanceId>`)).map((w) => w.ProcessInstanceId)).to.deep.equal([b]);
    expect(await worklist(`<Participant>fire</Participant><ProcessInstanceId>${b}</ProcessInstanceId>`)).to.deep.equal([]);
    expect(await worklist(`<ProcessInstanceId>${a}</ProcessInstanceId><ActivityId>approve</ActivityId>`)).to.deep.equal([]);
    const received = await worklist(`<ActivityId>receive_application</ActivityId>`);
    expect(received.map((w) => w.ProcessInstanceId)).to.include.members([a, b]);
    expect(received.every((w) => w.ActivityId === 'receive_application')).to.equal(true);
  });

  it('refuses to complete without the required fields, naming each, and changes nothing', async () => {
    const caseId = await start('F-6');
    const [item] = await worklist(`<ProcessInstanceId>${caseId}</ProcessInstanceId>`);
    for (const data of ['', `<Item><Name>businessName</Name><Value>  </Value></Item>`]) {
      const res = await as(CLERK, `<CompleteWorkItem xmlns="${PS_NS}"><WorkItemId>${item.WorkItemId}</WorkItemId><Data>${data}</Data></CompleteWorkItem>`);
      expect(res.status).to.equal(500);
      const fault = parser.parse(res.body).Envelope.Body.Fault as Node;
      expect(fault.faultcode).to.equal('soap:Client');
      expect(fault.faultstring).to.match(/needs "businessName", "address": required fields of its form/);
      expect(fault.detail.FaultDetail.Code).to.equal('INVALID_DATA');
    }
    const partly = await as(CLERK, `<CompleteWorkItem xmlns="${PS_NS}"><WorkItemId>${item.WorkItemId}</WorkItemId><Data><Item><Name>businessName</Name><Value>Cafe</Value></Item></Data></CompleteWorkItem>`);
    expect(parser.parse(partly.body).Envelope.Body.Fault.faultstring).to.match(/needs "address": a required field/);
    const [still] = await worklist(`<ProcessInstanceId>${caseId}</ProcessInstanceId>`);
    expect(still.WorkItemId).to.equal(item.WorkItemId, 'the item is still open');
    expect(still.Form.Update[0].Value).to.deep.equal([''], 'nothing was written');
    const done = await as(CLERK, `<CompleteWorkItem xmlns="${PS_NS}"><WorkItemId>${item.WorkItemId}</WorkItemId><Data><Item><Name>businessName</Name><Value>Cafe</Value></Item><Item><Name>address</Name><Value>2 High St</Value></Item></Data></CompleteWorkItem>`);
    expect(done.status, done.body).to.equal(200);
  });
});

describe('ProcessService at a performing department: home department and home case', function () {
  this.timeout(30_000);
  let d: LicenceDepartments;
  before(async () => {
    d = await startLicenceDepartments();
  });
  after(async () => d.close());
  const call = (body: string) => post(d.fireEndpoint, envelope('1.1', body));

  it("fire's work item and instance name market and market's case as elements; GetWorklist and ListProcessInstances filter by them", async () => {
    const one = await d.handOverToFire('H-1');
    const two = await d.handOverToFire('H-2');

    const list = await call(`<GetWorklist xmlns="${PS_NS}"><HomeProcessInstanceId>${one.caseId}</HomeProcessInstanceId></GetWorklist>`);
    const items = (reply(list, 'GetWorklistResponse').WorkItem ?? []) as Node[];
    expect(items.map((w) => [w.ActivityId, w.ProcessInstanceId, w.HomeDepartment, w.HomeProcessInstanceId, w.ProcessDefinitionId])).to.deep.equal([
      ['visit_premises', one.performingId, 'market', one.caseId, 'fire_inspection'],
    ]);
    expect(items[0].Form.Update.map((f: Node) => [f.Name, f.Required])).to.deep.equal([['premisesSafe', 'true']]);
    expect(items[0].Form.Read.map((f: Node) => [f.Name, f.Value])).to.deep.equal([['address', ['2 High St']]]);

    const byDepartment = (reply(await call(`<GetWorklist xmlns="${PS_NS}"><HomeDepartment>market</HomeDepartment></GetWorklist>`), 'GetWorklistResponse').WorkItem ?? []) as Node[];
    expect(byDepartment.map((w) => w.HomeProcessInstanceId)).to.have.members([one.caseId, two.caseId]);
    expect(reply(await call(`<GetWorklist xmlns="${PS_NS}"><HomeDepartment>tax</HomeDepartment></GetWorklist>`), 'GetWorklistResponse')).to.equal('');

    const instances = reply(await call(`<ListProcessInstances xmlns="${PS_NS}"><HomeProcessInstanceId>${two.caseId}</HomeProcessInstanceId></ListProcessInstances>`), 'ListProcessInstancesResponse');
    expect(instances.Total).to.equal('1');
    expect(instances.Instance.map((i: Node) => [i.ProcessInstanceId, i.HomeDepartment, i.HomeProcessInstanceId])).to.deep.equal([[two.performingId, 'market', two.caseId]]);
    const fromMarket = reply(await call(`<ListProcessInstances xmlns="${PS_NS}"><HomeDepartment>market</HomeDepartment></ListProcessInstances>`), 'ListProcessInstancesResponse');
    expect(fromMarket.Total).to.equal('2');

    const got = reply(await call(`<GetProcessInstance xmlns="${PS_NS}"><ProcessInstanceId>${one.performingId}</ProcessInstanceId></GetProcessInstance>`), 'GetProcessInstanceResponse');
    expect(got).to.include({ HomeDepartment: 'market', HomeProcessInstanceId: one.caseId });
  });
});

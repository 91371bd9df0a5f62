import { resolve } from 'node:path';
import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import { buildUsernameTokenHeader, createAuthenticator, parseSecurityConfig } from '../../src/services/security';
import { importXpdl } from '../../src/xpdl';
import { readFixture } from '../xpdl/xpdl-test-support';
import { bodyElement, schemaErrors } from './golden-support';
import { envelope, expectNoInternals, faultOf, post, PS_NS, startTestServer, type TestServer } from './support';

const XSD = resolve(__dirname, '../../wsdl/process-service.xsd');
const OFFICER = { username: 'grants-officer', password: 'officer-secret-0123456789ab' };

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => ['WorkItem', 'Update', 'Read', 'Value', 'AllowedValue'].includes(name),
});
type Node = Record<string, any>;

function reply(res: { status: number; body: string }, element: string): Node {
  expect(res.status, res.body).to.equal(200);
  expect(schemaErrors(XSD, bodyElement(res.body)), res.body).to.equal(undefined);
  return parser.parse(res.body).Envelope.Body[element] as Node;
}

/**
 * Issue 12: a human decision (a split whose branches are labels) taken by a legacy SOAP client
 * over real HTTP: the decision work item's form lists the labels as the allowed values of the
 * required field `@branch`; CompleteWorkItem with `@branch` sends the case down that branch.
 */
describe('ProcessService: a human decision over SOAP (@branch)', function () {
  this.timeout(30_000);
  let srv: TestServer;
  const as = (body: string) => post(srv.endpoint, envelope('1.1', body, buildUsernameTokenHeader(OFFICER.username, OFFICER.password)));
  const complete = (id: string, items: Array<[string, string]>) =>
    as(`<CompleteWorkItem xmlns="${PS_NS}"><WorkItemId>${id}</WorkItemId><Data>${items.map(([n, v]) => `<Item><Name>${n}</Name><Value>${v}</Value></Item>`).join('')}</Data></CompleteWorkItem>`);
  const worklist = async (caseId: string): Promise<Node[]> =>
    (reply(await as(`<GetWorklist xmlns="${PS_NS}"><ProcessInstanceId>${caseId}</ProcessInstanceId></GetWorklist>`), 'GetWorklistResponse').WorkItem ?? []) as Node[];

  before(async () => {
    const config = parseSecurityConfig(
      { services: { '*': 'wss' }, users: [{ ...OFFICER, start: ['*'], participants: ['officer'], admin: false }] },
      { source: 'decision-users.json' },
    );
    srv = await startTestServer({ security: createAuthenticator(config) });
    await srv.engine.deploy(importXpdl(readFixture('unconditional-choice.xpdl')));
  });
  after(async () => srv.close());

  /** Starts a case and completes its first task: the decision is then open. */
  async function atDecision(): Promise<{ caseId: string; item: Node }> {
    const started = reply(await as(`<StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>grant</ProcessDefinitionId><Data/></StartProcess>`), 'StartProcessResponse');
    const caseId = started.ProcessInstanceId as string;
    const [review] = await worklist(caseId);
    expect(review.ActivityId).to.equal('review');
    reply(await complete(review.WorkItemId, []), 'CompleteWorkItemResponse');
    const [item] = await worklist(caseId);
    return { caseId, item };
  }

  const BRANCH_FORM = {
    Name: '@branch',
    Label: 'Branch',
    Type: 'STRING',
    IsArray: 'false',
    Required: 'true',
    Description: 'Choose the branch to take after "Complete?": a label (any case) or the transition Id',
    AllowedValue: ['Yes, complete', 'Ask for missing papers'],
  };

  it('GetWorklist and GetWorkItem show the decision with @branch as a required field whose allowed values are the labels', async () => {
    const { item } = await atDecision();
    expect(item).to.include({ ActivityId: 'gw', ActivityName: 'Complete?: choose Yes, complete | Ask for missing papers', Participant: 'officer', State: 'open' });
    expect(item.Form.Update).to.deep.equal([BRANCH_FORM]);
    expect(item.Form.Read).to.equal(undefined);
    const [one] = reply(await as(`<GetWorkItem xmlns="${PS_NS}"><WorkItemId>${item.WorkItemId}</WorkItemId></GetWorkItem>`), 'GetWorkItemResponse').WorkItem as Node[];
    expect(one.Form.Update).to.deep.equal([BRANCH_FORM]);
  });

  it('refuses a completion without @branch, or with a label that is not offered, with a Client fault listing the labels', async () => {
    const { item } = await atDecision();
    const none = await complete(item.WorkItemId, []);
    expect(none.status).to.equal(500);
    expect(faultOf(none.body).code).to.match(/Client/);
    expect(faultOf(none.body).message).to.match(/is a decision: complete it with the data item "@branch" set to one of "Yes, complete", "Ask for missing papers"/);
    expectNoInternals(none.body);
    const wrong = await complete(item.WorkItemId, [['@branch', 'Maybe']]);
    expect(faultOf(wrong.body).message).to.match(/"Maybe" is not a branch here/);
    const [still] = await worklist(item.ProcessInstanceId);
    expect(still.WorkItemId).to.equal(item.WorkItemId, 'the decision is still open');
  });

  for (const [label, activity] of [['Yes, complete', 'award'], ['Ask for missing papers', 'ask']] as const) {
    it(`CompleteWorkItem with @branch "${label}" takes that branch and the case runs to its end`, async () => {
      const { caseId, item } = await atDecision();
      const after = reply(await complete(item.WorkItemId, [['@branch', label]]), 'CompleteWorkItemResponse');
      expect(after.State).to.equal('open.running');
      const [next] = await worklist(caseId);
      expect(next.ActivityId).to.equal(activity);
      const done = reply(await complete(next.WorkItemId, []), 'CompleteWorkItemResponse');
      expect(done.State).to.equal('closed.completed');
      const made = (await srv.engine.history(caseId)).find((h) => h.type === 'decision.made');
      expect(made).to.include({ activityId: 'gw' });
      expect((made?.detail as { labels: string[] }).labels).to.deep.equal([label]);
    });
  }
});

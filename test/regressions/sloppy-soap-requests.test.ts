import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { importXpdl } from '../../src/xpdl';
import { wfxmlServices } from '../../src/services/wfxml';
import { call, expectNoInternals, faultOf, PS_NS, startTestServer, type TestServer } from '../services/support';

const SCENARIO = readFileSync(resolve(__dirname, '../golden/process-service/scenario.xpdl'), 'utf8');
const ASAP = 'http://www.oasis-open.org/asap/0.9/asap.xsd';

/**
 * Issue 13: sloppy requests from legacy clients were silently accepted — `<ps:Items>` started a
 * case with an empty applicant, `<ps:Priority>` was ignored, CompleteWorkItem without `<Data>`
 * completed the item, and booleans took yes/no. Each is now a Client fault naming the element and
 * what was expected, in SOAP 1.1 and 1.2, and nothing is created or changed.
 */
describe('regression: sloppy SOAP requests are refused by the published schema (issue 13)', () => {
  let srv: TestServer;
  let workItemId: string;

  before(async () => {
    srv = await startTestServer();
    for (const def of wfxmlServices(srv.engine)) srv.server.mount(def);
    await srv.engine.deploy(importXpdl(SCENARIO), { source: SCENARIO });
    const inst = await srv.engine.startProcess('golden_review', { data: { caseRef: 'R-1' } });
    workItemId = inst.workItems[0].id;
  });
  after(async () => srv.close());

  const instances = async () => (await srv.engine.listInstances({})).total;
  const start = (data: string, extra = '') =>
    `<ps:StartProcess xmlns:ps="${PS_NS}"><ps:ProcessDefinitionId>golden_review</ps:ProcessDefinitionId><ps:Data>${data}</ps:Data>${extra}</ps:StartProcess>`;

  async function refused(version: '1.1' | '1.2', body: string, message: string, endpoint = srv.endpoint): Promise<void> {
    const before = await instances();
    const res = await call(endpoint, version, body);
    expect(res.status).to.equal(version === '1.1' ? 500 : 400);
    const fault = faultOf(res.body);
    expect(fault.code).to.equal(version === '1.1' ? 'soap:Client' : 'soap:Sender');
    expect(fault.message).to.equal(message);
    expectNoInternals(res.body);
    expect(await instances(), 'nothing was created').to.equal(before);
  }

  for (const version of ['1.1', '1.2'] as const) {
    describe(`SOAP ${version}`, () => {
      it('<ps:Items> instead of <ps:Item> names the element and what Data holds', async () => {
        await refused(version, start('<ps:Items><ps:Name>caseRef</ps:Name><ps:Value>A-1001</ps:Value></ps:Items>'), 'StartProcess/Data/Items: unexpected element; expected one of: Item');
      });

      it('an unknown <ps:Priority> is refused, naming the elements StartProcess has', async () => {
        await refused(version, start('', '<ps:Priority>high</ps:Priority>'), 'StartProcess/Priority: unexpected element; expected one of: ProcessDefinitionId, Subject, Data, ClientKey');
      });

      it('a misspelled <Valu> in the second Item is named by its path', async () => {
        await refused(version, start('<ps:Item><ps:Name>caseRef</ps:Name><ps:Value>A</ps:Value></ps:Item><ps:Item><ps:Name>amount</ps:Name><ps:Valu>1</ps:Valu></ps:Item>'), 'StartProcess/Data/Item[2]/Valu: unexpected element; expected one of: Name, Value');
      });

      it('CompleteWorkItem without its required <Data> does not complete the item', async () => {
        await refused(version, `<CompleteWorkItem xmlns="${PS_NS}"><WorkItemId>${workItemId}</WorkItemId></CompleteWorkItem>`, 'CompleteWorkItem/Data: is missing; expected ps:DataList holding Item (any number)');
        expect((await srv.engine.getWorkItem(workItemId)).state).to.equal('open');
      });

      it('a BOOLEAN data field given "yes" is refused; the item stays open', async () => {
        const res = await call(srv.endpoint, version, `<CompleteWorkItem xmlns="${PS_NS}"><WorkItemId>${workItemId}</WorkItemId><Data><Item><Name>approved</Name><Value>yes</Value></Item></Data></CompleteWorkItem>`);
        expect(faultOf(res.body).message).to.equal('Data field "approved" is BOOLEAN: send true, false, 1 or 0 (xsd:boolean); "yes" is not one of them');
        expect((await srv.engine.getWorkItem(workItemId)).state).to.equal('open');
      });

      it('xsd:boolean StartImmediately "yes" at a Wf-XML factory is refused with the ASAP fault detail', async () => {
        const body = `<as:CreateInstanceRq xmlns:as="${ASAP}"><as:StartImmediately>yes</as:StartImmediately><as:ContextData><caseRef>W-1</caseRef></as:ContextData></as:CreateInstanceRq>`;
        await refused(version, body, 'CreateInstanceRq/StartImmediately: expected a boolean (xsd:boolean: true, false, 1 or 0); got "yes"', `${srv.url}/wfxml/factory/golden_review`);
        const res = await call(`${srv.url}/wfxml/factory/golden_review`, version, body);
        expect(res.body).to.contain('<as:ErrorCode>201</as:ErrorCode>');
      });
    });
  }

  // Mocha runs a suite's own tests before its nested suites; these come last (the last completes the item).
  describe('tolerances', () => {
    it('PHP SoapClient\'s false (an empty element) is refused with a message that says so', async () => {
      const body = `<as:CreateInstanceRq xmlns:as="${ASAP}"><as:StartImmediately></as:StartImmediately><as:ContextData/></as:CreateInstanceRq>`;
      await refused('1.1', body, 'CreateInstanceRq/StartImmediately: is empty; expected a boolean (xsd:boolean: true, false, 1 or 0) (PHP SoapClient sends PHP false as an empty element: pass "false" or 0)', `${srv.url}/wfxml/factory/golden_review`);
    });

    it('the tolerated forms still work: 1/0 and surrounding whitespace for booleans, a request element in any prefix, xsi:type attributes', async () => {
      const res = await call(srv.endpoint, '1.1', `<ps:CompleteWorkItem xmlns:ps="${PS_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><ps:WorkItemId xsi:type="xsd:string">${workItemId}</ps:WorkItemId><ps:Data><ps:Item><ps:Name>approved</ps:Name><ps:Value> 1 </ps:Value></ps:Item></ps:Data></ps:CompleteWorkItem>`);
      expect(res.status, res.body).to.equal(200);
      expect((await srv.engine.getWorkItem(workItemId)).state).to.equal('completed');
    });
  });
});

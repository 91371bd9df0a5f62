import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as soap from 'soap';
import { InstanceStates } from '../../src/engine';
import { startTestServer, type TestServer } from './support';

const PERMIT = readFileSync(resolve(__dirname, '../../examples/building-permit.xpdl'), 'utf8');

/** What each reviewer decides, so the case takes the approval path to its end. */
const DECISIONS: Record<string, Array<{ Name: string; Value: string }>> = {
  environment_review: [{ Name: 'envOk', Value: 'true' }],
  fire_review: [{ Name: 'fireOk', Value: 'true' }],
};

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

type Client = soap.Client & Record<string, (args: unknown) => Promise<[Record<string, unknown>, string, unknown, string]>>;

/**
 * A real SOAP toolkit (node-soap) generated from our ?wsdl drives a building-permit case from
 * deployment to closed.completed, once per SOAP version: the contract is proven by a client that
 * knows nothing but the WSDL.
 */
for (const version of ['1.1', '1.2'] as const) {
  describe(`ProcessService through a node-soap client (SOAP ${version})`, () => {
    let srv: TestServer;
    let client: Client;
    let lastRequest = '';
    let lastContentType = '';

    before(async () => {
      srv = await startTestServer();
      client = (await soap.createClientAsync(`${srv.endpoint}?wsdl`, version === '1.2' ? { forceSoap12Headers: true } : {})) as Client;
      client.on('request', (xml: string) => {
        lastRequest = xml;
      });
      client.on('response', (_body: string, response: { headers: Record<string, string> }) => {
        lastContentType = response.headers['content-type'];
      });
    });
    after(async () => srv.close());

    it('deploys, starts, works every item and reads the completed case', async () => {
      const [deployed] = await client.DeployDefinitionAsync({ Xpdl: PERMIT });
      const results = list(deployed.Deployed as Array<Record<string, unknown>>);
      expect(results.map((d) => d.ProcessDefinitionId).sort()).to.deep.equal(['archive_case', 'building_permit']);
      expect(results.every((d) => d.Created === true || d.Created === 'true')).to.equal(true);
      expect(lastRequest).to.contain(version === '1.1' ? 'http://schemas.xmlsoap.org/soap/envelope/' : 'http://www.w3.org/2003/05/soap-envelope');
      expect(lastContentType).to.match(version === '1.1' ? /^text\/xml/ : /^application\/soap\+xml/);

      const [started] = await client.StartProcessAsync({
        ProcessDefinitionId: 'building_permit',
        Subject: `Permit over SOAP ${version} <&>`,
        Data: { Item: [{ Name: 'caseRef', Value: 'BP-77' }, { Name: 'notifyEmail', Value: 'true' }, { Name: 'inspections', Value: '2' }] },
      });
      const caseId = started.ProcessInstanceId as string;
      expect(started.State).to.equal(InstanceStates.running);

      let state = started.State as string;
      const completed: string[] = [];
      for (let guard = 0; guard < 30 && state !== InstanceStates.completed; guard++) {
        const [worklist] = await client.GetWorklistAsync({});
        const items = list(worklist.WorkItem as Array<Record<string, string>>);
        expect(items, `open work while the case is ${state}`).to.not.be.empty;
        const item = items[0];
        await client.CompleteWorkItemAsync({ WorkItemId: item.WorkItemId, Data: { Item: DECISIONS[item.ActivityId] ?? [] } });
        completed.push(item.ActivityId);
        const [inst] = await client.GetProcessInstanceAsync({ ProcessInstanceId: caseId });
        state = inst.State as string;
      }
      expect(state).to.equal(InstanceStates.completed);
      expect(completed).to.include.members(['register', 'environment_review', 'fire_review', 'issue_permit', 'site_inspection']);

      const [inst] = await client.GetProcessInstanceAsync({ ProcessInstanceId: caseId });
      expect(inst).to.include({ ProcessInstanceId: caseId, ProcessDefinitionId: 'building_permit', State: InstanceStates.completed, Subject: `Permit over SOAP ${version} <&>` });
      const data = Object.fromEntries(list((inst.Data as { Item?: Array<{ Name: string; Value?: string }> }).Item).map((i) => [i.Name, i.Value]));
      expect(data).to.include({ caseRef: 'BP-77', envOk: 'true', fireOk: 'true', archiveId: 'ARC-BP-77', inspections: '2' });
      const events = list((inst.History as { Event?: Array<{ Type: string; At: unknown }> }).Event);
      expect(events.map((e) => e.Type)).to.include.members(['instance.created', 'workitem.completed']);
      expect(list((inst.OpenActivities as { Activity?: unknown[] } | undefined)?.Activity)).to.be.empty;

      const [page] = await client.ListProcessInstancesAsync({ ProcessDefinitionId: 'building_permit', State: InstanceStates.completed });
      expect(Number(page.Total)).to.equal(1);
      const [defs] = await client.ListProcessDefinitionsAsync({});
      expect(list(defs.Definition as Array<{ ProcessDefinitionId: string }>).map((d) => d.ProcessDefinitionId).sort()).to.deep.equal(['archive_case', 'building_permit']);
    });

    it('suspends, resumes and terminates a case, and reports an illegal change as a fault', async () => {
      const [started] = await client.StartProcessAsync({ ProcessDefinitionId: 'building_permit', Data: { Item: [{ Name: 'caseRef', Value: 'BP-78' }] } });
      const id = started.ProcessInstanceId;
      expect((await client.ChangeProcessInstanceStateAsync({ ProcessInstanceId: id, Action: 'suspend' }))[0].State).to.equal(InstanceStates.suspended);
      expect((await client.ChangeProcessInstanceStateAsync({ ProcessInstanceId: id, Action: 'resume' }))[0].State).to.equal(InstanceStates.running);
      expect((await client.ChangeProcessInstanceStateAsync({ ProcessInstanceId: id, Action: 'terminate' }))[0].State).to.equal(InstanceStates.terminated);
      const error = await client.ChangeProcessInstanceStateAsync({ ProcessInstanceId: id, Action: 'resume' }).then(() => undefined, (e: unknown) => e as { root?: unknown; message: string });
      expect(error, 'a fault').to.exist;
      expect(error!.message).to.match(version === '1.1' ? /soap:Client/ : /soap:Sender/);
    });
  });
}

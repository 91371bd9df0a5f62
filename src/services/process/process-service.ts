import { resolve } from 'node:path';
import { ALL_INSTANCE_STATES, NotFoundError, type InstanceRecord, type InstanceView, type WorkflowEngine } from '../../engine';
import { importXpdl, XpdlImportError } from '../../xpdl';
import { authorize, canActAs, filterByParticipant, type AuthorizedAction } from '../security';
import { clark, FieldReader, SoapFault, xml, optionalElement, type SoapContext, type SoapHandler, type SoapNode, type SoapServiceDefinition } from '../soap';
import { dataItems, readDataItems } from './data-items';

import { PROCESS_SERVICE_NS, PROCESS_SERVICE_PATH } from './namespace';
import { workItemNotFoundDetail, workItemXml } from './work-items';

export { PROCESS_SERVICE_NS, PROCESS_SERVICE_PATH };

const WSDL_DIR = resolve(__dirname, '..', '..', '..', 'wsdl');
const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;
const MAX_CLIENT_KEY = 255;

/**
 * ProcessService: the SOAP face of the engine for legacy systems. Each handler reads its request
 * with FieldReader (Client faults for missing or mistyped fields), calls the engine once, and
 * writes the response element; engine errors become faults in the SOAP layer.
 */
export function processService(engine: WorkflowEngine): SoapServiceDefinition {
  const ops: Record<string, (r: FieldReader, ctx: SoapContext) => Promise<string>> = {
    StartProcess: async (r, ctx) => {
      const processId = r.identifier('ProcessDefinitionId');
      allow(ctx, { kind: 'start', processId });
      const subject = r.optionalString('Subject');
      const data = readDataItems(r);
      const clientKey = optionalClientKey(r, 'StartProcess');
      const inst = await engine.startProcess(processId, { data, subject, actor: ctx.caller?.username, ...(clientKey !== undefined ? { clientKey } : {}) });
      return response('StartProcessResponse', xml`<ProcessInstanceId>${inst.id}</ProcessInstanceId><State>${inst.state}</State><Created>${String(!inst.existing)}</Created>`);
    },

    GetProcessInstance: async (r) => {
      const id = r.identifier('ProcessInstanceId');
      const inst = await engine.getInstance(id);
      const history = await engine.history(id);
      return response('GetProcessInstanceResponse', xml`<ProcessInstanceId>${inst.id}</ProcessInstanceId><ProcessDefinitionId>${inst.processId}</ProcessDefinitionId><Version>${inst.version}</Version><State>${inst.state}</State>${optionalElement('Subject', inst.subject)}${homeAndKey(inst)}<OpenActivities>${inst.openActivities.map(openActivity)}</OpenActivities><Data>${dataItems(inst.data)}</Data><History>${history.map(
        (h) => xml`<Event><At>${h.at}</At><Type>${h.type}</Type>${optionalElement('ActivityId', h.activityId)}${optionalElement('Actor', h.actor)}${optionalElement('Detail', h.detail && Object.keys(h.detail).length ? JSON.stringify(h.detail) : undefined)}</Event>`,
      )}</History>`);
    },

    ListProcessInstances: async (r) => {
      const page = await engine.listInstances({
        processId: r.optionalIdentifier('ProcessDefinitionId'),
        state: r.optionalEnum('State', ALL_INSTANCE_STATES),
        homeDepartment: r.optionalString('HomeDepartment'),
        homeInstanceId: r.optionalIdentifier('HomeProcessInstanceId'),
        clientKey: optionalClientKey(r, 'ListProcessInstances'),
        offset: r.optionalInteger('Offset', { min: 0 }) ?? 0,
        limit: r.optionalInteger('Limit', { min: 1, max: MAX_PAGE }) ?? DEFAULT_PAGE,
      });
      return response('ListProcessInstancesResponse', xml`<Total>${page.total}</Total>${page.items.map(
        (i) => xml`<Instance><ProcessInstanceId>${i.id}</ProcessInstanceId><ProcessDefinitionId>${i.processId}</ProcessDefinitionId><Version>${i.version}</Version><State>${i.state}</State><Created>${i.createdAt}</Created>${optionalElement('Subject', i.subject)}${homeAndKey(i)}</Instance>`,
      )}`);
    },

    ListProcessDefinitions: async () => {
      const defs = await engine.listDefinitions();
      return response('ListProcessDefinitionsResponse', xml`${defs.map(
        (d) => xml`<Definition><ProcessDefinitionId>${d.processId}</ProcessDefinitionId><Version>${d.version}</Version>${optionalElement('Name', d.name)}${optionalElement('PackageId', d.packageId)}<Deployed>${d.deployedAt}</Deployed></Definition>`,
      )}`);
    },

    DeployDefinition: async (r, ctx) => {
      const source = r.string('Xpdl');
      allow(ctx, { kind: 'administer', operation: 'DeployDefinition' });
      let pkg;
      try {
        pkg = importXpdl(source);
      } catch (e) {
        if (e instanceof XpdlImportError) throw new SoapFault('Client', e.message, 'INVALID_DEFINITION');
        throw e;
      }
      const results = await engine.deploy(pkg, { source, actor: ctx.caller?.username });
      const warnings = pkg.warnings.filter((w) => !handlerAlreadyRegistered(engine, w));
      return response('DeployDefinitionResponse', xml`${results.map(
        (d) => xml`<Deployed><ProcessDefinitionId>${d.processId}</ProcessDefinitionId><Version>${d.version}</Version><Created>${String(d.created)}</Created></Deployed>`,
      )}${warnings.map((w) => xml`<Warning>${w}</Warning>`)}`);
    },

    ChangeProcessInstanceState: async (r, ctx) => {
      const id = r.identifier('ProcessInstanceId');
      const action = r.enumeration('Action', ['suspend', 'resume', 'terminate'] as const);
      allow(ctx, { kind: 'administer', operation: 'ChangeProcessInstanceState' });
      const inst = await engine.changeState(id, action, ctx.caller?.username);
      return response('ChangeProcessInstanceStateResponse', xml`<State>${inst.state}</State>`);
    },

    RetryActivity: async (r, ctx) => {
      const id = r.string('ProcessInstanceId');
      const activityInstanceId = r.string('ActivityInstanceId');
      allow(ctx, { kind: 'administer', operation: 'RetryActivity' });
      const inst = await engine.retryActivity(id, activityInstanceId, ctx.caller?.username);
      return response('RetryActivityResponse', xml`<State>${inst.state}</State><OpenActivities>${inst.openActivities.map(openActivity)}</OpenActivities>`);
    },

    DeliverMessage: async (r, ctx) => {
      const id = r.string('ProcessInstanceId');
      const message = r.string('Message');
      allow(ctx, { kind: 'administer', operation: 'DeliverMessage' });
      const inst = await engine.deliverMessage(id, message, readDataItems(r), ctx.caller?.username);
      return response('DeliverMessageResponse', xml`<State>${inst.state}</State><OpenActivities>${inst.openActivities.map(openActivity)}</OpenActivities>`);
    },

    GetWorklist: async (r, ctx) => {
      const participants = r.strings('Participant').map((p) => p.trim()).filter((p) => p !== '');
      const all = await engine.worklist({
        ...(participants.length ? { participants } : {}),
        instanceId: r.optionalIdentifier('ProcessInstanceId'),
        activityId: r.optionalIdentifier('ActivityId'),
        homeDepartment: r.optionalString('HomeDepartment'),
        homeInstanceId: r.optionalIdentifier('HomeProcessInstanceId'),
      });
      const items = ctx.caller ? filterByParticipant(ctx.caller, all, (w) => w.participant) : all;
      const details = await engine.describeWorkItems(items);
      return response('GetWorklistResponse', xml`${details.map(workItemXml)}`);
    },

    GetWorkItem: async (r, ctx) => {
      const id = r.identifier('WorkItemId');
      // Not there and not offered to the caller get one answer: a worklist is not to be probed.
      const notFound = () =>
        new SoapFault('Client', `Work item "${id}" does not exist or is not offered to you; GetWorklist lists the items you may work`, 'NOT_FOUND', {
          detail: workItemNotFoundDetail(id, `Work item "${id}" does not exist or is not offered to you`),
        });
      const item = await engine.getWorkItem(id).catch((e: unknown) => {
        throw e instanceof NotFoundError ? notFound() : e;
      });
      if (ctx.caller && !canActAs(ctx.caller, item.participant)) throw notFound();
      const [details] = await engine.describeWorkItems([item]);
      return response('GetWorkItemResponse', workItemXml(details));
    },

    CompleteWorkItem: async (r, ctx) => {
      const id = r.identifier('WorkItemId');
      if (ctx.caller) allow(ctx, { kind: 'act-as', participant: (await engine.getWorkItem(id)).participant });
      const inst = await engine.completeWorkItem(id, { data: readDataItems(r), actor: ctx.caller?.username });
      return response('CompleteWorkItemResponse', xml`<State>${inst.state}</State>`);
    },
  };

  const operations: Record<string, SoapHandler> = {};
  for (const [name, op] of Object.entries(ops)) {
    operations[clark(PROCESS_SERVICE_NS, name)] = async (body: SoapNode, ctx: SoapContext) => ({ body: await op(FieldReader.of(body, name), ctx) });
  }
  return {
    name: 'ProcessService',
    path: PROCESS_SERVICE_PATH,
    wsdl: {
      file: resolve(WSDL_DIR, 'process-service.wsdl'),
      schemas: { 'process-service.xsd': resolve(WSDL_DIR, 'process-service.xsd') },
    },
    operations,
  };
}

/** ps:ClientKey: 1 to 255 characters (the column holding it is that wide). */
function optionalClientKey(r: FieldReader, operation: string): string | undefined {
  const key = r.optionalString('ClientKey');
  if (key === undefined) return undefined;
  const length = [...key].length;
  if (key.trim() === '' || length > MAX_CLIENT_KEY) {
    throw new SoapFault('Client', `${operation}/ClientKey: is ${key.trim() === '' ? 'empty' : `${length} characters long`}; expected 1 to ${MAX_CLIENT_KEY} characters (ps:ClientKey)`, 'INVALID_FIELD');
  }
  return key;
}

/** The elements of a performing instance's home and of a client key, where an instance is shown. */
function homeAndKey(i: Pick<InstanceRecord, 'homeDepartment' | 'homeInstanceId' | 'clientKey'>) {
  return xml`${optionalElement('HomeDepartment', i.homeDepartment)}${optionalElement('HomeProcessInstanceId', i.homeInstanceId)}${optionalElement('ClientKey', i.clientKey)}`;
}

function openActivity(a: InstanceView['openActivities'][number]) {
  return xml`<Activity><ActivityId>${a.activityId}</ActivityId>${optionalElement('ActivityName', a.name)}${optionalElement('Department', a.department)}<State>${a.state}</State><ActivityInstanceId>${a.activityInstanceId}</ActivityInstanceId>${optionalElement('Error', a.error)}</Activity>`;
}

/** Without an authenticated caller (no security configured: tests, embedding) everything is allowed. */
function allow(ctx: SoapContext, action: AuthorizedAction): void {
  if (ctx.caller) authorize(ctx.caller, action);
}

function response(element: string, content: { toString(): string }): string {
  return `<${element} xmlns="${PROCESS_SERVICE_NS}">${content}</${element}>`;
}

/**
 * Import notes asking for a handler are moot when this engine has one under that name (the
 * built-in notification handlers, say); telling the deployer to do what is done only confuses.
 */
function handlerAlreadyRegistered(engine: WorkflowEngine, warning: string): boolean {
  const m = /register a handler named "([^"]+)"/.exec(warning);
  return Boolean(m && engine.handlers.get(m[1]));
}

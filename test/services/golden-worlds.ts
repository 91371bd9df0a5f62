import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WorkflowEngine } from '../../src/engine';
import { createServer } from '../../src/app';
import { createTestStore } from '../support/test-store';
import { buildUsernameTokenHeader, createAuthenticator, parseSecurityConfig } from '../../src/services/security';
import { wfxmlServices } from '../../src/services/wfxml';
import { importXpdl } from '../../src/xpdl';
import { TRANSFER_SERVICE_PATH } from '../../src/transfer';
import { binding, business, service, tModel } from '../registry/fixtures';
import { openTestRegistry, startRegistryServer } from '../registry/support';
import { TransferFederation } from '../transfer/federation-support';
import { GOLDEN_ROOT } from './golden-support';
import { LogCapture, PS_PATH, startTestServer, type TestServer } from './support';

const WSDL = resolve(__dirname, '../../wsdl');

/** What one golden case runs against: a fresh server, the values its request.xml may name as {{var}}. */
export interface GoldenWorld {
  baseUrl: string;
  vars: Record<string, string>;
  /** HTTP headers every request of this world carries. */
  headers?: Record<string, string>;
  close(): Promise<void>;
}

export interface GoldenService {
  /** test/golden/<folder>/ */
  folder: string;
  wsdl: string;
  /** The schemas replies are validated against with xmllint (every one the service publishes). */
  schemas: string[];
  /** The path a request for this operation is posted to. */
  path(operation: string, vars: Record<string, string>): string;
  /** A fresh world for one case; `settings` is the case's case.json (e.g. {"world": "secured"}). */
  start(settings: Record<string, string>): Promise<GoldenWorld>;
}

const CLERK = { username: 'golden-clerk', password: 'golden-clerk-secret-0123' };
const ADMIN = { username: 'golden-admin', password: 'golden-admin-secret-0123' };
/** May act as no participant of the golden cases: what a work item looks like to someone else. */
const OUTSIDER = { username: 'golden-outsider', password: 'golden-outsider-secret-01' };

/**
 * With {"world": "secured"} the server has users (docs/security.md): {{clerkToken}} is a fresh
 * UsernameToken header of the clerk, {{wrongToken}} one with a wrong password.
 */
async function server(settings: Record<string, string>): Promise<TestServer> {
  if (settings.world !== 'secured') return startTestServer();
  const config = parseSecurityConfig(
    {
      services: { '*': 'wss' },
      users: [
        { ...CLERK, start: ['golden_review'], participants: ['clerk'], admin: false },
        { ...ADMIN, start: ['*'], participants: ['*'], admin: true },
        { ...OUTSIDER, start: [], participants: ['inspector'], admin: false },
      ],
    },
    { source: 'golden-users.json' },
  );
  return startTestServer({ security: createAuthenticator(config) });
}

function securityVars(settings: Record<string, string>): Record<string, string> {
  if (settings.world !== 'secured') return {};
  return {
    clerkToken: buildUsernameTokenHeader(CLERK.username, CLERK.password),
    adminToken: buildUsernameTokenHeader(ADMIN.username, ADMIN.password),
    wrongToken: buildUsernameTokenHeader(CLERK.username, 'not-the-password-0000'),
    outsiderToken: buildUsernameTokenHeader(OUTSIDER.username, OUTSIDER.password),
  };
}

const PS_ROOT = join(GOLDEN_ROOT, 'process-service');

/**
 * The golden_review process deployed, and one running case waiting for its clerk's review; and
 * (operators.xpdl) a payment case whose charge failed — no handler was registered — while it waits
 * for the bank's "payment" message. The handler is registered afterwards, so a retry succeeds.
 */
async function processScenario(engine: WorkflowEngine): Promise<Record<string, string>> {
  const xml = readFileSync(join(PS_ROOT, 'scenario.xpdl'), 'utf8');
  await engine.deploy(importXpdl(xml), { source: xml, actor: 'golden' });
  const inst = await engine.startProcess('golden_review', { subject: 'Golden case', data: { caseRef: 'GC-1', amount: '1200' }, actor: 'clerk1' });
  const ops = readFileSync(join(PS_ROOT, 'operators.xpdl'), 'utf8');
  await engine.deploy(importXpdl(ops), { source: ops, actor: 'golden' });
  const payment = await engine.startProcess('golden_payment', { actor: 'clerk1' });
  const failed = payment.openActivities.find((a) => a.state === 'failed');
  if (!failed) throw new Error('the operator scenario expects the charge to fail');
  engine.handlers.register('golden_charge', () => ({}));
  return { instanceId: inst.id, workItemId: inst.workItems[0].id, paymentId: payment.id, failedActivityInstanceId: failed.activityInstanceId };
}

const processService: GoldenService = {
  folder: 'process-service',
  wsdl: join(WSDL, 'process-service.wsdl'),
  schemas: [join(WSDL, 'process-service.xsd')],
  path: () => PS_PATH,
  async start(settings) {
    if (settings.world === 'performing') return performingWorld();
    const srv = await server(settings);
    const vars = { ...(await processScenario(srv.engine)), ...securityVars(settings), ...(settings.keyed ? await keyedCase(srv.engine) : {}) };
    return { baseUrl: srv.url, vars, close: () => srv.close() };
  },
};

/** With {"keyed": "true"}: a case started with a client key, as a start whose reply was lost left it. */
async function keyedCase(engine: WorkflowEngine): Promise<Record<string, string>> {
  const clientKey = 'BACKOFFICE-2026-0001';
  const inst = await engine.startProcess('golden_review', { subject: 'Keyed case', data: { caseRef: 'GC-1' }, clientKey });
  return { clientKey, keyedInstanceId: inst.id };
}

/**
 * {"world": "performing"}: the fire department's engine performing "Inspect premises" of market's
 * licence case MARKET-CASE-1 (a hand-over taken as TransferService would), so its work item names
 * its home department and case.
 */
async function performingWorld(): Promise<GoldenWorld> {
  const store = await createTestStore();
  const engine = new WorkflowEngine({ store, department: 'fire' });
  const xml = readFileSync(resolve(__dirname, '../../examples/business-licence.xpdl'), 'utf8');
  const [deployed] = await engine.deploy(importXpdl(xml), { source: xml, publishedBy: 'market' });
  const receipt = await engine.acceptHandOver({
    itemId: 'golden-hand-over-1', caseId: 'MARKET-CASE-1', home: 'market', sender: 'market', processId: 'business_licence', version: deployed.version,
    activityId: 'inspect_premises', activityInstanceId: 'ai-7', data: { address: '1 Main Street' },
  });
  const running = await createServer(engine, { log: new LogCapture().logger }).listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 2000 });
  return {
    baseUrl: running.url,
    vars: { homeInstanceId: 'MARKET-CASE-1', performingId: receipt.instanceId! },
    close: async () => {
      await running.close();
      await store.close();
    },
  };
}

/**
 * The Wf-XML resources of one engine: golden_review deployed (its factory), one instance of it,
 * {{baseUrl}} the server's address (keys are URLs).
 */
async function wfxmlWorld(settings: Record<string, string>): Promise<GoldenWorld> {
  const srv = await server(settings);
  for (const def of wfxmlServices(srv.engine)) srv.server.mount(def);
  const vars = { ...(await processScenario(srv.engine)), ...securityVars(settings), baseUrl: srv.url };
  return { baseUrl: srv.url, vars, close: () => srv.close() };
}

const ASAP_XSD = join(WSDL, 'asap.xsd');
const WFXML_XSD = join(WSDL, 'wfxml.xsd');

const wfxmlFactory: GoldenService = {
  folder: 'wfxml-factory',
  wsdl: join(WSDL, 'wfxml-factory.wsdl'),
  schemas: [ASAP_XSD, WFXML_XSD],
  path: () => '/wfxml/factory/golden_review',
  start: wfxmlWorld,
};

const wfxmlInstance: GoldenService = {
  folder: 'wfxml-instance',
  wsdl: join(WSDL, 'wfxml-instance.wsdl'),
  schemas: [ASAP_XSD],
  path: (_op, vars) => `/wfxml/instance/${vars.instanceId}`,
  start: wfxmlWorld,
};

const wfxmlObserver: GoldenService = {
  folder: 'wfxml-observer',
  wsdl: join(WSDL, 'wfxml-observer.wsdl'),
  schemas: [ASAP_XSD],
  path: () => '/wfxml/observer',
  start: wfxmlWorld,
};

/**
 * A UDDI node on a clean database: publisher "golden" ({{authInfo}}) owns a business with a service
 * and its binding, and a tModel; {{businessKey}}, {{serviceKey}}, {{bindingKey}}, {{tModelKey}}.
 * The official uddi_v3.xsd is not part of the product (the WSDLs name it at uddi.org), so replies
 * are checked here for their shape and by golden-uddi.reference.test.ts against the schema.
 */
async function uddiWorld(): Promise<GoldenWorld> {
  const t = await openTestRegistry();
  const srv = await startRegistryServer(t.registry);
  await t.registry.createPublisher('golden', 'golden-publisher-secret');
  const authInfo = await t.registry.getAuthToken('golden', 'golden-publisher-secret');
  const [tm] = await t.registry.saveTModel(authInfo, [tModel('golden:wfxml-factory')]);
  const [biz] = await t.registry.saveBusiness(authInfo, [
    business('Golden Department', { businessServices: [service('Golden review', { bindingTemplates: [binding('http://golden.example/wfxml/factory/golden_review', [tm.tModelKey!])] })] }),
  ]);
  const svc = biz.businessServices[0];
  const vars = { baseUrl: srv.url, authInfo, businessKey: biz.businessKey!, serviceKey: svc.serviceKey!, bindingKey: svc.bindingTemplates[0].bindingKey!, tModelKey: tm.tModelKey! };
  return {
    baseUrl: srv.url,
    vars,
    close: async () => {
      await srv.close();
      await t.close();
    },
  };
}

const uddi = (api: 'inquiry' | 'publication' | 'security'): GoldenService => ({
  folder: `uddi-${api}`,
  wsdl: join(WSDL, 'uddi', `uddi-${api}.wsdl`),
  schemas: [],
  path: () => `/uddi/${api}`,
  start: uddiWorld,
});

/**
 * A department engine ("tax") in a federation with its registry hub. A Deliver must be signed by a
 * registered department over parts that carry a fresh timestamp, so no request file can hold a good
 * one; the golden cases are the refusals, and test/transfer covers delivery itself.
 */
async function transferWorld(): Promise<GoldenWorld> {
  const fed = await TransferFederation.open(['tax']);
  const url = fed.dept('tax').url;
  return { baseUrl: url, vars: { baseUrl: url }, close: () => fed.close() };
}

const transferService: GoldenService = {
  folder: 'transfer-service',
  wsdl: join(WSDL, 'transfer-service.wsdl'),
  schemas: [join(WSDL, 'transfer-service.xsd')],
  path: () => TRANSFER_SERVICE_PATH,
  start: transferWorld,
};

export const GOLDEN_SERVICES: readonly GoldenService[] = [
  processService,
  wfxmlFactory,
  wfxmlInstance,
  wfxmlObserver,
  transferService,
  uddi('inquiry'),
  uddi('publication'),
  uddi('security'),
];

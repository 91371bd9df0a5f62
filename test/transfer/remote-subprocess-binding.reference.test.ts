import { expect } from 'chai';
import pino from 'pino';
import { Binder, BindingError, EndpointFailure, FederationKeys, hubTModels, SelfRegistration, type Endpoint } from '../../src/binding';
import { RemoteFactoryFinder } from '../../src/binding/remote-factory';
import { WorkflowEngine, type DefinitionRecord, type ProcessDefinition } from '../../src/engine';
import { openRegistryStore, type TypeormStore } from '../../src/persistence';
import { RegistryStore } from '../../src/registry';
import { parseRemoteFactories, remoteFactoryTarget, RemoteSubprocessDispatcher } from '../../src/transfer';
import { importXpdl } from '../../src/xpdl';
import { createTypeormTestStore } from '../support/test-store';
import { order, RETAILER_XPDL, retailerHandlers, SUBFLOW } from './remote-support';

const silent = pino({ level: 'silent' });

describe('remote subprocess binding: INTERFLOW_REMOTE_FACTORIES and the order of the rules', () => {
  it('reads department codes, factory URLs and the long form', () => {
    const table = parseRemoteFactories(
      JSON.stringify({
        [SUBFLOW.shark]: 'manufacturing',
        Factory: 'https://factory.example/wfxml/factory/manufacturer',
        Manufacturer: { department: 'manufacturing', processId: 'manufacturer' },
        asap_evm: { capability: 'manufacturer/b' },
      }),
    );
    expect([...table]).to.deep.equal([
      [SUBFLOW.shark, { department: 'manufacturing' }],
      ['Factory', { url: 'https://factory.example/wfxml/factory/manufacturer' }],
      ['Manufacturer', { department: 'manufacturing', processId: 'manufacturer' }],
      ['asap_evm', { capability: 'manufacturer/b' }],
    ]);
    expect(parseRemoteFactories(undefined).size).to.equal(0);
    expect(parseRemoteFactories('  ').size).to.equal(0);
  });

  it('refuses a setting it cannot follow, saying what is expected', () => {
    const refused = (raw: string) => expect(() => parseRemoteFactories(raw)).to.throw(/^INTERFLOW_REMOTE_FACTORIES/);
    refused('manufacturing');
    refused('["manufacturing"]');
    refused('{"x": 3}');
    refused('{"x": ""}');
    refused('{"x": {}}');
    refused('{"x": {"dept": "a"}}');
    refused('{"x": {"url": "ftp://a/b"}}');
    refused('{"x": {"url": "http://a/b", "department": "a"}}');
    expect(() => parseRemoteFactories('{"x": {"dept": "a"}}')).to.throw(/unknown field\(s\) dept/);
  });

  it('binds by SubFlow Id first, then by process id, then by the RemoteDepartment attribute, else through the registry', () => {
    const table = parseRemoteFactories(JSON.stringify({ [SUBFLOW.shark]: 'east', manufacturer: { department: 'west' }, Factory: 'http://tibco.example/f' }));
    const call = { remoteRef: SUBFLOW.shark, processId: 'manufacturer', attributes: { RemoteDepartment: 'north' } };
    expect(remoteFactoryTarget({ ...call, table })).to.deep.equal({ kind: 'registry', processId: 'manufacturer', department: 'east', because: `INTERFLOW_REMOTE_FACTORIES[${JSON.stringify(SUBFLOW.shark)}]` });
    expect(remoteFactoryTarget({ ...call, remoteRef: 'http://other.example/?procDef=manufacturer', table })).to.include({ department: 'west', because: 'INTERFLOW_REMOTE_FACTORIES["manufacturer"]' });
    expect(remoteFactoryTarget({ remoteRef: SUBFLOW.tibco, processId: 'Factory', table })).to.deep.equal({ kind: 'url', url: 'http://tibco.example/f', because: 'INTERFLOW_REMOTE_FACTORIES["Factory"]' });
    expect(remoteFactoryTarget({ ...call, remoteRef: 'http://x/y', processId: 'p', table })).to.deep.equal({ kind: 'registry', processId: 'p', department: 'north', because: "the activity's RemoteDepartment extended attribute" });
    expect(remoteFactoryTarget({ remoteRef: SUBFLOW.shark, processId: 'manufacturer' })).to.deep.equal({ kind: 'registry', processId: 'manufacturer', because: 'the registry (any department offering the process)' });
  });
});

describe('remote subprocess binding: RemoteFactoryFinder on a registry', function () {
  this.timeout(30_000);
  const keys = new FederationKeys('finder.test');
  let store: TypeormStore;
  let registry: RegistryStore;

  /** A department's entry as its engine would register it, offering a factory per process. */
  async function register(code: string, url: string, processes: string[]): Promise<void> {
    await registry.createPublisher(code, `${code}-secret-password`, { department: code });
    const definitions = processes.map((p) => ({ processId: p, version: 1, name: p, definition: { id: p, activities: [] } as unknown as ProcessDefinition, contentHash: p, deployedAt: new Date() }) as DefinitionRecord);
    const registration = new SelfRegistration({ registry, user: code, password: `${code}-secret-password`, department: code, keys, refreshSeconds: 3600, engine: { listDefinitions: async () => definitions }, log: silent });
    registration.start(url);
    await registration.whenRegistered();
    await registration.stop({ expireLease: false });
  }

  before(async () => {
    store = await createTypeormTestStore();
    registry = await openRegistryStore(store, { nodeDomain: 'node.finder.test', federationDomain: keys.domain, tokenTtlSeconds: 3600, env: {} });
    // What the hub creates at start-up; this registry is used in-process, without one.
    await registry.claimForHub(hubTModels(keys));
    await register('east', 'http://east.invalid', ['manufacturer']);
    await register('west', 'http://west.invalid', ['manufacturer', 'retailer']);
    await register('north', 'http://north.invalid', ['retailer']);
  });
  after(async () => {
    await registry.close();
    await store.close();
  });

  const finder = (withRegistry = true) => {
    const binder = new Binder({ registry, keys, cacheTtlSeconds: 3600 });
    return new RemoteFactoryFinder({ binder, ...(withRegistry ? { registry } : {}) });
  };
  /** east's factory is down; everyone else answers with the address called. */
  const call = (calls: string[]) => async (endpoint: Endpoint) => {
    calls.push(endpoint.url);
    if (endpoint.department === 'east') throw new EndpointFailure(`${endpoint.url}: ECONNREFUSED`);
    return endpoint.url;
  };

  it('finds the departments whose entries offer a factory for the process', async () => {
    const f = finder();
    expect(await f.departmentsOffering('manufacturer')).to.have.members(['east', 'west']);
    expect(await f.departmentsOffering('retailer')).to.have.members(['north', 'west']);
    expect(await f.departmentsOffering('nobody')).to.deep.equal([]);
  });

  it('skips a department whose factory does not answer, and calls the next one', async () => {
    const calls: string[] = [];
    expect(await finder().invoke({ processId: 'manufacturer' }, call(calls))).to.equal('http://west.invalid/wfxml/factory/manufacturer');
    expect(calls).to.include('http://west.invalid/wfxml/factory/manufacturer');
  });

  it('keeps to the department it is given', async () => {
    const calls: string[] = [];
    const err = await finder().invoke({ processId: 'manufacturer', department: 'east' }, call(calls)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(BindingError).with.property('code', 'ALL_ENDPOINTS_FAILED');
    expect(calls.every((u) => u === 'http://east.invalid/wfxml/factory/manufacturer')).to.equal(true);
    const none = await finder().invoke({ processId: 'manufacturer', department: 'north' }, call([])).catch((e: unknown) => e);
    expect(none).to.be.instanceOf(BindingError).with.property('code', 'NO_ENDPOINT');
  });

  it('says so when nobody offers the process, and finds a department that registers it later', async () => {
    const f = finder();
    const err = (await f.invoke({ processId: 'late' }, call([])).catch((e: unknown) => e)) as BindingError;
    expect(err).to.be.instanceOf(BindingError).with.property('code', 'NO_ENDPOINT');
    expect(err.message).to.equal('no department in the registry offers a Wf-XML factory for process "late" (service type wfxml-factory, interflow:process-id late); the case waits until one registers');
    await register('south', 'http://south.invalid', ['late']);
    expect(await f.invoke({ processId: 'late' }, call([]))).to.equal('http://south.invalid/wfxml/factory/late');
  });

  it('passes the factory\'s own answer (a fault) through without trying another department', async () => {
    const calls: string[] = [];
    const fault = new Error('the factory answered with a SOAP fault');
    const err = await finder()
      .invoke({ processId: 'retailer' }, async (e) => {
        calls.push(e.url);
        throw fault;
      })
      .catch((e: unknown) => e);
    expect(err).to.equal(fault);
    expect(calls).to.have.length(1);
  });

  it('without a registry to search, binds only targets that name a department', async () => {
    const err = await finder(false).invoke({ processId: 'manufacturer' }, call([])).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(BindingError).with.property('code', 'INVALID_TARGET');
    expect(await finder(false).invoke({ processId: 'manufacturer', department: 'west' }, call([]))).to.equal('http://west.invalid/wfxml/factory/manufacturer');
  });
});

describe('RemoteSubprocessDispatcher: what it decides before calling a factory', function () {
  this.timeout(30_000);
  let store: TypeormStore;
  let registry: RegistryStore;
  let engine: WorkflowEngine;

  before(async () => {
    store = await createTypeormTestStore();
    registry = await openRegistryStore(store, { nodeDomain: 'node.dispatch.test', federationDomain: 'dispatch.test', tokenTtlSeconds: 3600, env: {} });
    engine = new WorkflowEngine({ store, department: 'retail' });
    retailerHandlers(engine.handlers);
    await engine.deploy(importXpdl(RETAILER_XPDL));
  });
  after(async () => {
    await registry.close();
    await store.close();
  });

  const dispatcher = (publicUrl?: string) =>
    new RemoteSubprocessDispatcher({ engine, binder: new Binder({ registry, keys: new FederationKeys('dispatch.test') }), registry, log: silent, ...(publicUrl ? { publicUrl } : {}) });

  it('claims nothing while it does not know the address to give as ObserverKey (not registered, no INTERFLOW_PUBLIC_URL)', async () => {
    const started = await engine.startProcess('retailer', { data: order(3) });
    expect(await dispatcher().runOnce()).to.deep.equal({ sent: 0, retried: 0, dead: 0, dropped: 0 });
    const [row] = await engine.outbox({ instanceId: started.id });
    expect(row).to.include({ kind: 'remote-subprocess', state: 'pending', attempts: 0 });
    await engine.changeState(started.id, 'terminate');
  });

  it('does not call a factory for a case that ended meanwhile; the row says why', async () => {
    const started = await engine.startProcess('retailer', { data: order(3) });
    await engine.changeState(started.id, 'terminate');
    const report = await dispatcher('http://retail.invalid').runOnce();
    expect(report).to.deep.include({ sent: 0, retried: 0, dead: 0 });
    expect(report.dropped).to.be.greaterThan(0);
    const [row] = await engine.outbox({ instanceId: started.id });
    expect(row).to.include({ kind: 'remote-subprocess', state: 'dead', attempts: 1 });
    expect(row.lastError).to.match(/^not sent: the case is closed\.abnormalCompleted/);
  });

  it('waits without end while nothing answers, and dead-letters only after maxAttempts refusals in a row', async () => {
    const refusedConnection = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const fault = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Process "manufacturer" is not deployed here</faultstring></soap:Fault></soap:Body></soap:Envelope>`;
    let answer: 'nothing' | 'fault' = 'nothing';
    const scripted: typeof fetch = async () => {
      if (answer === 'nothing') throw refusedConnection();
      return new Response(fault, { status: 500, headers: { 'Content-Type': 'text/xml' } });
    };
    const d = new RemoteSubprocessDispatcher({
      engine,
      binder: new Binder({ registry, keys: new FederationKeys('dispatch.test') }),
      log: silent,
      publicUrl: 'http://retail.invalid',
      table: parseRemoteFactories(JSON.stringify({ manufacturer: 'http://factory.invalid/wfxml/factory/manufacturer' })),
      maxAttempts: 2,
      retryBaseMs: 0,
      fetch: scripted,
    });
    const started = await engine.startProcess('retailer', { data: order(3) });
    const row = async () => (await engine.outbox({ instanceId: started.id }))[0];
    for (let i = 0; i < 3; i++) expect(await d.runOnce()).to.deep.include({ retried: 1 });
    expect(await row()).to.include({ state: 'pending', attempts: 3 });
    expect((await row()).lastError).to.match(/^factory http:\/\/factory\.invalid\/wfxml\/factory\/manufacturer \(bound by INTERFLOW_REMOTE_FACTORIES\["manufacturer"\]\): POST .* failed: ECONNREFUSED$/);

    answer = 'fault';
    expect(await d.runOnce()).to.deep.include({ retried: 1 });
    expect((await row()).lastError).to.match(/^refusal 1 of 2: factory .*SOAP fault.*not deployed here/);
    expect(await d.runOnce()).to.deep.include({ dead: 1 });
    expect(await row()).to.include({ state: 'dead', attempts: 5 });
    expect((await row()).lastError).to.match(/^refusal 2 of 2: /);
    const inst = await engine.getInstance(started.id);
    expect(inst.openActivities.map((a) => [a.activityId, a.state])).to.deep.equal([['shark_manufacturer', 'failed']]);
    await engine.changeState(started.id, 'terminate');
  });

  it('reads RemoteDepartment from the calling activity of the definition version the case runs', async () => {
    const pkg = importXpdl(RETAILER_XPDL);
    const shark = pkg.processes[0].activities.find((a) => a.id === 'shark_manufacturer')!;
    shark.extendedAttributes = { ...shark.extendedAttributes, RemoteDepartment: 'west-coast' };
    await engine.deploy(pkg);
    const started = await engine.startProcess('retailer', { data: order(3) });
    expect(started.version).to.equal(2);
    expect(await dispatcher('http://retail.invalid').runOnce()).to.deep.include({ retried: 1 });
    const [row] = await engine.outbox({ instanceId: started.id });
    expect(row.state).to.equal('pending');
    expect(row.lastError).to.match(/^the factory of process "manufacturer" at department west-coast \(bound by the activity's RemoteDepartment extended attribute\): department "west-coast" is not in the registry/);
    await engine.changeState(started.id, 'terminate');
  });
});

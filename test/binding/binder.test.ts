import { expect } from 'chai';
import * as nodeSoap from 'soap';
import { Binder, BindingError, certificateGroup, EndpointFailure, isEndpointFailure, type BindingTarget, type Endpoint } from '../../src/binding';
import { AsapDeliveryError } from '../../src/services/wfxml';
import { Federation, makeCertificate, type DepartmentEngine } from './support';

const PS_LIST = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ps:ListProcessDefinitions xmlns:ps="urn:interflow:process-service:1"/></soap:Body></soap:Envelope>`;

/** A real call: ListProcessDefinitions on the bound ProcessService; connection errors propagate from fetch. */
async function listDefinitions(endpoint: Endpoint): Promise<string[]> {
  const res = await fetch(endpoint.url, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: PS_LIST });
  const body = await res.text();
  if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
  return [...body.matchAll(/<ProcessDefinitionId>([^<]+)<\/ProcessDefinitionId>/g)].map((m) => m[1]);
}

const PLANNING_PS: BindingTarget = { department: 'planning', service: 'ProcessService' };

describe('dynamic binding (Binder)', function () {
  this.timeout(30_000);
  let f: Federation;

  beforeEach(async () => {
    f = await Federation.open();
    for (const p of ['planning', 'environment', 'fire-safety']) await f.publisher(p);
  });
  afterEach(async () => {
    await f?.close();
  });

  function binder(options: Partial<ConstructorParameters<typeof Binder>[0]> = {}): Binder {
    return new Binder({ registry: f.client(), keys: f.keys, cacheTtlSeconds: 3600, log: f.logs.logger, ...options });
  }

  async function registered(department: string, options: Parameters<Federation['engine']>[1] = {}): Promise<DepartmentEngine> {
    const e = await f.engine(department, options);
    await e.registration.whenRegistered();
    return e;
  }

  it('resolves a department and a capability to live endpoints, and answers again from its cache', async () => {
    const planning = await registered('planning');
    const environment = await registered('environment');
    const b = binder();
    const ps = await b.resolve(PLANNING_PS);
    expect(ps.map((e) => e.url)).to.deep.equal([`${planning.url}/services/ProcessService`]);
    expect(ps[0]).to.include({ department: 'planning', service: 'ProcessService', bindingKey: 'uddi:federation.test:dept:planning:process-service:main', wsdlUrl: `${planning.url}/services/ProcessService?wsdl` });

    const review = await b.resolve({ capability: 'building_permit/environment_review', service: 'wfxml-factory' });
    expect(review.map((e) => e.url)).to.deep.equal([`${environment.url}/wfxml/factory/building_permit`]);
    const observer = await b.resolve({ capability: 'building_permit/environment_review', service: 'wfxml-observer' });
    expect(observer.map((e) => e.url)).to.deep.equal([`${environment.url}/wfxml/observer`]);
    const factory = await b.resolve({ department: 'planning', service: 'wfxml-factory', processId: 'building_permit' });
    expect(factory.map((e) => e.url)).to.deep.equal([`${planning.url}/wfxml/factory/building_permit`]);
    expect(await b.resolve({ capability: 'building_permit/nobody_does_this', service: 'wfxml-factory' })).to.deep.equal([]);

    const calls = b.stats.registryCalls;
    await b.resolve(PLANNING_PS);
    await b.resolve({ capability: 'building_permit/environment_review', service: 'wfxml-factory' });
    expect(b.stats.registryCalls, 'cached lookups ask the registry nothing').to.equal(calls);

    const unknown = await b.resolve({ department: 'harbour', service: 'ProcessService' }).catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(BindingError).with.property('code', 'UNKNOWN_DEPARTMENT');
    expect((unknown as Error).message).to.match(/"harbour" is not in the registry.*interflow registry list/);
  });

  it('follows an engine moved to a new address without restarting anyone (UDDI invocation pattern)', async () => {
    const a = await registered('planning');
    const b = binder();
    // node-soap, as a client generated from the bound endpoint's WSDL would be.
    const soap = async (endpoint: Endpoint) => {
      const client = await nodeSoap.createClientAsync(endpoint.wsdlUrl ?? `${endpoint.url}?wsdl`, { endpoint: endpoint.url, disableCache: true });
      const [defs] = (await client.ListProcessDefinitionsAsync({})) as [{ Definition?: Array<{ ProcessDefinitionId: string }> }];
      return (defs.Definition ?? []).map((d) => d.ProcessDefinitionId);
    };
    expect(await b.invoke(PLANNING_PS, soap)).to.include('building_permit');
    const oldUrl = `${a.url}/services/ProcessService`;

    // The engine goes away and comes back elsewhere, re-registering the same bindingKey.
    await a.close();
    let moved = await registered('planning');
    while (moved.url === a.url) moved = await registered('planning');
    const newUrl = `${moved.url}/services/ProcessService`;

    const seen: string[] = [];
    const result = await b.invoke(PLANNING_PS, async (endpoint) => {
      seen.push(endpoint.url);
      return soap(endpoint);
    });
    expect(result).to.include('building_permit');
    expect(seen).to.deep.equal([oldUrl, newUrl]);
    expect(b.stats.moved).to.equal(1);
    expect(f.logs.lines.some((l) => l.msg === 'binding moved; calling its new address' && l.to === newUrl)).to.equal(true);

    // The cache now holds the new address: the next call goes straight there, without the registry.
    const calls = b.stats.registryCalls;
    seen.length = 0;
    await b.invoke(PLANNING_PS, async (endpoint) => {
      seen.push(endpoint.url);
      return listDefinitions(endpoint);
    });
    expect(seen).to.deep.equal([newUrl]);
    expect(b.stats.registryCalls).to.equal(calls);
  });

  it('skips a dead binding in favour of a live one of the same service, and keeps it behind for a while', async () => {
    const e1 = await registered('planning', { engineId: 'e1' });
    const e2 = await registered('planning', { engineId: 'e2' });
    const b = binder();
    const endpoints = await b.resolve(PLANNING_PS);
    expect(endpoints.map((e) => e.bindingKey).sort()).to.deep.equal(['uddi:federation.test:dept:planning:process-service:e1', 'uddi:federation.test:dept:planning:process-service:e2']);
    const [first, second] = endpoints;
    // The first choice dies without telling the registry: its lease is still valid.
    await [e1, e2].find((e) => first.url.startsWith(e.url))!.crash();

    const seen: string[] = [];
    const result = await b.invoke(PLANNING_PS, async (endpoint) => {
      seen.push(endpoint.url);
      return listDefinitions(endpoint);
    });
    expect(result).to.include('building_permit');
    expect(seen).to.deep.equal([first.url, second.url]);
    expect(b.stats.failovers).to.equal(1);
    expect(b.isDown(first.url)).to.equal(true);
    expect((await b.resolve(PLANNING_PS)).map((e) => e.url), 'the dead one is left out while marked down').to.deep.equal([second.url]);

    // A probe of /health says the same, and brings an endpoint back when it answers.
    expect(await b.probe(first)).to.equal(false);
    expect(await b.probe(second)).to.equal(true);
  });

  it('never chooses a binding whose lease has lapsed', async () => {
    const e1 = await registered('planning', { engineId: 'e1' });
    await registered('planning', { engineId: 'e2' });
    const b = binder();
    expect(await b.resolve(PLANNING_PS)).to.have.length(2);
    await e1.registration.stop(); // ends e1's leases now; its server still answers
    b.invalidate('planning');
    const live = await b.resolve(PLANNING_PS);
    expect(live.map((e) => e.bindingKey)).to.deep.equal(['uddi:federation.test:dept:planning:process-service:e2']);

    // Seen from a day later (the leases run 3 × the 1 h refresh of these engines), every lease has lapsed.
    const later = binder({ clock: () => new Date(Date.now() + 24 * 3600_000) });
    const err = await later.invoke(PLANNING_PS, listDefinitions).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(BindingError).with.property('code', 'NO_ENDPOINT');
    expect((err as Error).message).to.match(/2 binding\(s\) with a lapsed lease/);
  });

  it('says so clearly when every endpoint fails, and passes service faults through without failing over', async () => {
    const e1 = await registered('planning', { engineId: 'e1' });
    const e2 = await registered('planning', { engineId: 'e2' });
    const b = binder();
    let calls = 0;
    const fault = new AsapDeliveryError('the receiver answered with a SOAP fault (HTTP 500): FORBIDDEN', 500);
    const passed = await b.invoke(PLANNING_PS, async () => {
      calls++;
      throw fault;
    }).catch((e: unknown) => e);
    expect(passed).to.equal(fault);
    expect(calls).to.equal(1);

    await e1.crash();
    await e2.crash();
    const err = await b.invoke(PLANNING_PS, listDefinitions).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(BindingError).with.property('code', 'ALL_ENDPOINTS_FAILED');
    expect((err as BindingError).attempts).to.have.length(2);
    expect((err as Error).message).to.match(/every endpoint for ProcessService of department planning failed: .*ECONNREFUSED/);
  });

  it('keeps binding from its cache while the registry is down, and says why when it has nothing', async () => {
    const planning = await registered('planning');
    const cached = binder({ cacheTtlSeconds: 0 });
    expect(await cached.resolve(PLANNING_PS)).to.have.length(1);
    await f.stopHub();
    const stale = await cached.resolve(PLANNING_PS);
    expect(stale.map((e) => e.url)).to.deep.equal([`${planning.url}/services/ProcessService`]);
    expect(await cached.invoke(PLANNING_PS, listDefinitions)).to.include('building_permit');

    const empty = new Binder({ registry: cached['registry'], keys: f.keys });
    const err = await empty.resolve(PLANNING_PS).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(BindingError).with.property('code', 'REGISTRY_UNAVAILABLE');
    expect((err as Error).message).to.match(/cannot look up department "planning": the registry is unreachable.*ECONNREFUSED.*interflow registry serve/);
  });

  it('reads a department\'s certificate from its own registry entry only (the trust store)', async () => {
    const cert = makeCertificate('fire-safety');
    await registered('fire-safety', { certificate: cert.certificate });
    await registered('planning');
    const b = binder();
    const found = await b.certificateOf('fire-safety');
    expect(found.fingerprint).to.equal(cert.certificate.fingerprint);
    expect(found.pem).to.equal(cert.certificate.pem);
    const calls = b.stats.registryCalls;
    expect((await b.certificateOf('fire-safety')).fingerprint).to.equal(cert.certificate.fingerprint);
    expect(b.stats.registryCalls).to.equal(calls);
    expect((await b.certificatesOf('fire-safety')).map((c) => c.fingerprint)).to.deep.equal([cert.certificate.fingerprint]);

    const none = await b.certificateOf('planning').catch((e: unknown) => e);
    expect(none).to.be.instanceOf(BindingError).with.property('code', 'NO_CERTIFICATE');

    // Another publisher's look-alike entry claiming to be fire-safety, with its own certificate and
    // the capability, is never taken for the department.
    const impostor = makeCertificate('impostor');
    const auth = await f.registry.getAuthToken('planning', 'planning-secret-password');
    await f.registry.saveBusiness(auth, [{
      discoveryURLs: [], names: [{ value: 'Fire safety (really)' }], descriptions: [], contacts: [], identifierBag: [],
      categoryBag: { keyedReferences: [{ tModelKey: f.keys.category('department'), keyValue: 'fire-safety' }], keyedReferenceGroups: [certificateGroup(f.keys, impostor.certificate)] },
      businessServices: [{ names: [{ value: 'fake factory' }], descriptions: [], bindingTemplates: [{ descriptions: [], accessPoint: { value: 'http://127.0.0.1:9/evil', useType: 'endPoint' }, tModelInstanceDetails: [] }],
        categoryBag: { keyedReferences: [{ tModelKey: f.keys.category('service-type'), keyValue: 'wfxml-factory' }, { tModelKey: f.keys.category('capability'), keyValue: 'building_permit/fire_review' }], keyedReferenceGroups: [] } }],
    }]);
    const fresh = binder();
    expect((await fresh.certificateOf('fire-safety')).fingerprint).to.equal(cert.certificate.fingerprint);
    const performers = await fresh.resolve({ capability: 'building_permit/fire_review', service: 'wfxml-factory' });
    expect(performers.map((e) => e.department)).to.deep.equal(['fire-safety']);
    expect(performers[0].url).to.not.include('evil');
  });

  it('tells endpoint failures from answers', () => {
    expect(isEndpointFailure(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).to.equal(true);
    expect(isEndpointFailure(new AsapDeliveryError('POST x failed: ECONNRESET'))).to.equal(true);
    expect(isEndpointFailure(new AsapDeliveryError('x answered HTTP 404', 404))).to.equal(true);
    expect(isEndpointFailure(new AsapDeliveryError('fault', 500))).to.equal(false);
    expect(isEndpointFailure(new EndpointFailure('gone'))).to.equal(true);
    expect(isEndpointFailure(Object.assign(new Error('axios'), { code: 'ECONNREFUSED' }))).to.equal(true);
    expect(isEndpointFailure(Object.assign(new Error('soap'), { response: { status: 503 } }))).to.equal(true);
    expect(isEndpointFailure(Object.assign(new Error('soap fault'), { response: { status: 500 } }))).to.equal(false);
    expect(isEndpointFailure(new Error('anything else'))).to.equal(false);
  });
});

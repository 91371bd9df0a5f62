import { expect } from 'chai';
import pino from 'pino';
import { Binder, FederationKeys, SelfRegistration, type UddiInquiry } from '../../src/binding';
import { openRegistryStore, type TypeormStore } from '../../src/persistence';
import type { RegistryStore } from '../../src/registry';
import { RegisteredEndpoints } from '../../src/transfer';
import { createTypeormTestStore } from '../support/test-store';

/**
 * Whose is a Wf-XML address: RegisteredEndpoints.ownerOf answers from the departments that publish
 * something at the address's origin, not by asking every registered department in turn.
 */
const keys = new FederationKeys('federation.test');
const log = pino({ level: 'silent' });

describe('RegisteredEndpoints: the owner of a Wf-XML address among many departments', function () {
  this.timeout(60_000);
  let store: TypeormStore;
  let registry: RegistryStore;
  let finds = 0;
  let details = 0;
  /** The registry node in this process, counting the find_service calls made of it. */
  let inquiry: UddiInquiry;

  async function register(code: string, publicUrl: string): Promise<void> {
    if (!(await registry.getPublisher(code))) await registry.createPublisher(code, `${code}-secret-password`, { department: code });
    const registration = new SelfRegistration({ registry, user: code, password: `${code}-secret-password`, department: code, keys, lease: false, engine: { listDefinitions: async () => [] }, log });
    await registration.registerOnce(publicUrl);
    await registration.stop();
  }

  before(async () => {
    store = await createTypeormTestStore();
    registry = await openRegistryStore(store, { nodeDomain: 'test.example', federationDomain: 'federation.test', tokenTtlSeconds: 3600, env: {} });
    inquiry = {
      findBusiness: (r) => registry.findBusiness(r),
      findService: (r) => (finds++, registry.findService(r)),
      findBinding: (r) => registry.findBinding(r),
      findTModel: (r) => registry.findTModel(r),
      getBusinessDetail: (k) => (details++, registry.getBusinessDetail(k)),
      getServiceDetail: (k) => registry.getServiceDetail(k),
      getBindingDetail: (k) => registry.getBindingDetail(k),
      getTModelDetail: (k) => registry.getTModelDetail(k),
    };
    for (let i = 0; i < 30; i++) await register(`d${i}`, `http://d${i}.example:8080`);
    // Two departments behind one origin, told apart by their paths.
    await register('shared-a', 'http://shared.example/a');
    await register('shared-b', 'http://shared.example/b');
  });
  after(async () => {
    await registry?.close();
    await store?.close();
  });

  function endpoints(missRefreshMs?: number): RegisteredEndpoints {
    return new RegisteredEndpoints({ binder: new Binder({ registry: inquiry, keys }), registry: inquiry, ...(missRefreshMs !== undefined ? { missRefreshMs } : {}) });
  }

  it('finds the department publishing an observer address, and nobody for addresses no department publishes', async () => {
    const owners = endpoints();
    for (const i of [0, 17, 29]) expect(await owners.ownerOf(`http://d${i}.example:8080/wfxml/observer/case-${i}`, 'wfxml-observer')).to.equal(`d${i}`);
    expect(await owners.ownerOf('http://shared.example/b/wfxml/observer/x', 'wfxml-observer')).to.equal('shared-b');
    expect(await owners.ownerOf('http://shared.example/a/wfxml/observer', 'wfxml-observer')).to.equal('shared-a');
    expect(await owners.ownerOf('http://shared.example/c/wfxml/observer', 'wfxml-observer'), 'a path nobody published at a known origin').to.equal(undefined);
    expect(await owners.ownerOf('http://d3.example:8080/elsewhere', 'wfxml-observer'), 'not below the observer path').to.equal(undefined);
    expect(await owners.ownerOf('http://stranger.example/wfxml/observer', 'wfxml-observer')).to.equal(undefined);
    expect(await owners.ownerOf('http://d3.example:8080/wfxml/observer', 'wfxml-factory'), 'an observer is not a factory').to.equal(undefined);
  });

  it('an unknown address asks no department, and reads the registry again at most once per missRefreshMs', async () => {
    const owners = endpoints(60_000);
    await owners.ownerOf('http://d1.example:8080/wfxml/observer', 'wfxml-observer');
    const before = { finds, details };
    await Promise.all(Array.from({ length: 50 }, (_, i) => owners.ownerOf(`http://stranger-${i}.example/wfxml/observer`, 'wfxml-observer')));
    // Asking each of the 32 departments in turn would have read each one's entry (a fresh binder).
    expect({ finds: finds - before.finds, details: details - before.details }).to.deep.equal({ finds: 0, details: 0 });
  });

  it('an address of a department that registered after the list was read is found on the next read', async () => {
    const owners = endpoints(0);
    expect(await owners.ownerOf('http://d2.example:8080/wfxml/observer', 'wfxml-observer')).to.equal('d2');
    await register('late', 'http://late.example:8080');
    const before = finds;
    expect(await owners.ownerOf('http://late.example:8080/wfxml/observer/c', 'wfxml-observer')).to.equal('late');
    expect(finds - before, 'one read of the registry').to.equal(1);
  });
});

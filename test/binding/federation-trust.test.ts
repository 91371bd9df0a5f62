import { expect } from 'chai';
import { hubTModels, readCertificate, RegistryClient } from '../../src/binding';
import { certificateGroup } from '../../src/binding/certificate';
import { HUB_OWNER, RegistryStore, type BusinessEntity } from '../../src/registry';
import { binding, business, ref, service, tModel } from '../registry/fixtures';
import { expectUddiError, uddiPost } from '../registry/support';
import { Federation, makeCertificate, passwordOf, type DepartmentEngine } from './support';

/**
 * Trust between agencies (issue 9): the registry is the federation's trust store, so a legitimate
 * publisher of one department must not be able to speak for another, nor take the federation's
 * shared partitions. Each attack runs as a real publisher account against the hub over SOAP on
 * loopback, and checks both the refusal and that nothing changed.
 */
describe('registry: trust between agencies (department partitions)', function () {
  this.timeout(30_000);
  let f: Federation;
  let client: RegistryClient;
  let tax: string;
  const police = () => f.keys.department('police');
  const UDDI_NS = 'xmlns="urn:uddi-org:api_v3"';

  beforeEach(async () => {
    f = await Federation.open();
    await f.publisher('tax');
    await f.publisher('police');
    await f.publisher('fire');
    client = f.client();
    tax = await client.getAuthToken('tax', passwordOf('tax'));
  });
  afterEach(async () => {
    await f?.close();
  });

  /** What an attacker would publish as "police": its own certificate in police's businessEntity. */
  function forgedPolice(): BusinessEntity {
    return business('Police Department', {
      businessKey: police(),
      categoryBag: { keyedReferences: [ref(f.keys.category('department'), 'police', 'department')], keyedReferenceGroups: [certificateGroup(f.keys, makeCertificate('forged-police').certificate)] },
      businessServices: [service('ProcessService', { serviceKey: `${police()}:process-service`, bindingTemplates: [binding('http://127.0.0.1:9/evil', [], { bindingKey: `${police()}:process-service:main` })] })],
    });
  }

  function refusals(): Array<Record<string, unknown>> {
    return f.logs.lines.filter((l) => l.msg === "registry refused a publication outside the publisher's rights");
  }

  it("attack: tax saves a business under police's department key before police registers — refused, nothing stored", async () => {
    const e = await expectUddiError(() => client.saveBusiness(tax, [forgedPolice()]), 'E_keyUnavailable', 40100);
    expect(e.message).to.include(`publisher tax acts for department tax; ${police()} belongs to department police`).and.include(`publishes only under ${f.keys.department('tax')}`);
    await expectUddiError(() => client.getBusinessDetail([police()]), 'E_invalidKeyPassed');
    const claimed = await client.findBusiness({ categoryBag: { keyedReferences: [ref(f.keys.category('department'), 'police')], keyedReferenceGroups: [] } });
    expect(claimed.items).to.deep.equal([]);

    // Nor piece by piece: a service, binding or tModel of police's partition under tax's own business.
    await client.saveBusiness(tax, [business('Tax', { businessKey: f.keys.department('tax') })]);
    await expectUddiError(() => client.saveService(tax, [service('x', { businessKey: f.keys.department('tax'), serviceKey: `${police()}:process-service` })]), 'E_keyUnavailable');
    const [own] = await client.saveService(tax, [service('own', { businessKey: f.keys.department('tax'), serviceKey: `${f.keys.department('tax')}:own` })]);
    await expectUddiError(() => client.saveBinding(tax, [binding('http://127.0.0.1:9/evil', [], { serviceKey: own.serviceKey, bindingKey: `${police()}:own:main` })]), 'E_keyUnavailable');
    await expectUddiError(() => client.saveTModel(tax, [tModel('police porttype', { tModelKey: `${police()}:wsdl:process-service:porttype` })]), 'E_keyUnavailable');
    await expectUddiError(() => client.saveTModel(tax, [tModel('police generator', { tModelKey: `${police()}:keygenerator` })]), 'E_keyUnavailable');
    await expectUddiError(() => client.getTModelDetail([`${police()}:keygenerator`]), 'E_invalidKeyPassed');

    // The hub logged who tried what, and never the token.
    const logged = refusals();
    expect(logged.length).to.be.at.least(5);
    expect(logged[0]).to.include({ publisher: 'tax', department: 'tax', key: police(), operation: 'save_business', errCode: 'E_keyUnavailable' });
    expect(JSON.stringify(f.logs.lines)).to.not.include(tax).and.not.include(passwordOf('tax'));

    // police itself registers normally afterwards.
    const engine = await f.engine('police', { certificate: makeCertificate('police').certificate });
    await engine.registration.whenRegistered();
  });

  it("attack: tax overwrites an existing department's business with its own certificate — refused, the victim's certificate unchanged", async () => {
    const policeCert = makeCertificate('police').certificate;
    const engine: DepartmentEngine = await f.engine('police', { certificate: policeCert });
    await engine.registration.whenRegistered();
    const [before] = await client.getBusinessDetail([police()]);

    const e = await expectUddiError(() => client.saveBusiness(tax, [forgedPolice()]), 'E_userMismatch', 10140);
    expect(e.message).to.include(`publisher tax acts for department tax; ${police()} belongs to department police`);
    // Every other way in to police's entries: its service, its binding (re-pointing it), deleting it.
    const [svc] = before.businessServices;
    await expectUddiError(() => client.saveService(tax, [{ ...svc, bindingTemplates: [] }]), 'E_userMismatch');
    await expectUddiError(() => client.saveBinding(tax, [{ ...svc.bindingTemplates[0], accessPoint: { value: 'http://127.0.0.1:9/evil', useType: 'endPoint' } }]), 'E_userMismatch');
    const deleted = await uddiPost(`${f.url}/uddi/publication`, `<delete_business ${UDDI_NS}><authInfo>${tax}</authInfo><businessKey>${police()}</businessKey></delete_business>`);
    expect(deleted.status).to.equal(500);
    expect(deleted.body).to.include('errCode="E_userMismatch"');

    const [after] = await client.getBusinessDetail([police()]);
    expect(after).to.deep.equal(before);
    expect(readCertificate(after, f.keys)!.fingerprint).to.equal(policeCert.fingerprint);
    expect(refusals().map((l) => l.operation)).to.include.members(['save_business', 'save_service', 'save_binding', 'delete_business']);
  });

  it('attack: tax saves the key generators of the federation root and department partitions — refused, and a new department still registers', async () => {
    const g = f.keys.hubKeyGenerators();
    for (const key of [g.root, g.departments, g.shared]) {
      const e = await expectUddiError(() => client.saveTModel(tax, [tModel('mine now', { tModelKey: key, categoryBag: { keyedReferences: [ref('uddi:uddi.org:categorization:types', 'keyGenerator')], keyedReferenceGroups: [] } })]), 'E_userMismatch');
      expect(e.message).to.include(`${key} belongs to the registry hub`);
    }
    // The hub holds them: created when it started, as UDDI clients can see.
    const info = await f.registry.getOperationalInfo([g.root, g.departments, g.shared]);
    expect(info.map((i) => i.authorizedName)).to.deep.equal([HUB_OWNER, HUB_OWNER, HUB_OWNER]);
    // A key generator nobody holds yet in the federation's root is refused too.
    await expectUddiError(() => client.saveTModel(tax, [tModel('x', { tModelKey: `uddi:${f.keys.domain}:other:keygenerator` })]), 'E_keyUnavailable');

    const fire = await f.engine('fire');
    const report = await fire.registration.whenRegistered();
    expect(report.businessKey).to.equal(f.keys.department('fire'));
    expect(fire.logs.lines.filter((l) => (l.level as number) >= 40)).to.deep.equal([]);
  });

  it('attack: tax saves or deletes a shared interflow:* tModel — refused, the tModel unchanged', async () => {
    const capability = f.keys.category('capability');
    const [before] = await client.getTModelDetail([capability]);
    const e = await expectUddiError(() => client.saveTModel(tax, [tModel('interflow:capability', { tModelKey: capability, descriptions: [{ value: 'hijacked' }] })]), 'E_userMismatch');
    expect(e.message).to.include(`${capability} belongs to the registry hub`);
    const d = await expectUddiError(() => client.deleteTModel(tax, [capability]), 'E_userMismatch');
    expect(d.message).to.include('belongs to the registry hub');
    // A new one in the shared partition cannot be claimed first either.
    await expectUddiError(() => client.saveTModel(tax, [tModel('interflow:rank', { tModelKey: f.keys.category('capability').replace(/capability$/, 'rank') })]), 'E_keyUnavailable');
    const [after] = await client.getTModelDetail([capability]);
    expect(after).to.deep.equal(before);
    expect(after.deleted).to.not.equal(true);
    // And nobody can log in as the hub's owner.
    await expectUddiError(() => client.getAuthToken(HUB_OWNER, 'anything-at-all'), 'E_unknownUser');
    const reserved = await f.registry.createPublisher(HUB_OWNER, 'a-long-password').then(() => undefined, (err: Error) => err);
    expect(reserved?.message).to.match(/registry hub's own name/);
  });

  it('self-registration of several departments at once still works, each in its own partition', async () => {
    const engines = await Promise.all(['tax', 'police', 'fire'].map((code) => f.engine(code, { certificate: makeCertificate(`${code}-legit`).certificate })));
    await Promise.all(engines.map((e) => e.registration.whenRegistered()));
    for (const e of engines) {
      expect(e.logs.lines.filter((l) => (l.level as number) >= 40), e.department).to.deep.equal([]);
      const [info] = await f.registry.getOperationalInfo([f.keys.department(e.department)]);
      expect(info.authorizedName).to.equal(e.department);
    }
    const categories = await f.registry.getOperationalInfo(hubTModels(f.keys).map((t) => t.tModelKey!));
    expect(new Set(categories.map((i) => i.authorizedName))).to.deep.equal(new Set([HUB_OWNER]));
    expect(refusals()).to.deep.equal([]);
    // Everything in the federation domain is where the rules put it.
    expect(await f.registry.federationLeftovers()).to.deep.equal([]);
  });

  it('a plain UDDI publisher keeps its own partitions and gets nothing of the federation', async () => {
    await f.publisher('roads', null);
    const roads = await client.getAuthToken('roads', passwordOf('roads'));
    await client.saveTModel(roads, [tModel('roads generator', { tModelKey: 'uddi:roads.example:keygenerator' })]);
    const [saved] = await client.saveBusiness(roads, [business('Roads', { businessKey: 'uddi:roads.example:roads' })]);
    expect(saved.businessKey).to.equal('uddi:roads.example:roads');
    const e = await expectUddiError(() => client.saveBusiness(roads, [business('Roads', { businessKey: f.keys.department('roads') })]), 'E_keyUnavailable');
    expect(e.message).to.include('publisher roads acts for no department').and.include('interflow registry publisher add roads --department CODE');
    // Once the hub administrator assigns it a department, it publishes there.
    await f.registry.setPublisherDepartment('roads', 'roads');
    await client.saveBusiness(roads, [business('Roads', { businessKey: f.keys.department('roads') })]);
  });

  it('a registry cannot guard a federation domain that is its own node domain', () => {
    expect(() => new RegistryStore(f.registry.repository, { nodeDomain: 'gov.example', federationDomain: 'gov.example', env: {} })).to.throw(/must differ from the node's INTERFLOW_UDDI_DOMAIN/);
    expect(() => new RegistryStore(f.registry.repository, { nodeDomain: 'hub.gov.example', env: { INTERFLOW_FEDERATION_DOMAIN: 'Gov.Example' } }).federation.domain).to.not.throw();
  });

  it('the hub takes over federation tModels a department saved before the rule, and restarts idempotently', async () => {
    const capability = f.keys.category('capability');
    // As an older registry left it: the first department to register owned the categorisation tModels.
    await f.registry.repository.write(async (tx) => {
      const [row] = await tx.getEntities([capability]);
      await tx.deleteEntities([capability]);
      await tx.insertEntities([{ ...row, owner: 'tax' }]);
    });
    // And police's business, saved by tax back then.
    await f.registry.importBusinesses('tax', [business('Police, really tax', { businessKey: police() })]);
    await f.stopHub();
    await f.startHub();
    const leftovers = f.logs.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('entries in the federation domain are held by publishers'));
    expect(leftovers, 'the hub reports what the rules no longer let its owner change').to.exist;
    expect(leftovers!.entries).to.deep.equal([{ key: police(), kind: 'business', owner: 'tax' }]);
    expect(leftovers!.firstReason).to.include(`publisher tax acts for department tax; ${police()} belongs to department police`);
    const [info] = await f.registry.getOperationalInfo([capability]);
    expect(info.authorizedName).to.equal(HUB_OWNER);
    expect(f.logs.lines.find((l) => l.tModelKey === capability)).to.include({ previousOwner: 'tax' });
    const [before] = await f.registry.getOperationalInfo([f.keys.hubKeyGenerators().root]);
    await f.stopHub();
    await f.startHub();
    const [again] = await f.registry.getOperationalInfo([f.keys.hubKeyGenerators().root]);
    expect(again.modified.getTime()).to.equal(before.modified.getTime());
    expect(f.logs.lines.filter((l) => l.msg === 'federation key generators and interflow:* tModels held by the hub').at(-1)).to.include({ created: 0, claimed: 0, unchanged: hubTModels(f.keys).length });
  });
});

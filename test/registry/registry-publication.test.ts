import { expect } from 'chai';
import type { BusinessEntity } from '../../src/registry';
import { bag, binding, business, CAPABILITY, ref, service, tModel, WSDL_TYPES } from './fixtures';
import { expectUddiError, openTestRegistry, type TestRegistry } from './support';

describe('UDDI registry: publication (save_xx, delete_xx) and the get_xxDetail that read it back', () => {
  let t: TestRegistry;
  let alice: string;
  let bob: string;

  before(async () => {
    t = await openTestRegistry();
    await t.registry.createPublisher('alice', 'alice-secret');
    await t.registry.createPublisher('bob', 'bob-secret-1');
    alice = await t.registry.getAuthToken('alice', 'alice-secret');
    bob = await t.registry.getAuthToken('bob', 'bob-secret-1');
  });
  after(async () => t.close());

  const full = (): BusinessEntity =>
    business('Planning Department', {
      discoveryURLs: [{ value: 'http://planning.example.gov/uddi', useType: 'homepage' }],
      names: [{ value: 'Planning  Department ', lang: 'en' }, { value: '规划局', lang: 'zh-CN' }],
      descriptions: [{ value: 'Building permits', lang: 'en' }],
      contacts: [{
        useType: 'technical', descriptions: [], personNames: [{ value: 'Li Wei' }],
        phones: [{ value: '+86 20 1234', useType: 'office' }], emails: [{ value: 'it@planning.example.gov' }],
        addresses: [{ useType: 'postal', sortCode: 'a1', addressLines: [{ value: '1 Main St', keyName: 'street', keyValue: '1' }] }],
      }],
      identifierBag: [ref('uddi:interflow.org:department-code', 'PLAN')],
      categoryBag: { keyedReferences: [ref(CAPABILITY, 'permit-review')], keyedReferenceGroups: [{ tModelKey: 'uddi:interflow.org:location', keyedReferences: [ref('uddi:interflow.org:city', 'Guangzhou')] }] },
      businessServices: [service('Permit service', {
        descriptions: [{ value: 'Reviews applications' }],
        categoryBag: bag(ref(CAPABILITY, 'permit-review')),
        bindingTemplates: [binding('https://planning.example.gov/wfxml/factory/permit', ['uddi:planning.example.gov:wfxml-factory-binding'], {
          tModelInstanceDetails: [{
            tModelKey: 'uddi:planning.example.gov:wfxml-factory-binding',
            descriptions: [{ value: 'the binding' }],
            instanceDetails: { descriptions: [], overviewDocs: [{ descriptions: [], overviewURL: { value: 'https://planning.example.gov/wfxml/factory/permit?wsdl', useType: 'wsdlInterface' } }], instanceParms: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' },
          }],
        })],
      })],
    });

  it('generates uddi:<node domain>:<uuid> keys for everything saved without one', async () => {
    const [saved] = await t.registry.saveBusiness(alice, [full()]);
    const uuid = /^uddi:test\.example:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(saved.businessKey).to.match(uuid);
    expect(saved.businessServices[0].serviceKey).to.match(uuid);
    expect(saved.businessServices[0].businessKey).to.equal(saved.businessKey);
    expect(saved.businessServices[0].bindingTemplates[0].bindingKey).to.match(uuid);
    expect(saved.businessServices[0].bindingTemplates[0].serviceKey).to.equal(saved.businessServices[0].serviceKey);
  });

  it('gives back exactly what was saved, whitespace collapsed as the schema does', async () => {
    const [saved] = await t.registry.saveBusiness(alice, [full()]);
    const [read] = await t.registry.getBusinessDetail([saved.businessKey!]);
    expect(read).to.deep.equal(saved);
    expect(read.names[0]).to.deep.equal({ value: 'Planning Department', lang: 'en' });
    expect(read.businessServices[0].bindingTemplates[0].tModelInstanceDetails[0].instanceDetails!.instanceParms, 'instanceParms keeps its line breaks').to.include('\nMIIB\n');
    const [svc] = await t.registry.getServiceDetail([saved.businessServices[0].serviceKey!]);
    expect(svc).to.deep.equal(saved.businessServices[0]);
    const [bt] = await t.registry.getBindingDetail([saved.businessServices[0].bindingTemplates[0].bindingKey!]);
    expect(bt).to.deep.equal(saved.businessServices[0].bindingTemplates[0]);
  });

  it('accepts keys the publisher proposes in its own domain, case-folded', async () => {
    const [saved] = await t.registry.saveBusiness(alice, [business('Proposed', { businessKey: 'uddi:Planning.Example.GOV:Business' })]);
    expect(saved.businessKey).to.equal('uddi:planning.example.gov:business');
    const [read] = await t.registry.getBusinessDetail(['UDDI:PLANNING.EXAMPLE.GOV:BUSINESS']);
    expect(read.names[0].value).to.equal('Proposed');
  });

  it('refuses proposed keys in the node\'s own partition and in partitions another publisher claimed: E_keyUnavailable (40100)', async () => {
    await expectUddiError(() => t.registry.saveBusiness(alice, [business('Mine', { businessKey: 'uddi:test.example:mine' })]), 'E_keyUnavailable', 40100);
    await t.registry.saveTModel(bob, [tModel('bob.example key generator', { tModelKey: 'uddi:bob.example:keygenerator' })]);
    await expectUddiError(() => t.registry.saveTModel(alice, [tModel('squatter', { tModelKey: 'uddi:bob.example:stolen' })]), 'E_keyUnavailable', 40100);
    await expectUddiError(() => t.registry.saveBusiness(alice, [business('deep', { businessKey: 'uddi:bob.example:a:b' })]), 'E_keyUnavailable');
    const [mine] = await t.registry.saveTModel(bob, [tModel('bob\'s own', { tModelKey: 'uddi:bob.example:own' })]);
    expect(mine.tModelKey).to.equal('uddi:bob.example:own');
  });

  it('refuses malformed keys and keys of the wrong kind: E_invalidKeyPassed (10210)', async () => {
    await expectUddiError(() => t.registry.getBusinessDetail(['not-a-key']), 'E_invalidKeyPassed', 10210);
    await expectUddiError(() => t.registry.getBusinessDetail(['uddi:test.example:missing']), 'E_invalidKeyPassed', 10210);
    const [saved] = await t.registry.saveBusiness(alice, [full()]);
    const e = await expectUddiError(() => t.registry.getServiceDetail([saved.businessKey!]), 'E_invalidKeyPassed');
    expect(e.message).to.match(/is the key of a businessEntity, not of a businessService/);
    expect(e.keyType).to.equal('serviceKey');
    await expectUddiError(() => t.registry.saveTModel(alice, [tModel('clash', { tModelKey: saved.businessKey })]), 'E_invalidKeyPassed');
  });

  it('refuses invalid content: E_invalidValue (20200)', async () => {
    await expectUddiError(() => t.registry.saveBusiness(alice, [business([])]), 'E_invalidValue', 20200);
    await expectUddiError(() => t.registry.saveBusiness(alice, [business('x'.repeat(256))]), 'E_invalidValue');
    await expectUddiError(() => t.registry.saveBusiness(alice, [business('   ')]), 'E_invalidValue');
    await expectUddiError(() => t.registry.saveBusiness(alice, [business('bad lang', { names: [{ value: 'x', lang: 'not a lang!' }] })]), 'E_invalidValue');
    await expectUddiError(() => t.registry.saveService(alice, [service('orphan')]), 'E_invalidValue');
    const noAccess = binding('x');
    delete noAccess.accessPoint;
    const [b] = await t.registry.saveBusiness(alice, [business('for bindings', { businessServices: [service('s')] })]);
    await expectUddiError(() => t.registry.saveBinding(alice, [{ ...noAccess, serviceKey: b.businessServices[0].serviceKey }]), 'E_invalidValue');
    await expectUddiError(() => t.registry.saveBusiness(alice, []), 'E_invalidValue');
  });

  it('refuses service projections: E_unsupported (10050)', async () => {
    const [other] = await t.registry.saveBusiness(alice, [business('Other')]);
    await expectUddiError(() => t.registry.saveBusiness(alice, [business('Projector', { businessServices: [service('projected', { businessKey: other.businessKey })] })]), 'E_unsupported', 10050);
  });

  describe('ownership: a publisher changes only what it owns (E_userMismatch, 10140)', () => {
    let owned: BusinessEntity;

    before(async () => {
      [owned] = await t.registry.saveBusiness(alice, [full()]);
    });

    it('refuses another publisher\'s save_business, save_service, save_binding, save_tModel', async () => {
      await expectUddiError(() => t.registry.saveBusiness(bob, [{ ...owned, names: [{ value: 'Hijacked' }] }]), 'E_userMismatch', 10140);
      const svc = owned.businessServices[0];
      await expectUddiError(() => t.registry.saveService(bob, [{ ...svc, names: [{ value: 'Hijacked' }] }]), 'E_userMismatch');
      await expectUddiError(() => t.registry.saveService(bob, [service('Squat', { businessKey: owned.businessKey })]), 'E_userMismatch');
      await expectUddiError(() => t.registry.saveBinding(bob, [binding('http://evil', [], { serviceKey: svc.serviceKey })]), 'E_userMismatch');
      await expectUddiError(() => t.registry.saveBinding(bob, [{ ...svc.bindingTemplates[0], accessPoint: { value: 'http://evil' } }]), 'E_userMismatch');
      const [tm] = await t.registry.saveTModel(alice, [tModel('alice tModel')]);
      await expectUddiError(() => t.registry.saveTModel(bob, [{ ...tm, name: { value: 'mine now' } }]), 'E_userMismatch');
      const [read] = await t.registry.getBusinessDetail([owned.businessKey!]);
      expect(read).to.deep.equal(owned);
    });

    it('refuses another publisher\'s delete_xx, and deletes nothing of a partly foreign list', async () => {
      const [bobs] = await t.registry.saveBusiness(bob, [business('Bob\'s')]);
      await expectUddiError(() => t.registry.deleteBusiness(bob, [bobs.businessKey!, owned.businessKey!]), 'E_userMismatch');
      expect(await t.registry.getBusinessDetail([bobs.businessKey!])).to.have.length(1);
      await expectUddiError(() => t.registry.deleteService(bob, [owned.businessServices[0].serviceKey!]), 'E_userMismatch');
      await expectUddiError(() => t.registry.deleteBinding(bob, [owned.businessServices[0].bindingTemplates[0].bindingKey!]), 'E_userMismatch');
      const [tm] = await t.registry.saveTModel(alice, [tModel('alice tModel 2')]);
      await expectUddiError(() => t.registry.deleteTModel(bob, [tm.tModelKey!]), 'E_userMismatch');
    });

    it('refuses to delete what does not exist: E_invalidKeyPassed', async () => {
      await expectUddiError(() => t.registry.deleteBusiness(alice, ['uddi:test.example:gone']), 'E_invalidKeyPassed');
      await expectUddiError(() => t.registry.deleteService(alice, [owned.businessKey!]), 'E_invalidKeyPassed');
    });
  });

  it('delete_business cascades to its services and bindings', async () => {
    const [b] = await t.registry.saveBusiness(alice, [full()]);
    const serviceKey = b.businessServices[0].serviceKey!;
    const bindingKey = b.businessServices[0].bindingTemplates[0].bindingKey!;
    await t.registry.deleteBusiness(alice, [b.businessKey!]);
    await expectUddiError(() => t.registry.getBusinessDetail([b.businessKey!]), 'E_invalidKeyPassed');
    await expectUddiError(() => t.registry.getServiceDetail([serviceKey]), 'E_invalidKeyPassed');
    await expectUddiError(() => t.registry.getBindingDetail([bindingKey]), 'E_invalidKeyPassed');
    const left = await t.registry.findBinding({ tModelBag: ['uddi:planning.example.gov:wfxml-factory-binding'], serviceKey: undefined });
    expect(left.items.map((x) => x.bindingKey)).not.to.include(bindingKey);
  });

  it('delete_service removes its bindings; delete_binding only the binding', async () => {
    const [b] = await t.registry.saveBusiness(alice, [business('Two services', { businessServices: [service('one', { bindingTemplates: [binding('http://one')] }), service('two', { bindingTemplates: [binding('http://two/a'), binding('http://two/b')] })] })]);
    const [one, two] = b.businessServices;
    await t.registry.deleteService(alice, [one.serviceKey!]);
    await expectUddiError(() => t.registry.getBindingDetail([one.bindingTemplates[0].bindingKey!]), 'E_invalidKeyPassed');
    await t.registry.deleteBinding(alice, [two.bindingTemplates[0].bindingKey!]);
    const [read] = await t.registry.getBusinessDetail([b.businessKey!]);
    expect(read.businessServices.map((s) => s.names[0].value)).to.deep.equal(['two']);
    expect(read.businessServices[0].bindingTemplates.map((x) => x.accessPoint!.value)).to.deep.equal(['http://two/b']);
  });

  it('save_business replaces the whole tree: services and bindings left out are deleted', async () => {
    const [b] = await t.registry.saveBusiness(alice, [business('Replace me', { businessServices: [service('keep', { bindingTemplates: [binding('http://keep')] }), service('drop', { bindingTemplates: [binding('http://drop')] })] })]);
    const [keep, drop] = b.businessServices;
    const [again] = await t.registry.saveBusiness(alice, [{ ...b, businessServices: [keep] }]);
    expect(again.businessServices).to.have.length(1);
    await expectUddiError(() => t.registry.getServiceDetail([drop.serviceKey!]), 'E_invalidKeyPassed');
    await expectUddiError(() => t.registry.getBindingDetail([drop.bindingTemplates[0].bindingKey!]), 'E_invalidKeyPassed');
    const [svc] = await t.registry.getServiceDetail([keep.serviceKey!]);
    expect(svc.bindingTemplates[0].accessPoint!.value).to.equal('http://keep');
  });

  it('moves a service between two businesses of the same publisher, keeping its creation date', async () => {
    const [from] = await t.registry.saveBusiness(alice, [business('From', { businessServices: [service('mover', { bindingTemplates: [binding('http://mover')] })] })]);
    const [info] = await t.registry.getOperationalInfo([from.businessServices[0].serviceKey!]);
    t.clock.advance(5);
    // Without a businessKey: a service naming another business would be a projection (refused above).
    const { businessKey: _from, ...moving } = from.businessServices[0];
    const [to] = await t.registry.saveBusiness(alice, [business('To', { businessServices: [moving] })]);
    const [read] = await t.registry.getServiceDetail([from.businessServices[0].serviceKey!]);
    expect(read.businessKey).to.equal(to.businessKey);
    const [fromNow] = await t.registry.getBusinessDetail([from.businessKey!]);
    expect(fromNow.businessServices).to.deep.equal([]);
    const [after] = await t.registry.getOperationalInfo([read.serviceKey!]);
    expect(after.created.getTime()).to.equal(info.created.getTime());
    expect(after.modified.getTime()).to.equal(info.modified.getTime() + 5000);
  });

  it('save_service and save_binding add to an existing business and service, in order', async () => {
    const [b] = await t.registry.saveBusiness(alice, [business('Grows')]);
    const [s] = await t.registry.saveService(alice, [service('first', { businessKey: b.businessKey })]);
    await t.registry.saveService(alice, [service('second', { businessKey: b.businessKey })]);
    const [bt] = await t.registry.saveBinding(alice, [binding('http://first/1', [], { serviceKey: s.serviceKey })]);
    await t.registry.saveBinding(alice, [binding('http://first/2', [], { serviceKey: s.serviceKey })]);
    await t.registry.saveBinding(alice, [{ ...bt, accessPoint: { value: 'http://first/1-moved', useType: 'endPoint' } }]);
    const [read] = await t.registry.getBusinessDetail([b.businessKey!]);
    expect(read.businessServices.map((x) => x.names[0].value)).to.deep.equal(['first', 'second']);
    expect(read.businessServices[0].bindingTemplates.map((x) => x.accessPoint!.value)).to.deep.equal(['http://first/1-moved', 'http://first/2']);
    await expectUddiError(() => t.registry.saveBinding(alice, [binding('http://x', [], { serviceKey: 'uddi:test.example:no-such-service' })]), 'E_invalidKeyPassed');
    await expectUddiError(() => t.registry.saveBinding(alice, [{ descriptions: [], tModelInstanceDetails: [], hostingRedirector: { bindingKey: 'uddi:test.example:nowhere' }, serviceKey: s.serviceKey }]), 'E_invalidKeyPassed');
  });

  it('save_xx is all or nothing: one bad entity saves none', async () => {
    const before = (await t.registry.findBusiness({ names: [{ value: 'Atomic%' }], findQualifiers: ['approximateMatch'] })).listDescription.actualCount;
    await expectUddiError(() => t.registry.saveBusiness(alice, [business('Atomic one'), business('Atomic two', { businessKey: 'uddi:test.example:nope' })]), 'E_keyUnavailable');
    const after = (await t.registry.findBusiness({ names: [{ value: 'Atomic%' }], findQualifiers: ['approximateMatch'] })).listDescription.actualCount;
    expect(after).to.equal(before);
  });

  it('delete_tModel is logical: still returned by get_tModelDetail (deleted="true"), hidden from find_tModel, back when saved again', async () => {
    const [tm] = await t.registry.saveTModel(alice, [tModel('Permit WSDL binding', {
      overviewDocs: [{ descriptions: [{ value: 'WSDL' }], overviewURL: { value: 'https://planning.example.gov/permit?wsdl', useType: 'wsdlInterface' } }],
      categoryBag: bag(ref(WSDL_TYPES, 'binding')),
    })]);
    expect(tm.deleted).to.equal(false);
    await t.registry.deleteTModel(alice, [tm.tModelKey!]);
    const [read] = await t.registry.getTModelDetail([tm.tModelKey!]);
    expect(read.deleted).to.equal(true);
    expect(read.overviewDocs[0].overviewURL!.value).to.equal('https://planning.example.gov/permit?wsdl');
    expect((await t.registry.findTModel({ name: { value: 'Permit WSDL binding' } })).items).to.deep.equal([]);
    expect((await t.registry.findTModel({ categoryBag: bag(ref(WSDL_TYPES, 'binding')) })).items).to.deep.equal([]);
    const hidden = await t.registry.getRegisteredInfo(alice, 'hidden');
    expect(hidden.tModelInfos.map((x) => x.tModelKey)).to.include(tm.tModelKey);
    await t.registry.saveTModel(alice, [read]);
    expect((await t.registry.getTModelDetail([tm.tModelKey!]))[0].deleted).to.equal(false);
    expect((await t.registry.findTModel({ name: { value: 'Permit WSDL binding' } })).items.map((x) => x.tModelKey)).to.deep.equal([tm.tModelKey]);
  });

  it('get_operationalInfo: created, modified, modifiedIncludingChildren, node and owner', async () => {
    const [b] = await t.registry.saveBusiness(alice, [business('Timed', { businessServices: [service('child')] })]);
    const created = t.clock.ms;
    t.clock.advance(10);
    await t.registry.saveService(alice, [{ ...b.businessServices[0], names: [{ value: 'child renamed' }] }]);
    const [info] = await t.registry.getOperationalInfo([b.businessKey!]);
    expect(info.created.getTime()).to.equal(created);
    expect(info.modified.getTime()).to.equal(created);
    expect(info.modifiedIncludingChildren.getTime()).to.equal(created + 10_000);
    expect(info.nodeID).to.equal('uddi:test.example:node');
    expect(info.authorizedName).to.equal('alice');
  });

  it('get_registeredInfo lists what the publisher owns', async () => {
    await t.registry.saveBusiness(bob, [business('Bob\'s registered')]);
    const info = await t.registry.getRegisteredInfo(bob, 'all');
    expect(info.businessInfos.map((b) => b.names[0].value)).to.include('Bob\'s registered');
    expect(info.businessInfos.map((b) => b.names[0].value)).not.to.include('Planning Department');
    expect(info.tModelInfos.map((x) => x.tModelKey).sort()).to.deep.equal(['uddi:bob.example:keygenerator', 'uddi:bob.example:own']);
  });

  it('two publishers racing for one new key: one saves it, the other gets E_userMismatch', async () => {
    const key = 'uddi:race.example:business';
    const results = await Promise.allSettled([
      t.registry.saveBusiness(alice, [business('Alice wins', { businessKey: key, businessServices: [service('a', { bindingTemplates: [binding('http://a')] })] })]),
      t.registry.saveBusiness(bob, [business('Bob wins', { businessKey: key, businessServices: [service('b', { bindingTemplates: [binding('http://b')] })] })]),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).to.have.length(1);
    expect(failed).to.have.length(1);
    expect((failed[0].reason as { errorCode?: string }).errorCode).to.equal('E_userMismatch');
    const [read] = await t.registry.getBusinessDetail([key]);
    expect(read.businessServices).to.have.length(1);
  });

  it('imports businesses in bulk for an owner', async () => {
    const imported = await t.registry.importBusinesses('bob', [business('Bulk 1', { businessServices: [service('s', { bindingTemplates: [binding('http://bulk/1')] })] }), business('Bulk 2')]);
    const read = await t.registry.getBusinessDetail(imported.map((b) => b.businessKey!));
    expect(read).to.deep.equal(imported);
    await t.registry.deleteBusiness(bob, imported.map((b) => b.businessKey!));
  });
});

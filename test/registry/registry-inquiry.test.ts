import { expect } from 'chai';
import { RegistryStore, type BusinessEntity, type FindBusinessRequest } from '../../src/registry';
import { bag, binding, business, CAPABILITY, DEPARTMENT_TYPE, ref, service, tModel, WSDL_TYPES } from './fixtures';
import { expectUddiError, openTestRegistry, type TestRegistry } from './support';

const GENERAL_KEYWORDS = 'uddi:uddi.org:categorization:general_keywords';
const DEPT_CODE = 'uddi:interflow.org:department-code';

describe('UDDI registry: inquiry (find_xx qualifiers, wildcards, paging, bags)', () => {
  let t: TestRegistry;
  let token: string;
  const saved = new Map<string, BusinessEntity>();
  let portTypeKey: string;
  let bindingTModelKey: string;

  async function save(entity: BusinessEntity): Promise<BusinessEntity> {
    const [s] = await t.registry.saveBusiness(token, [entity]);
    saved.set(s.names[0].value, s);
    t.clock.advance(1); // distinct modified dates, in save order
    return s;
  }

  async function names(request: FindBusinessRequest): Promise<string[]> {
    const list = await t.registry.findBusiness(request);
    return list.items.map((b) => b.names[0].value);
  }

  before(async () => {
    t = await openTestRegistry();
    await t.registry.createPublisher('admin', 'admin-secret');
    token = await t.registry.getAuthToken('admin', 'admin-secret');
    const [pt, bt] = await t.registry.saveTModel(token, [
      tModel('Permit portType', { categoryBag: bag(ref(WSDL_TYPES, 'portType')), identifierBag: [ref('uddi:interflow.org:wsdl-qname', 'urn:permit:PermitPortType')] }),
      tModel('Permit SOAP binding', { categoryBag: bag(ref(WSDL_TYPES, 'binding')) }),
    ]);
    portTypeKey = pt.tModelKey!;
    bindingTModelKey = bt.tModelKey!;
    await save(business('Alpha Agency', {
      categoryBag: bag(ref(CAPABILITY, 'permit-review'), ref(CAPABILITY, 'fire-inspection'), ref(DEPARTMENT_TYPE, 'municipal')),
      identifierBag: [ref(DEPT_CODE, 'ALPHA')],
      discoveryURLs: [{ value: 'http://alpha.example.gov/', useType: 'homepage' }],
      businessServices: [service('Permit review', {
        categoryBag: bag(ref(CAPABILITY, 'permit-review')),
        bindingTemplates: [binding('http://alpha/permit', [portTypeKey, bindingTModelKey]), binding('http://alpha/permit-backup', [portTypeKey], { categoryBag: bag(ref(CAPABILITY, 'backup')) })],
      })],
    }));
    await save(business('alpha agency lower', { categoryBag: bag(ref(CAPABILITY, 'permit-review')), identifierBag: [ref(DEPT_CODE, 'ALPHA2')] }));
    await save(business('Beta Bureau', {
      categoryBag: { keyedReferences: [ref(CAPABILITY, 'fire-inspection')], keyedReferenceGroups: [{ tModelKey: 'uddi:interflow.org:location', keyedReferences: [ref('uddi:interflow.org:city', 'Guangzhou'), ref('uddi:interflow.org:district', 'Tianhe')] }] },
      identifierBag: [ref(DEPT_CODE, 'BETA')],
      businessServices: [service('Inspection', { bindingTemplates: [binding('http://beta/inspect', [portTypeKey])] })],
    }));
    await save(business('Gamma 100% Office', { categoryBag: bag(ref(GENERAL_KEYWORDS, 'transport', 'sector')) }));
    await save(business('Gamma 1000 Office', { categoryBag: bag(ref(GENERAL_KEYWORDS, 'transport', 'other')) }));
    await save(business('Delta_Dept'));
    await save(business('DeltaXDept'));
    await save(business('Épsilon Ministry'));
    await save(business('ΟΔΟΣ Office', { names: [{ value: 'ΟΔΟΣ Office', lang: 'el' }, { value: 'Roads Office', lang: 'en' }] }));
  });
  after(async () => t.close());

  describe('name matching', () => {
    it('is exact and case-sensitive by default (no prefix match without approximateMatch)', async () => {
      expect(await names({ names: [{ value: 'Alpha Agency' }] })).to.deep.equal(['Alpha Agency']);
      expect(await names({ names: [{ value: 'Alpha' }] })).to.deep.equal([]);
      expect(await names({ names: [{ value: 'alpha agency' }] })).to.deep.equal([]);
      expect(await names({ names: [{ value: 'Alpha  Agency ' }] }), 'whitespace collapses as in the schema').to.deep.equal(['Alpha Agency']);
    });

    it('caseInsensitiveMatch ignores case, Unicode included', async () => {
      expect(await names({ names: [{ value: 'ALPHA AGENCY' }], findQualifiers: ['caseInsensitiveMatch'] })).to.deep.equal(['Alpha Agency']);
      expect(await names({ names: [{ value: 'épsilon ministry' }], findQualifiers: ['caseInsensitiveMatch'] })).to.deep.equal(['Épsilon Ministry']);
      expect(await names({ names: [{ value: 'οδος office' }], findQualifiers: ['caseInsensitiveMatch'] }), 'final sigma folds like any sigma').to.deep.equal(['ΟΔΟΣ Office']);
    });

    it('approximateMatch: % is any run, _ one character, case-sensitive unless asked', async () => {
      expect(await names({ names: [{ value: 'Alpha%' }], findQualifiers: ['approximateMatch'] })).to.deep.equal(['Alpha Agency']);
      expect(await names({ names: [{ value: 'alpha%' }], findQualifiers: ['approximateMatch'] })).to.deep.equal(['alpha agency lower']);
      expect(await names({ names: [{ value: 'alpha%' }], findQualifiers: ['approximateMatch', 'caseInsensitiveMatch'] })).to.deep.equal(['Alpha Agency', 'alpha agency lower']);
      expect(await names({ names: [{ value: 'Delta_Dept' }], findQualifiers: ['approximateMatch'] })).to.deep.equal(['DeltaXDept', 'Delta_Dept']);
      expect(await names({ names: [{ value: '%Office' }], findQualifiers: ['approximateMatch'] })).to.deep.equal(['Gamma 100% Office', 'Gamma 1000 Office', 'ΟΔΟΣ Office']);
      expect(await names({ names: [{ value: 'épsilon%' }], findQualifiers: ['approximateMatch'] }), 'É is not é').to.deep.equal([]);
      expect(await names({ names: [{ value: 'épsilon%' }], findQualifiers: ['approximateMatch', 'caseInsensitiveMatch'] })).to.deep.equal(['Épsilon Ministry']);
      expect(await names({ names: [{ value: '%' }], findQualifiers: ['approximateMatch'] })).to.have.length(9);
    });

    it('approximateMatch: a backslash makes % and _ literal', async () => {
      expect(await names({ names: [{ value: 'Gamma 100%' }], findQualifiers: ['approximateMatch'] })).to.deep.equal(['Gamma 100% Office', 'Gamma 1000 Office']);
      expect(await names({ names: [{ value: 'Gamma 100\\%%' }], findQualifiers: ['approximateMatch'] })).to.deep.equal(['Gamma 100% Office']);
      expect(await names({ names: [{ value: 'Delta\\_Dept' }], findQualifiers: ['approximateMatch'] })).to.deep.equal(['Delta_Dept']);
      expect(await names({ names: [{ value: 'Gamma 100% Office' }] }), 'without approximateMatch % is literal').to.deep.equal(['Gamma 100% Office']);
      expect(await names({ names: [{ value: 'Gamma 100%' }] })).to.deep.equal([]);
    });

    it('several names match any of them; xml:lang restricts a name to names in that language', async () => {
      expect(await names({ names: [{ value: 'Beta Bureau' }, { value: 'DeltaXDept' }] })).to.deep.equal(['Beta Bureau', 'DeltaXDept']);
      expect(await names({ names: [{ value: 'Roads Office', lang: 'en' }] })).to.deep.equal(['ΟΔΟΣ Office']);
      expect(await names({ names: [{ value: 'Roads Office', lang: 'el' }] })).to.deep.equal([]);
      expect(await names({ names: [{ value: 'Roads Office', lang: 'EN' }] }), 'language tags compare without case').to.deep.equal(['ΟΔΟΣ Office']);
    });

    it('accepts qualifiers by tModelKey and in any case', async () => {
      expect(await names({ names: [{ value: 'alpha%' }], findQualifiers: ['uddi:uddi.org:findqualifier:approximatematch', 'CASEINSENSITIVEMATCH'] })).to.deep.equal(['Alpha Agency', 'alpha agency lower']);
    });

    it('refuses unknown and unsupported qualifiers (E_unsupported) and conflicting ones (E_invalidCombination, 40500)', async () => {
      await expectUddiError(() => t.registry.findBusiness({ findQualifiers: ['fuzzyMatch'] }), 'E_unsupported', 10050);
      await expectUddiError(() => t.registry.findBusiness({ findQualifiers: ['combineCategoryBags'] }), 'E_unsupported');
      await expectUddiError(() => t.registry.findBusiness({ findQualifiers: ['exactMatch', 'approximateMatch'] }), 'E_invalidCombination', 40500);
      await expectUddiError(() => t.registry.findBusiness({ findQualifiers: ['sortByNameAsc', 'sortByNameDesc'] }), 'E_invalidCombination');
      await expectUddiError(() => t.registry.findBusiness({ findQualifiers: ['andAllKeys', 'orAllKeys'] }), 'E_invalidCombination');
      await expectUddiError(() => t.registry.findBusiness({ findRelatedBusinesses: true }), 'E_unsupported');
    });
  });

  describe('sorting', () => {
    it('sorts by name ascending (code points) by default, descending on request, or ignoring case', async () => {
      const all = await names({});
      expect(all).to.deep.equal(['Alpha Agency', 'Beta Bureau', 'DeltaXDept', 'Delta_Dept', 'Gamma 100% Office', 'Gamma 1000 Office', 'alpha agency lower', 'Épsilon Ministry', 'ΟΔΟΣ Office']);
      expect(await names({ findQualifiers: ['sortByNameDesc'] })).to.deep.equal([...all].reverse());
      const insensitive = await names({ findQualifiers: ['caseInsensitiveSort'] });
      expect(insensitive.indexOf('alpha agency lower')).to.equal(1);
    });

    it('sorts by date saved, ascending or descending', async () => {
      const order = ['Alpha Agency', 'alpha agency lower', 'Beta Bureau', 'Gamma 100% Office', 'Gamma 1000 Office', 'Delta_Dept', 'DeltaXDept', 'Épsilon Ministry', 'ΟΔΟΣ Office'];
      expect(await names({ findQualifiers: ['sortByDateAsc'] })).to.deep.equal(order);
      expect(await names({ findQualifiers: ['sortByDateDesc'] })).to.deep.equal([...order].reverse());
    });
  });

  describe('paging', () => {
    it('maxRows and listHead page through the result; listDescription says where the page is', async () => {
      const page1 = await t.registry.findBusiness({ maxRows: 4 });
      expect(page1.items.map((b) => b.names[0].value)).to.deep.equal(['Alpha Agency', 'Beta Bureau', 'DeltaXDept', 'Delta_Dept']);
      expect(page1.listDescription).to.deep.equal({ includeCount: 4, actualCount: 9, listHead: 1 });
      expect(page1.truncated).to.equal(true);
      const page3 = await t.registry.findBusiness({ maxRows: 4, listHead: 9 });
      expect(page3.items.map((b) => b.names[0].value)).to.deep.equal(['ΟΔΟΣ Office']);
      expect(page3.listDescription).to.deep.equal({ includeCount: 1, actualCount: 9, listHead: 9 });
      expect(page3.truncated).to.equal(false);
      const beyond = await t.registry.findBusiness({ maxRows: 4, listHead: 20 });
      expect(beyond.items).to.deep.equal([]);
      expect(beyond.listDescription).to.deep.equal({ includeCount: 0, actualCount: 9, listHead: 20 });
    });

    it('caps rows at the node\'s limit and refuses a maxRows below 1 (E_invalidValue)', async () => {
      const small = openTestRegistryShare(t, 3);
      const list = await small.findBusiness({});
      expect(list.items).to.have.length(3);
      expect(list.truncated).to.equal(true);
      expect((await small.findBusiness({ maxRows: 100 })).items).to.have.length(3);
      await expectUddiError(() => t.registry.findBusiness({ maxRows: 0 }), 'E_invalidValue', 20200);
    });

    it('businessInfo carries the business\'s services', async () => {
      const [alpha] = (await t.registry.findBusiness({ names: [{ value: 'Alpha Agency' }] })).items;
      expect(alpha.serviceInfos.map((s) => s.names[0].value)).to.deep.equal(['Permit review']);
      expect(alpha.serviceInfos[0].businessKey).to.equal(alpha.businessKey);
    });
  });

  describe('bags', () => {
    it('categoryBag: every keyedReference must match (andAllKeys by default)', async () => {
      expect(await names({ categoryBag: bag(ref(CAPABILITY, 'permit-review')) })).to.deep.equal(['Alpha Agency', 'alpha agency lower']);
      expect(await names({ categoryBag: bag(ref(CAPABILITY, 'permit-review'), ref(CAPABILITY, 'fire-inspection')) })).to.deep.equal(['Alpha Agency']);
      expect(await names({ categoryBag: bag(ref('UDDI:INTERFLOW.ORG:CAPABILITY', 'fire-inspection')) }), 'tModelKeys fold').to.deep.equal(['Alpha Agency', 'Beta Bureau']);
    });

    it('categoryBag: orAllKeys matches any; orLikeKeys any per tModelKey, all tModelKeys', async () => {
      expect(await names({ categoryBag: bag(ref(CAPABILITY, 'permit-review'), ref(CAPABILITY, 'fire-inspection')), findQualifiers: ['orAllKeys'] })).to.deep.equal(['Alpha Agency', 'Beta Bureau', 'alpha agency lower']);
      expect(await names({ categoryBag: bag(ref(CAPABILITY, 'permit-review'), ref(CAPABILITY, 'fire-inspection'), ref(DEPARTMENT_TYPE, 'municipal')), findQualifiers: ['orLikeKeys'] })).to.deep.equal(['Alpha Agency']);
    });

    it('categoryBag: keyValues honour approximateMatch and caseInsensitiveMatch; keyName counts only for general_keywords', async () => {
      expect(await names({ categoryBag: bag(ref(CAPABILITY, 'fire%')), findQualifiers: ['approximateMatch'] })).to.deep.equal(['Alpha Agency', 'Beta Bureau']);
      expect(await names({ categoryBag: bag(ref(CAPABILITY, 'FIRE-INSPECTION')) })).to.deep.equal([]);
      expect(await names({ categoryBag: bag(ref(CAPABILITY, 'FIRE-INSPECTION')), findQualifiers: ['caseInsensitiveMatch'] })).to.deep.equal(['Alpha Agency', 'Beta Bureau']);
      expect(await names({ categoryBag: bag(ref(CAPABILITY, 'fire-inspection', 'any name')) }), 'keyName ignored').to.deep.equal(['Alpha Agency', 'Beta Bureau']);
      expect(await names({ categoryBag: bag(ref(GENERAL_KEYWORDS, 'transport', 'sector')) })).to.deep.equal(['Gamma 100% Office']);
      expect(await names({ categoryBag: bag(ref(GENERAL_KEYWORDS, 'transport')) }), 'general_keywords: keyName must match too').to.deep.equal([]);
    });

    it('categoryBag: a keyedReferenceGroup matches a group holding all its references', async () => {
      const group = (refs: ReturnType<typeof ref>[]) => ({ keyedReferences: [], keyedReferenceGroups: [{ tModelKey: 'uddi:interflow.org:location', keyedReferences: refs }] });
      expect(await names({ categoryBag: group([ref('uddi:interflow.org:city', 'Guangzhou')]) })).to.deep.equal(['Beta Bureau']);
      expect(await names({ categoryBag: group([ref('uddi:interflow.org:city', 'Guangzhou'), ref('uddi:interflow.org:district', 'Tianhe')]) })).to.deep.equal(['Beta Bureau']);
      expect(await names({ categoryBag: group([ref('uddi:interflow.org:city', 'Guangzhou'), ref('uddi:interflow.org:district', 'Yuexiu')]) })).to.deep.equal([]);
      expect(await names({ categoryBag: group([]) }), 'an empty group matches any group of that tModel').to.deep.equal(['Beta Bureau']);
    });

    it('identifierBag: any identifier matches (orAllKeys by default), all with andAllKeys', async () => {
      expect(await names({ identifierBag: [ref(DEPT_CODE, 'ALPHA'), ref(DEPT_CODE, 'BETA')] })).to.deep.equal(['Alpha Agency', 'Beta Bureau']);
      expect(await names({ identifierBag: [ref(DEPT_CODE, 'ALPHA'), ref(DEPT_CODE, 'BETA')], findQualifiers: ['andAllKeys'] })).to.deep.equal([]);
    });

    it('tModelBag: businesses whose bindings reference every tModel (any with orAllKeys)', async () => {
      expect(await names({ tModelBag: [portTypeKey] })).to.deep.equal(['Alpha Agency', 'Beta Bureau']);
      expect(await names({ tModelBag: [portTypeKey, bindingTModelKey] })).to.deep.equal(['Alpha Agency']);
      expect(await names({ tModelBag: [bindingTModelKey, 'uddi:interflow.org:unused'], findQualifiers: ['orAllKeys'] })).to.deep.equal(['Alpha Agency']);
    });

    it('a nested find_tModel adds the tModels it finds to the tModelBag; finding none finds nothing', async () => {
      expect(await names({ findTModel: { categoryBag: bag(ref(WSDL_TYPES, 'binding')) } })).to.deep.equal(['Alpha Agency']);
      expect(await names({ findTModel: { name: { value: 'No such tModel' } } })).to.deep.equal([]);
    });

    it('discoveryURLs: any URL matches, with its useType when given', async () => {
      expect(await names({ discoveryURLs: [{ value: 'http://alpha.example.gov/' }] })).to.deep.equal(['Alpha Agency']);
      expect(await names({ discoveryURLs: [{ value: 'http://alpha.example.gov/', useType: 'businessEntity' }] })).to.deep.equal([]);
    });

    it('criteria combine with AND', async () => {
      expect(await names({ names: [{ value: '%a%' }], findQualifiers: ['approximateMatch'], categoryBag: bag(ref(CAPABILITY, 'fire-inspection')), tModelBag: [portTypeKey] })).to.deep.equal(['Alpha Agency', 'Beta Bureau']);
    });
  });

  describe('find_service, find_binding, find_tModel', () => {
    it('find_service by name, categoryBag, tModelBag, within one business or all', async () => {
      const alpha = saved.get('Alpha Agency')!;
      const byName = await t.registry.findService({ names: [{ value: 'permit%' }], findQualifiers: ['approximateMatch', 'caseInsensitiveMatch'] });
      expect(byName.items.map((s) => s.serviceKey)).to.deep.equal([alpha.businessServices[0].serviceKey]);
      expect(byName.listDescription.actualCount).to.equal(1);
      expect((await t.registry.findService({ categoryBag: bag(ref(CAPABILITY, 'permit-review')) })).items).to.have.length(1);
      expect((await t.registry.findService({ tModelBag: [portTypeKey] })).items.map((s) => s.names[0].value)).to.deep.equal(['Inspection', 'Permit review']);
      expect((await t.registry.findService({ tModelBag: [portTypeKey], businessKey: alpha.businessKey })).items.map((s) => s.names[0].value)).to.deep.equal(['Permit review']);
      await expectUddiError(() => t.registry.findService({ businessKey: 'uddi:test.example:nobody' }), 'E_invalidKeyPassed');
    });

    it('find_binding within a service by tModelBag and categoryBag', async () => {
      const svc = saved.get('Alpha Agency')!.businessServices[0];
      const both = await t.registry.findBinding({ serviceKey: svc.serviceKey, tModelBag: [portTypeKey] });
      expect(both.items.map((b) => b.accessPoint!.value)).to.deep.equal(['http://alpha/permit', 'http://alpha/permit-backup']);
      expect(both.listDescription).to.deep.equal({ includeCount: 2, actualCount: 2, listHead: 1 });
      const one = await t.registry.findBinding({ serviceKey: svc.serviceKey, tModelBag: [portTypeKey, bindingTModelKey] });
      expect(one.items.map((b) => b.accessPoint!.value)).to.deep.equal(['http://alpha/permit']);
      expect((await t.registry.findBinding({ categoryBag: bag(ref(CAPABILITY, 'backup')) })).items.map((b) => b.accessPoint!.value)).to.deep.equal(['http://alpha/permit-backup']);
      expect((await t.registry.findBinding({ tModelBag: [portTypeKey] })).items, 'across all services').to.have.length(3);
      await expectUddiError(() => t.registry.findBinding({ serviceKey: 'uddi:test.example:nothing' }), 'E_invalidKeyPassed');
    });

    it('find_tModel by name, categoryBag and identifierBag', async () => {
      expect((await t.registry.findTModel({ name: { value: 'Permit%' }, findQualifiers: ['approximateMatch'] })).items.map((x) => x.name.value)).to.deep.equal(['Permit SOAP binding', 'Permit portType']);
      expect((await t.registry.findTModel({ categoryBag: bag(ref(WSDL_TYPES, 'portType')) })).items.map((x) => x.tModelKey)).to.deep.equal([portTypeKey]);
      expect((await t.registry.findTModel({ identifierBag: [ref('uddi:interflow.org:wsdl-qname', 'urn:permit:PermitPortType')] })).items.map((x) => x.tModelKey)).to.deep.equal([portTypeKey]);
    });
  });
});

/** A second registry on the same database with a smaller node row limit. */
function openTestRegistryShare(t: TestRegistry, maxRows: number): RegistryStore {
  return new RegistryStore(t.registry.repository, { nodeDomain: 'test.example', maxRows, env: {} });
}

import { expect } from 'chai';
import { CertificateError, departmentEntries, FederationKeys, federationDomainFromEnv, offeredServices, readCertificates } from '../../src/binding';
import { keySegment } from '../../src/binding/federation-keys';
import { normaliseBaseUrl } from '../../src/binding/registry-client';
import type { DefinitionRecord } from '../../src/engine';
import type { BusinessEntity } from '../../src/registry';

function definition(processId: string, version: number, activities: Array<{ id: string; department?: string }>): DefinitionRecord {
  return {
    processId,
    version,
    contentHash: `${processId}-${version}`,
    deployedAt: new Date(),
    definition: { id: processId, dataFields: [], participants: [], applications: [], transitions: [], activities: activities.map((a) => ({ ...a, kind: 'manual', join: 'none', split: 'none', performers: [], fireRule: 'first' })) },
  } as DefinitionRecord;
}

describe('the Interflow→UDDI mapping', () => {
  const keys = new FederationKeys('gov.example');

  it('derives stable, distinct keys from codes and process ids', () => {
    expect(keys.department('planning')).to.equal('uddi:gov.example:dept:planning');
    expect(keys.keyGenerator('planning')).to.equal('uddi:gov.example:dept:planning:keygenerator');
    expect(keys.binding('planning', 'process-service', 'main')).to.equal('uddi:gov.example:dept:planning:process-service:main');
    expect(keySegment('building_permit')).to.equal('building_permit');
    expect(keySegment('Permit Review')).to.match(/^permit-review-[0-9a-f]{8}$/);
    expect(keySegment('PLAN')).to.not.equal(keySegment('plan'));
    expect(keySegment('x'.repeat(300)).length).to.be.at.most(49);
    expect(keys.category('capability')).to.equal('uddi:gov.example:interflow:capability');
    expect(federationDomainFromEnv({})).to.equal('interflow.org');
    expect(federationDomainFromEnv({ INTERFLOW_FEDERATION_DOMAIN: 'Gov.Example' })).to.equal('gov.example');
    expect(() => federationDomainFromEnv({ INTERFLOW_FEDERATION_DOMAIN: 'not a domain' })).to.throw(/DNS name/);
  });

  it('offers a factory per process with the activities of this department in any deployed version as capabilities', () => {
    const services = offeredServices([
      definition('permit', 2, [{ id: 'intake' }, { id: 'review', department: 'Environment' }]),
      definition('permit', 1, [{ id: 'old_review', department: 'environment' }, { id: 'fire', department: 'fire' }]),
      definition('audit', 1, [{ id: 'check' }]),
    ], 'environment');
    expect(services.map((s) => s.id)).to.deep.equal(['process-service', 'observer', 'factory:audit', 'factory:permit']);
    const permit = services.find((s) => s.processId === 'permit')!;
    expect(permit.capabilities).to.deep.equal(['permit/old_review', 'permit/review']);
    expect(permit.path).to.equal('/wfxml/factory/permit');
    expect(services.find((s) => s.processId === 'audit')!.capabilities).to.deep.equal([]);
  });

  it('leaves out (and warns about) values longer than a keyValue may be', () => {
    const long = `p/${'a'.repeat(300)}`;
    const entries = departmentEntries(keys, {
      code: 'environment',
      publicUrl: 'https://env.gov.example/',
      engineId: 'main',
      services: [{ ...offeredServices([], 'environment')[0], id: 'factory:p', type: 'wfxml-factory', processId: 'p', capabilities: ['p/short', long] }],
    });
    const refs = entries.business.businessServices[0].categoryBag!.keyedReferences.filter((r) => r.tModelKey === keys.category('capability'));
    expect(refs.map((r) => r.keyValue)).to.deep.equal(['p/short']);
    expect(entries.warnings).to.have.length(1);
    expect(entries.warnings[0]).to.match(/longer than 255 characters and was not published/);
    expect(entries.bindings[0].accessPoint!.value).to.equal('https://env.gov.example/services/ProcessService');
    expect(entries.bindings[0].categoryBag, 'no lease asked for, none published').to.equal(undefined);
    expect(entries.tModels[0].tModelKey).to.equal(keys.keyGenerator('environment'));
  });

  it('refuses certificate groups that cannot be reassembled', () => {
    const tModelKey = keys.category('certificate');
    const business = (refs: Array<{ keyName: string; keyValue: string }>): BusinessEntity => ({
      businessKey: 'uddi:gov.example:dept:x', discoveryURLs: [], names: [{ value: 'x' }], descriptions: [], contacts: [], businessServices: [], identifierBag: [],
      categoryBag: { keyedReferences: [], keyedReferenceGroups: [{ tModelKey, keyedReferences: refs.map((r) => ({ tModelKey, ...r })) }] },
    });
    expect(() => readCertificates(business([{ keyName: 'part-000', keyValue: 'AAAA' }]), keys)).to.throw(CertificateError, /no sha256 fingerprint/);
    expect(() => readCertificates(business([{ keyName: 'sha256', keyValue: 'ab' }]), keys)).to.throw(CertificateError, /no part-NNN chunks/);
    expect(() => readCertificates(business([{ keyName: 'sha256', keyValue: 'ab' }, { keyName: 'part-001', keyValue: 'AAAA' }]), keys)).to.throw(CertificateError, /not numbered 0 to 0/);
    expect(readCertificates({ ...business([]), categoryBag: undefined }, keys)).to.deep.equal([]);
  });

  it('accepts the registry host or one of its endpoints as the registry URL', () => {
    expect(normaliseBaseUrl('http://hub:8080/')).to.equal('http://hub:8080');
    expect(normaliseBaseUrl('http://hub:8080/uddi/inquiry')).to.equal('http://hub:8080');
    expect(normaliseBaseUrl('https://gov.example/registry/')).to.equal('https://gov.example/registry');
    expect(() => normaliseBaseUrl('ftp://hub')).to.throw(/http: or https:/);
    expect(() => normaliseBaseUrl('hub:8080')).to.throw();
  });
});

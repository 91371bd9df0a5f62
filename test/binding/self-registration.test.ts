import { expect } from 'chai';
import { readCertificate, SERVICE_TYPES } from '../../src/binding';
import { certificateGroup, CertificateError, readCertificates } from '../../src/binding/certificate';
import { leaseOf } from '../../src/binding/lease';
import { UddiError, type BusinessEntity } from '../../src/registry';
import { importXpdl } from '../../src/xpdl';
import { Federation, freePort, makeCertificate, passwordOf, type DepartmentEngine } from './support';
import { waitFor } from '../support/wait-for';

const WSDL_TYPES = 'uddi:uddi.org:wsdl:types';

describe('self-registration', function () {
  this.timeout(30_000);
  let f: Federation;
  let cert: ReturnType<typeof makeCertificate>;

  before(() => {
    cert = makeCertificate('environment');
  });
  beforeEach(async () => {
    f = await Federation.open();
    await f.publisher('environment');
    await f.publisher('planning');
  });
  afterEach(async () => {
    await f?.close();
  });

  async function business(code: string): Promise<BusinessEntity> {
    const [b] = await f.registry.getBusinessDetail([f.keys.department(code)]);
    return b;
  }

  it('saves the department as a businessEntity with its services, bindings, WSDL tModels, capabilities and certificate', async () => {
    const env = await f.engine('environment', { certificate: cert.certificate, refreshSeconds: 30 });
    const report = await env.registration.whenRegistered();
    expect(report.businessKey).to.equal('uddi:federation.test:dept:environment');

    const b = await business('environment');
    expect(b.names.map((n) => n.value)).to.deep.equal(['environment']);
    expect(b.categoryBag!.keyedReferences).to.deep.include({ tModelKey: 'uddi:federation.test:interflow:department', keyName: 'department', keyValue: 'environment' });

    const types = b.businessServices.map((s) => s.categoryBag!.keyedReferences.find((r) => r.tModelKey === f.keys.category('service-type'))!.keyValue);
    expect(types).to.have.members([SERVICE_TYPES.processService, SERVICE_TYPES.observer, SERVICE_TYPES.factory, SERVICE_TYPES.factory]);

    const factory = b.businessServices.find((s) => s.serviceKey === 'uddi:federation.test:dept:environment:factory:building_permit')!;
    expect(factory, 'the factory of building_permit').to.exist;
    const refs = factory.categoryBag!.keyedReferences;
    expect(refs).to.deep.include({ tModelKey: f.keys.category('process-id'), keyName: 'process', keyValue: 'building_permit' });
    expect(refs.filter((r) => r.tModelKey === f.keys.category('capability')).map((r) => r.keyValue)).to.deep.equal(['building_permit/environment_review']);
    expect(refs).to.deep.include({ tModelKey: WSDL_TYPES, keyValue: 'service' });

    const [binding] = factory.bindingTemplates;
    expect(binding.bindingKey).to.equal('uddi:federation.test:dept:environment:factory:building_permit:main');
    expect(binding.accessPoint).to.deep.equal({ value: `${env.url}/wfxml/factory/building_permit`, useType: 'endPoint' });
    expect(leaseOf(binding, f.keys)!.getTime()).to.be.greaterThan(Date.now() + 60_000);
    const [bindingRef, portTypeRef] = binding.tModelInstanceDetails;
    expect(bindingRef.tModelKey).to.equal('uddi:federation.test:dept:environment:wsdl:factory:building_permit:binding');
    expect(bindingRef.instanceDetails!.instanceParms).to.equal('WfXmlFactorySoap11');
    expect(portTypeRef.tModelKey).to.equal('uddi:federation.test:dept:environment:wsdl:factory:building_permit:porttype');

    // The WSDL tModels: OASIS technical note v2, overviewURL = the ?wsdl address, which serves the contract.
    const [bindingTModel, portType] = await f.registry.getTModelDetail([bindingRef.tModelKey, portTypeRef.tModelKey]);
    expect(portType.name.value).to.equal('WfXmlFactoryPortType');
    expect(portType.categoryBag!.keyedReferences).to.deep.include({ tModelKey: WSDL_TYPES, keyValue: 'portType' });
    expect(bindingTModel.name.value).to.equal('WfXmlFactorySoap11Binding');
    expect(bindingTModel.categoryBag!.keyedReferences).to.deep.include.members([
      { tModelKey: WSDL_TYPES, keyValue: 'binding' },
      { tModelKey: 'uddi:uddi.org:wsdl:porttypereference', keyValue: portTypeRef.tModelKey },
    ]);
    const wsdlUrl = bindingTModel.overviewDocs[0].overviewURL!;
    expect(wsdlUrl).to.deep.equal({ value: `${env.url}/wfxml/factory/building_permit?wsdl`, useType: 'wsdlInterface' });
    const wsdl = await (await fetch(wsdlUrl.value)).text();
    expect(wsdl).to.include('WfXmlFactoryPortType').and.include(`location="${env.url}/wfxml/factory/building_permit"`);

    // The categorisation systems and the department's key generator exist.
    const categories = await f.registry.getTModelDetail(['department', 'capability', 'process-id', 'service-type', 'lease-until', 'certificate'].map((n) => `uddi:federation.test:interflow:${n}`));
    expect(categories.map((t) => t.name.value)).to.include('interflow:capability');
    const [generator] = await f.registry.getTModelDetail([f.keys.keyGenerator('environment')]);
    expect(generator.categoryBag!.keyedReferences).to.deep.include({ tModelKey: 'uddi:uddi.org:categorization:types', keyValue: 'keyGenerator' });

    // "Who performs building_permit/environment_review?" is a find_service on the capability.
    const found = await f.registry.findService({ categoryBag: { keyedReferences: [{ tModelKey: f.keys.category('capability'), keyValue: 'building_permit/environment_review' }], keyedReferenceGroups: [] } });
    expect(found.items.map((s) => s.serviceKey)).to.deep.equal([factory.serviceKey]);
    // And the endpoints of a portType are a find_binding with its key in a tModelBag.
    const bindings = await f.registry.findBinding({ tModelBag: [portTypeRef.tModelKey] });
    expect(bindings.items.map((x) => x.bindingKey)).to.deep.equal([binding.bindingKey]);
  });

  it('publishes the signing certificate in chunks whose reassembly matches its fingerprint', async () => {
    const env = await f.engine('environment', { certificate: cert.certificate });
    const report = await env.registration.whenRegistered();
    expect(report.certificateFingerprint).to.equal(cert.certificate.fingerprint);
    const b = await business('environment');
    const group = b.categoryBag!.keyedReferenceGroups.find((g) => g.tModelKey === f.keys.category('certificate'))!;
    expect(group.keyedReferences[0]).to.deep.equal({ tModelKey: f.keys.category('certificate'), keyName: 'sha256', keyValue: cert.certificate.fingerprint });
    expect(group.keyedReferences.length).to.be.greaterThan(3);
    for (const r of group.keyedReferences) expect(r.keyValue.length).to.be.at.most(255);
    const read = readCertificate(b, f.keys)!;
    expect(read.fingerprint).to.equal(cert.certificate.fingerprint);
    expect(read.der.equals(cert.certificate.der)).to.equal(true);
    expect(read.certificate.subject).to.include('CN=environment');

    // A chunk changed in the registry is refused, not trusted.
    const tampered = structuredClone(b);
    const g = tampered.categoryBag!.keyedReferenceGroups[0];
    g.keyedReferences[2] = { ...g.keyedReferences[2], keyValue: g.keyedReferences[2].keyValue.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) };
    expect(() => readCertificates(tampered, f.keys)).to.throw(CertificateError, /not the published fingerprint/);
    // Chunks may arrive in any order; their keyNames order them.
    const shuffled = structuredClone(b);
    shuffled.categoryBag!.keyedReferenceGroups[0].keyedReferences.reverse();
    expect(readCertificate(shuffled, f.keys)!.fingerprint).to.equal(cert.certificate.fingerprint);
    expect(certificateGroup(f.keys, cert.certificate)).to.deep.equal(group);
  });

  it('is idempotent: restarts, re-registrations and a second department leave one set of entries with the same keys', async () => {
    const first = await f.engine('environment', { certificate: cert.certificate });
    await first.registration.whenRegistered();
    const before = await snapshot();
    await first.close();
    const again = await f.engine('environment', { certificate: cert.certificate });
    await again.registration.whenRegistered();
    await again.registration.registerOnce();
    const after = await snapshot();
    expect(after.keys).to.deep.equal(before.keys);
    expect(after.counts).to.deep.equal(before.counts);
    // The restarted engine's address replaced the old one under the same bindingKey.
    const b = await business('environment');
    expect(b.businessServices.flatMap((s) => s.bindingTemplates.map((t) => t.accessPoint!.value)).every((u) => u.startsWith(again.url))).to.equal(true);

    // A second department finds the categorisation tModels saved and only adds its own entries.
    const planning = await f.engine('planning');
    await planning.registration.whenRegistered();
    expect(planning.logs.lines.filter((l) => (l.level as number) >= 40)).to.deep.equal([]);
    const both = await snapshot();
    expect(both.counts.business).to.equal(2);
    expect(both.counts.tModel - before.counts.tModel).to.equal(1 + 2 * 4, 'planning: its key generator and portType + binding tModels of 4 services');
  });

  it('refreshes the leases, and registers processes deployed since the last registration', async () => {
    const env = await f.engine('environment', { refreshSeconds: 0.2 });
    await env.registration.whenRegistered();
    const key = f.keys.binding('environment', 'process-service', 'main');
    const [first] = await f.registry.getBindingDetail([key]);
    const firstLease = leaseOf(first, f.keys)!.getTime();
    await waitFor(async () => leaseOf((await f.registry.getBindingDetail([key]))[0], f.keys)!.getTime() > firstLease, 'a refreshed lease');
    expect(leaseOf((await f.registry.getBindingDetail([key]))[0], f.keys)!.getTime() - Date.now()).to.be.within(0, 700);

    const xml = `<?xml version="1.0"?><Package xmlns="http://www.wfmc.org/2008/XPDL2.1" Id="extra" Name="extra"><PackageHeader><XPDLVersion>2.1</XPDLVersion><Vendor>t</Vendor><Created>2025-01-01</Created></PackageHeader>
<Participants><Participant Id="environment"><ParticipantType Type="ORGANIZATIONAL_UNIT"/></Participant></Participants>
<WorkflowProcesses><WorkflowProcess Id="noise_check" Name="Noise check"><ProcessHeader/><Activities>
<Activity Id="s"><Event><StartEvent/></Event></Activity>
<Activity Id="measure"><Implementation><No/></Implementation><Performers><Performer>environment</Performer></Performers></Activity>
<Activity Id="e"><Event><EndEvent/></Event></Activity></Activities>
<Transitions><Transition Id="t1" From="s" To="measure"/><Transition Id="t2" From="measure" To="e"/></Transitions></WorkflowProcess></WorkflowProcesses></Package>`;
    await env.engine.deploy(importXpdl(xml), { source: xml });
    await waitFor(async () => {
      const found = await f.registry.findService({ categoryBag: { keyedReferences: [{ tModelKey: f.keys.category('capability'), keyValue: 'noise_check/measure' }], keyedReferenceGroups: [] } });
      return found.items.length === 1;
    }, 'the new process registered with its capability');
  });

  it('keeps serving while the registry is down, says what is wrong, and registers once the registry is up', async () => {
    await f.stopHub();
    const port = await freePort();
    const env = await f.engine('environment', { registryUrl: `http://127.0.0.1:${port}`, refreshSeconds: 0.3 });
    await waitFor(() => env.registration.status().state === 'retrying', 'a failed attempt');
    const warning = env.logs.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('self-registration failed'))!;
    expect(warning.msg).to.match(/ECONNREFUSED/).and.match(/interflow registry serve/).and.match(/INTERFLOW_REGISTRY_URL/).and.match(/retrying in/);
    // The engine answers meanwhile.
    const health = await fetch(`${env.url}/health`);
    expect(health.status).to.equal(200);
    const wsdl = await fetch(`${env.url}/services/ProcessService?wsdl`);
    expect(wsdl.status).to.equal(200);

    await f.startHub(port);
    const report = await env.registration.whenRegistered();
    expect(report.services[0].accessPoint.startsWith(env.url)).to.equal(true);
    expect(env.logs.lines.some((l) => l.msg === 'registry reachable again')).to.equal(true);
  });

  it('explains a refused publisher and a department code owned by another publisher', async () => {
    const wrong = await f.engine('environment', { password: 'not-the-password', refreshSeconds: 5 });
    await waitFor(() => wrong.registration.status().state === 'retrying', 'a refused login');
    expect(wrong.registration.status().lastError).to.match(/does not accept publisher "environment".*interflow registry publisher add environment/);
    await wrong.close();

    const env = await f.engine('environment');
    await env.registration.whenRegistered();
    const squatter = await f.engine('environment', { user: 'planning', password: passwordOf('planning'), engineId: 'other', refreshSeconds: 5 });
    await waitFor(() => squatter.registration.status().state === 'retrying', 'a refused save');
    expect(squatter.registration.status().lastError).to.match(/belong to another publisher/);
  });

  it('marks its bindings expired when it stops, so binders drop it at once', async () => {
    const env: DepartmentEngine = await f.engine('environment');
    await env.registration.whenRegistered();
    await env.close();
    const [b] = await f.registry.getBindingDetail([f.keys.binding('environment', 'process-service', 'main')]);
    expect(leaseOf(b, f.keys)!.getTime()).to.be.at.most(Date.now());
  });

  async function snapshot(): Promise<{ keys: string[]; counts: Record<string, number> }> {
    const all = { findQualifiers: ['approximateMatch'], maxRows: 1000 };
    const businessKeys = (await f.registry.findBusiness({ ...all, names: [{ value: '%' }] })).items.map((b) => b.businessKey);
    const businesses = await f.registry.getBusinessDetail(businessKeys);
    const tModels = (await f.registry.findTModel({ ...all, name: { value: '%' } })).items.map((t) => t.tModelKey);
    const services = businesses.flatMap((b) => b.businessServices);
    const bindings = services.flatMap((s) => s.bindingTemplates);
    const keys = [...businessKeys, ...services.map((s) => s.serviceKey!), ...bindings.map((b) => b.bindingKey!), ...tModels].sort();
    return { keys, counts: { business: businesses.length, service: services.length, binding: bindings.length, tModel: tModels.length } };
  }
});

describe('UddiError from a remote registry', () => {
  it('keeps the code and errno of the dispositionReport', async () => {
    const f = await Federation.open();
    try {
      const err = await f.client().getBusinessDetail(['uddi:federation.test:dept:nobody']).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(UddiError);
      expect((err as UddiError).errorCode).to.equal('E_invalidKeyPassed');
      expect((err as UddiError).errno).to.equal(10210);
    } finally {
      await f.close();
    }
  });
});

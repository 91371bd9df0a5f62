import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { UDDI_BINDING_WSDL } from '../registry/support';
import { Federation, FEDERATION_DOMAIN, makeCertificate } from './support';

const SCRIPT = path.join(__dirname, 'interop', 'zeep_find_department.py');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// The self-registered entries, read by a client generated from the official UDDI v3 WSDL.
describe('self-registered departments seen by Python zeep (official UDDI v3 WSDL)', function () {
  this.timeout(120_000);
  let f: Federation;

  before(async () => {
    f = await Federation.open();
    for (const p of ['environment', 'planning']) await f.publisher(p);
  });
  after(async () => {
    await f?.close();
  });

  it('finds a department by its code, its services and leased bindings, its certificate, and the performer of a capability', async () => {
    const env = await f.engine('environment', { certificate: makeCertificate('environment-zeep').certificate });
    await env.registration.whenRegistered();
    await (await f.engine('planning')).registration.whenRegistered();

    const result = await run([UDDI_BINDING_WSDL, f.url, FEDERATION_DOMAIN, 'environment', 'building_permit/environment_review']);
    if (result.code !== 0 && /No module named .?zeep/.test(result.stderr)) throw new Error('Python zeep is not installed: apt-get install -y python3-zeep (CI installs it)');
    expect(result.code, result.stderr).to.equal(0);
    const out = JSON.parse(result.stdout) as {
      find_business: string[];
      business: { names: string[]; department: string[]; certificate: Array<{ keyName: string; length: number }>; services: Array<{ serviceKey: string; bindings: Array<{ accessPoint: string; useType: string; tModelKeys: string[]; lease: string[] }> }> };
      find_service: string[];
      get_bindingDetail: string;
      port_types: string[];
      overviewURL: string;
    };
    expect(out.find_business).to.deep.equal(['uddi:federation.test:dept:environment']);
    expect(out.business.department).to.deep.equal(['environment']);
    expect(out.business.certificate[0].keyName).to.equal('sha256');
    expect(out.business.certificate.slice(1).every((c, i) => c.keyName === `part-${String(i).padStart(3, '0')}` && c.length <= 255)).to.equal(true);
    expect(out.business.services.map((s) => s.serviceKey)).to.include('uddi:federation.test:dept:environment:factory:building_permit');
    for (const s of out.business.services) {
      expect(s.bindings).to.have.length(1);
      expect(s.bindings[0].useType).to.equal('endPoint');
      expect(s.bindings[0].accessPoint.startsWith(env.url)).to.equal(true);
      expect(s.bindings[0].tModelKeys).to.have.length(2);
      expect(Date.parse(s.bindings[0].lease[0])).to.be.greaterThan(Date.now());
    }
    expect(out.find_service).to.deep.equal(['uddi:federation.test:dept:environment:factory:building_permit']);
    expect(out.get_bindingDetail.startsWith(env.url)).to.equal(true);
    expect(out.port_types.length).to.be.greaterThan(4);
    expect(out.overviewURL).to.match(/\?wsdl$/);
  });
});

import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { openTestRegistry, startRegistryServer, UDDI_BINDING_WSDL, type RegistryServer, type TestRegistry } from './support';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'interop', 'uddi_zeep_client.py');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface ZeepError {
  errno: number;
  errCode: string;
  faultstring: string;
}

// Python zeep builds its client from the official uddi_api_v3_binding.wsdl, unmodified, in
// ../shared/reference/uddi-v3, and talks to a real server: the wire compatibility the issue asks for.
describe('UDDI registry interop: Python zeep client from the official WSDL', function () {
  this.timeout(120_000);
  let t: TestRegistry;
  let server: RegistryServer;

  before(async () => {
    t = await openTestRegistry({ tokenTtlSeconds: 3600 });
    await t.registry.createPublisher('roads-admin', 'roads-secret');
    server = await startRegistryServer(t.registry);
  });
  after(async () => {
    await server?.close();
    await t?.close();
  });

  it('publishes, finds by name with approximateMatch, reads the binding back, and gets dispositionReports for auth errors', async () => {
    const result = await run([UDDI_BINDING_WSDL, server.url, 'roads-admin', 'roads-secret']);
    if (result.code !== 0 && /No module named .?zeep/.test(result.stderr)) {
      throw new Error('Python zeep is not installed: apt-get install -y python3-zeep (CI installs it)');
    }
    expect(result.code, result.stderr).to.equal(0);
    const out = JSON.parse(result.stdout) as {
      token: string;
      tModelKey: string;
      saved: { businessKey: string; serviceKey: string; bindingKey: string };
      find_business: { listDescription: { includeCount: number; actualCount: number; listHead: number }; businesses: Array<{ businessKey: string; names: string[]; services: string[] }> };
      find_service: string[];
      find_binding: string[];
      get_bindingDetail: { bindingKey: string; serviceKey: string; accessPoint: string; useType: string; tModelKeys: string[] };
      get_businessDetail: { names: string[]; capabilities: string[] };
      find_tModel: string[];
      errors: Record<string, ZeepError | null>;
    };

    expect(out.token).to.match(/^authtoken:/);
    expect(out.saved.businessKey).to.match(/^uddi:test\.example:/);
    expect(out.find_business.listDescription).to.deep.equal({ includeCount: 1, actualCount: 1, listHead: 1 });
    expect(out.find_business.businesses).to.deep.equal([{ businessKey: out.saved.businessKey, names: ['Interop Department of Roads'], services: [out.saved.serviceKey] }]);
    expect(out.find_service).to.deep.equal([out.saved.serviceKey]);
    expect(out.find_binding).to.deep.equal([out.saved.bindingKey]);
    expect(out.get_bindingDetail).to.deep.equal({
      bindingKey: out.saved.bindingKey,
      serviceKey: out.saved.serviceKey,
      accessPoint: 'http://interop.example/wfxml/factory/road-permit',
      useType: 'endPoint',
      tModelKeys: [out.tModelKey],
    });
    expect(out.get_businessDetail).to.deep.equal({ names: ['Interop Department of Roads'], capabilities: ['road-permit'] });
    expect(out.find_tModel).to.deep.equal([out.tModelKey]);

    expect(out.errors.forged_token).to.include({ errno: 10120, errCode: 'E_authTokenRequired' });
    expect(out.errors.no_token).to.include({ errno: 10120, errCode: 'E_authTokenRequired' });
    expect(out.errors.wrong_password).to.include({ errno: 10150, errCode: 'E_unknownUser' });
    expect(out.errors.unknown_key).to.include({ errno: 10210, errCode: 'E_invalidKeyPassed' });
    expect(out.errors.deleted_binding).to.include({ errno: 10210, errCode: 'E_invalidKeyPassed' });
    expect(out.errors.discarded_token).to.include({ errno: 10120, errCode: 'E_authTokenRequired' });
    expect(out.errors.forged_token!.faultstring).to.match(/get_authToken/);

    // And the registry holds what zeep published.
    const [business] = await t.registry.getBusinessDetail([out.saved.businessKey]);
    expect(business.businessServices[0].bindingTemplates).to.deep.equal([]);
  });
});

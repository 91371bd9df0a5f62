import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestServer, type TestServer } from './support';

const XSD = resolve(__dirname, '../../wsdl/process-service.xsd');
const WSDL = resolve(__dirname, '../../wsdl/process-service.wsdl');

/** GET with a Host header of our choosing (fetch does not let a caller set Host). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolveGet({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const locations = (wsdl: string) => [...wsdl.matchAll(/<soap(?:12)?:address location="([^"]*)"/g)].map((m) => m[1]);
const schemaLocations = (doc: string) => [...doc.matchAll(/schemaLocation="([^"]*)"/g)].map((m) => m[1]);

describe('ProcessService contract publishing (?wsdl, ?xsd=)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => srv.close());

  it('serves the WSDL with both port addresses and the schema import rewritten to the address called', async () => {
    const res = await get(`${srv.endpoint}?wsdl`);
    expect(res.status).to.equal(200);
    expect(res.type).to.match(/^text\/xml/);
    expect(locations(res.body)).to.deep.equal([srv.endpoint, srv.endpoint]);
    expect(schemaLocations(res.body)).to.deep.equal([`${srv.endpoint}?xsd=process-service.xsd`]);
  });

  it('takes the address from the Host header, so clients behind DNS names and port mappings get theirs', async () => {
    const res = await get(`${srv.endpoint}?WSDL`, { Host: 'permits.example.gov:8443' });
    expect(locations(res.body)).to.deep.equal(['http://permits.example.gov:8443/services/ProcessService', 'http://permits.example.gov:8443/services/ProcessService']);
    expect(schemaLocations(res.body)).to.deep.equal(['http://permits.example.gov:8443/services/ProcessService?xsd=process-service.xsd']);
  });

  it('ignores a Host header that is not a host name', async () => {
    const res = await get(`${srv.endpoint}?wsdl`, { Host: 'evil"/><x a="' });
    expect(locations(res.body)).to.deep.equal([srv.endpoint, srv.endpoint]);
  });

  it('ignores X-Forwarded-* unless INTERFLOW_TRUST_PROXY is set', async () => {
    const forwarded = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'gateway.example.gov' };
    expect(locations((await get(`${srv.endpoint}?wsdl`, forwarded)).body)[0]).to.equal(srv.endpoint);
    const proxied = await startTestServer({ trustProxy: true }, srv);
    try {
      const res = await get(`${proxied.endpoint}?wsdl`, forwarded);
      expect(locations(res.body)).to.deep.equal(['https://gateway.example.gov/services/ProcessService', 'https://gateway.example.gov/services/ProcessService']);
      expect(schemaLocations(res.body)).to.deep.equal(['https://gateway.example.gov/services/ProcessService?xsd=process-service.xsd']);
    } finally {
      await proxied.close();
    }
  });

  it('serves the imported schema at ?xsd=NAME and refuses unknown names', async () => {
    const res = await get(`${srv.endpoint}?xsd=process-service.xsd`);
    expect(res.status).to.equal(200);
    expect(res.body).to.contain('targetNamespace="urn:interflow:process-service:1"');
    const missing = await get(`${srv.endpoint}?xsd=../../etc/passwd`);
    expect(missing.status).to.equal(404);
    expect(missing.body).to.contain('?xsd=process-service.xsd');
  });

  it('answers a plain GET of the endpoint with where the contract is', async () => {
    const res = await get(srv.endpoint);
    expect(res.status).to.equal(200);
    expect(res.body).to.contain(`${srv.endpoint}?wsdl`);
  });

  it('publishes a schema xmllint compiles, and a well-formed WSDL with both bindings and the operation-name soapActions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'interflow-xsd-'));
    try {
      const instance = join(dir, 'list.xml');
      writeFileSync(instance, '<ListProcessDefinitions xmlns="urn:interflow:process-service:1"/>');
      const out = execFileSync('xmllint', ['--noout', '--schema', XSD, instance], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).to.equal('');
      execFileSync('xmllint', ['--noout', WSDL], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const wsdl = require('node:fs').readFileSync(WSDL, 'utf8') as string;
    const ops = ['StartProcess', 'GetProcessInstance', 'ListProcessInstances', 'ListProcessDefinitions', 'DeployDefinition', 'ChangeProcessInstanceState', 'GetWorklist', 'CompleteWorkItem'];
    for (const op of ops) {
      expect(wsdl).to.contain(`<soap:operation soapAction="urn:interflow:process-service:1:${op}" style="document"/>`);
      expect(wsdl).to.contain(`<soap12:operation soapAction="urn:interflow:process-service:1:${op}" soapActionRequired="false" style="document"/>`);
      expect(wsdl).to.contain(`<wsdl:part name="parameters" element="ps:${op}"/>`);
      expect(wsdl).to.contain(`<wsdl:part name="parameters" element="ps:${op}Response"/>`);
    }
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import * as soap from 'soap';
import type { TestServer } from '../support';
import { WSDL_DIR, deployPermit, startWfxmlServer } from './wfxml-support';

const WSDLS = ['wfxml-factory.wsdl', 'wfxml-instance.wsdl', 'wfxml-observer.wsdl'];
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: false, isArray: (name) => ['wsdl:operation', 'wsdl:message', 'wsdl:binding', 'wsdl:port', 'wsdl:part'].includes(name) });

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]) as Node[];

describe('Wf-XML contracts (wsdl/wfxml-*.wsdl, asap.xsd, wfxml.xsd)', () => {
  for (const schema of ['asap.xsd', 'wfxml.xsd']) {
    it(`${schema} compiles with xmllint --schema`, () => {
      // Validating an empty document against it compiles the schema first: a schema error shows
      // up as "failed to compile", an empty document only as a missing root declaration.
      let stderr = '';
      try {
        execFileSync('xmllint', ['--noout', '--schema', join(WSDL_DIR, schema), '-'], { input: '<x/>', stdio: 'pipe' });
      } catch (e) {
        stderr = (e as { stderr: Buffer }).stderr.toString();
      }
      expect(stderr).to.not.match(/failed to compile|Schemas parser error/);
      expect(stderr).to.match(/No matching global declaration/);
    });
  }

  for (const file of WSDLS) {
    describe(file, () => {
      const doc = parser.parse(readFileSync(join(WSDL_DIR, file), 'utf8')) as Node;
      const defs = doc['wsdl:definitions'] as Node;

      it('is document/literal with a SOAP 1.1 and a SOAP 1.2 binding of the one port type (WS-I BP 1.1)', () => {
        const bindings = list(defs['wsdl:binding']);
        expect(bindings).to.have.length(2);
        const kinds = bindings.map((b) => (b['soap:binding'] ? 'soap11' : b['soap12:binding'] ? 'soap12' : '?'));
        expect(kinds.sort()).to.deep.equal(['soap11', 'soap12']);
        for (const b of bindings) {
          const binding = (b['soap:binding'] ?? b['soap12:binding']) as Node;
          expect(binding.style).to.equal('document');
          expect(binding.transport).to.equal('http://schemas.xmlsoap.org/soap/http');
          for (const op of list(b['wsdl:operation'])) {
            for (const dir of ['wsdl:input', 'wsdl:output']) {
              const body = ((op[dir] as Node)['soap:body'] ?? (op[dir] as Node)['soap12:body']) as Node;
              expect(body.use, `${file} ${String(op.name)} ${dir}`).to.equal('literal');
              expect(body, 'R2716: no namespace on document-literal soap:body').to.not.have.property('namespace');
            }
          }
        }
      });

      it('every message part names an element, and each operation has a distinct request element (R2204, R2710)', () => {
        const messages = list(defs['wsdl:message']);
        for (const m of messages) for (const p of list(m['wsdl:part'])) expect(p, `${String(m.name)}`).to.have.property('element').and.not.have.property('type');
        const portType = defs['wsdl:portType'] as Node;
        const inputs = list(portType['wsdl:operation']).map((op) => {
          const msg = String((op['wsdl:input'] as Node).message).replace('tns:', '');
          return list(messages.find((m) => m.name === msg)!['wsdl:part'])[0].element;
        });
        expect(new Set(inputs).size).to.equal(inputs.length);
      });
    });
  }

  describe('as published', () => {
    let t: TestServer;
    before(async () => {
      t = await startWfxmlServer();
      await deployPermit(t);
    });
    after(async () => t.close());

    it('?wsdl and ?xsd=… are served with the addresses of the request, and node-soap reads all three', async () => {
      const inst = await t.engine.startProcess('building_permit');
      for (const url of [`${t.url}/wfxml/factory/building_permit`, `${t.url}/wfxml/instance/${inst.id}`, `${t.url}/wfxml/observer`]) {
        const wsdl = await (await fetch(`${url}?wsdl`)).text();
        expect(wsdl).to.contain(`location="${url}"`);
        expect(wsdl).to.contain(`schemaLocation="${url}?xsd=asap.xsd"`);
        const xsd = await fetch(`${url}?xsd=asap.xsd`);
        expect(xsd.status).to.equal(200);
        const client = await soap.createClientAsync(`${url}?wsdl`);
        expect(Object.keys(client.describe())).to.have.length(1);
      }
    });
  });
});

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DefinitionPackage } from '../../src/engine/definition/process-definition';
import { exportXpdl, importXpdl, XpdlExportError } from '../../src/xpdl';
import { readFixture, readSample, validateXpdl21, withoutWarnings } from './xpdl-test-support';

const SOURCES: Array<[string, () => string]> = [
  ['document_approval.xpdl (2.1)', () => readSample('document_approval.xpdl')],
  ['shark_retailer.xpdl (1.0)', () => readSample('shark_retailer.xpdl')],
  ['shark_manufacturer.xpdl (1.0)', () => readSample('shark_manufacturer.xpdl')],
  ['permit-application.xpdl', () => readFixture('permit-application.xpdl')],
  ['all-constructs.xpdl', () => readFixture('all-constructs.xpdl')],
  ['business-licence.xpdl (example)', () => readFileSync(resolve(__dirname, '../../examples/business-licence.xpdl'), 'utf8')],
  ['js-routing.xpdl (JavaScript, XPDL 1.0 multi-choice)', () => readFixture('js-routing.xpdl')],
  ['label-decision.xpdl (label conditions)', () => readFixture('label-decision.xpdl')],
  ['unconditional-choice.xpdl (gateway flows with names only)', () => readFixture('unconditional-choice.xpdl')],
];

describe('XPDL export and round trip', () => {
  for (const [name, read] of SOURCES) {
    describe(name, () => {
      let imported: DefinitionPackage;
      let exported: string;

      before(() => {
        imported = importXpdl(read());
        exported = exportXpdl(imported, { created: '2025-01-01T00:00:00Z' });
      });

      it('re-imports to the same definitions (warnings aside)', () => {
        expect(withoutWarnings(importXpdl(exported))).to.deep.equal(withoutWarnings(imported));
      });

      it('is stable: exporting the re-import gives the same document', () => {
        expect(exportXpdl(importXpdl(exported), { created: '2025-01-01T00:00:00Z' })).to.equal(exported);
      });

      it('writes XPDL 2.1 that validates against bpmnxpdl_31.xsd', () => {
        expect(exported).to.match(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<xpdl:Package xmlns:xpdl="http:\/\/www\.wfmc\.org\/2008\/XPDL2\.1"/);
        const result = validateXpdl21(exported, `${name.split(' ')[0]}`);
        expect(result.valid, result.output).to.equal(true);
      });
    });
  }

  it('writes remote SubFlows against abstract proxy processes that carry the factory address', () => {
    const exported = exportXpdl(importXpdl(readSample('shark_retailer.xpdl')));
    expect(exported).to.include('<xpdl:SubFlow Id="manufacturer" Execution="SYNCHR">');
    expect(exported).to.include('<xpdl:WorkflowProcess Id="manufacturer" Name="manufacturer" ProcessType="Abstract">');
    expect(exported).to.include(
      '<xpdl:ExternalReference location="http://vajat.prozone.co.yu:8080/axis/services/wfxmlFactoryBinding?procDef=manufacturer&amp;packageId=shark_manufacturer"/>',
    );
    // The proxies are call targets, not processes of the package.
    expect(importXpdl(exported).processes.map((p) => p.id)).to.deep.equal(['retailer']);
  });

  it('keeps multi-line scripts and quotes in attribute values intact', () => {
    const imported = importXpdl(readSample('shark_retailer.xpdl'));
    const script = imported.processes[0].applications[0].extendedAttributes?.Script;
    const exported = exportXpdl(imported);
    expect(exported).to.include('Value="/* acquire */&#10;  instock = 0 == (productcode % 2);&#10;');
    expect(importXpdl(exported).processes[0].applications[0].extendedAttributes?.Script).to.equal(script);
  });

  it('writes TaskScript activities back as TaskScript, not as applications', () => {
    const exported = exportXpdl(importXpdl(readFixture('permit-application.xpdl')));
    expect(exported).to.include('<xpdl:Script>archiveId = "ARC-" + caseRef</xpdl:Script>');
    expect(exported).not.to.include('store_archive__script');
  });

  it('declares a proxy for a call to a process deployed outside the package', () => {
    const pkg: DefinitionPackage = {
      id: 'caller',
      warnings: [],
      processes: [
        {
          id: 'main',
          packageId: 'caller',
          dataFields: [],
          participants: [],
          applications: [],
          activities: [
            {
              id: 'call',
              kind: 'subprocess',
              join: 'none',
              split: 'none',
              performers: [],
              fireRule: 'last',
              subprocess: { processId: 'shared_archive', execution: 'sync', parameters: [{ formal: 'ref', actual: '"x"', direction: 'IN' }] },
            },
          ],
          transitions: [],
        },
      ],
    };
    const exported = exportXpdl(pkg);
    const result = validateXpdl21(exported, 'proxy.xpdl');
    expect(result.valid, result.output).to.equal(true);
    expect(importXpdl(exported)).to.deep.equal(pkg);
  });

  it('refuses to write what XPDL 2.1 cannot hold', () => {
    const base = importXpdl(readFixture('permit-application.xpdl'));
    const renamed = structuredClone(base);
    renamed.processes[0].activities[1].id = 'not a token';
    expect(() => exportXpdl(renamed)).to.throw(XpdlExportError, /activity Id "not a token" is not an XML NMTOKEN/);

    const shared = structuredClone(base);
    shared.processes[1].activities[0].id = 'register';
    expect(() => exportXpdl(shared)).to.throw(XpdlExportError, /unique in the package/);

    const both = structuredClone(base);
    both.processes[0].activities[1].loop = { condition: 'true', testBefore: false };
    both.processes[0].activities[1].multiInstance = { count: '2', ordering: 'parallel' };
    expect(() => exportXpdl(both)).to.throw(XpdlExportError, /cannot both loop and be multi-instance/);
  });
});

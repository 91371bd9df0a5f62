import { REFERENCE_DIR, XPDL_SAMPLES_DIR } from '../support/shared-reference';
/** Shared helpers for the XPDL tests: where the reference files are, and schema validation. */
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import type { DefinitionPackage } from '../../src/engine/definition/process-definition';

/** The public sample files, used in place (never copied into the repository). */
export const SAMPLES_DIR = XPDL_SAMPLES_DIR;
export const SCHEMA_DIR = path.resolve(REFERENCE_DIR, 'xpdl', 'schema');
export const FIXTURES_DIR = path.resolve(__dirname, '../fixtures/xpdl');

export const XPDL21_XSD = path.join(SCHEMA_DIR, 'bpmnxpdl_31.xsd');

export function readSample(name: string): string {
  return readFileSync(path.join(SAMPLES_DIR, name), 'utf8');
}

/** The building-permit example ships in examples/ (the demo deploys it); the other fixtures live here. */
export const PERMIT_EXAMPLE = path.resolve(__dirname, '../../examples/building-permit.xpdl');

export function readFixture(name: string): string {
  if (name === 'permit-application.xpdl') return readFileSync(PERMIT_EXAMPLE, 'utf8');
  return readFileSync(path.join(FIXTURES_DIR, name), 'utf8');
}

/** The package without its import notes, which differ between an XPDL file and its re-export. */
export function withoutWarnings(pkg: DefinitionPackage): Omit<DefinitionPackage, 'warnings'> {
  const { warnings: _warnings, ...rest } = pkg;
  return rest;
}

let workDir: string | undefined;
let catalog: string | undefined;

function scratch(): { dir: string; catalog: string } {
  if (!workDir || !catalog) {
    workDir = mkdtempSync(path.join(tmpdir(), 'interflow-xpdl-'));
    // bpmnxpdl_31.xsd imports the XPDL 1.0 schema from wfmc.org; the catalog points xmllint at the
    // local copy so validation works offline (--nonet).
    const local = `file://${path.join(SCHEMA_DIR, 'TC-1025_schema_10_xpdl.xsd')}`;
    catalog = path.join(workDir, 'catalog.xml');
    writeFileSync(
      catalog,
      `<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <uri name="http://www.wfmc.org/standards/docs/TC-1025_schema_10_xpdl.xsd" uri="${local}"/>
  <system systemId="http://www.wfmc.org/standards/docs/TC-1025_schema_10_xpdl.xsd" uri="${local}"/>
</catalog>
`,
    );
  }
  return { dir: workDir, catalog };
}

/**
 * Validates an XPDL 2.1 document with xmllint against bpmnxpdl_31.xsd. Throws when xmllint is not
 * installed: schema validity is part of the contract, so a machine without it must fail loudly
 * rather than skip.
 */
export function validateXpdl21(xml: string, name = 'export.xpdl'): { valid: boolean; output: string } {
  const probe = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    throw new Error(
      'xmllint is not installed, so the exported XPDL cannot be checked against bpmnxpdl_31.xsd: ' +
        'install libxml2-utils (apt-get install -y libxml2-utils); CI installs it',
    );
  }
  const { dir, catalog: catalogFile } = scratch();
  const file = path.join(dir, name);
  writeFileSync(file, xml);
  const run = spawnSync('xmllint', ['--noout', '--nonet', '--schema', XPDL21_XSD, file], {
    encoding: 'utf8',
    env: { ...process.env, XML_CATALOG_FILES: catalogFile },
    timeout: 60_000,
  });
  return { valid: run.status === 0, output: `${run.stdout ?? ''}${run.stderr ?? ''}` };
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_DIR } from './shared-reference';

/**
 * Loaded first by `npm run test:reference` (test/reference.mocharc.json): the suite of tests that
 * read the public reference files (XPDL samples and schemas, the UDDI v3 contract) in place. When
 * they are not there it stops in one line naming what is missing, before any test runs.
 */
const needed = [
  join('xpdl', 'samples', 'document_approval.xpdl'),
  join('xpdl', 'samples', 'shark_retailer.xpdl'),
  join('xpdl', 'schema', 'bpmnxpdl_31.xsd'),
  join('uddi-v3', 'uddi_v3.xsd'),
  join('uddi-v3', 'uddi_api_v3_binding.wsdl'),
];
const missing = needed.filter((f) => !existsSync(join(REFERENCE_DIR, f)));
if (missing.length) {
  const what = existsSync(REFERENCE_DIR) ? missing.map((f) => join(REFERENCE_DIR, f)).join(', ') : REFERENCE_DIR;
  process.stderr.write(`test:reference: the public reference files are missing: ${what} (set INTERFLOW_REFERENCE_DIR to the folder holding xpdl/ and uddi-v3/, or place it at ../shared/reference beside the checkout)\n`);
  process.exit(1);
}

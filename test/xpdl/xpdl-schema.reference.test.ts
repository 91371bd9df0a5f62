import { expect } from 'chai';
import { exportXpdl, importXpdl } from '../../src/xpdl';
import { readFixture, validateXpdl21 } from './xpdl-test-support';

/** The fixtures against the public XPDL 2.1 schema (bpmnxpdl_31.xsd, in the reference files). */
describe('XPDL fixtures against the XPDL 2.1 schema', () => {
  it('all-constructs.xpdl is itself valid XPDL 2.1', () => {
    const result = validateXpdl21(readFixture('all-constructs.xpdl'), 'all-constructs.xpdl');
    expect(result.valid, result.output).to.equal(true);
  });

  it('permit-application.xpdl (the demo and engine fixture) is valid XPDL 2.1', () => {
    const result = validateXpdl21(readFixture('permit-application.xpdl'), 'permit-application.xpdl');
    expect(result.valid, result.output).to.equal(true);
  });

  it('the schema check rejects invalid XPDL (so a passing check means something)', () => {
    const broken = exportXpdl(importXpdl(readFixture('permit-application.xpdl'))).replace(
      '<xpdl:SubFlow Id="archive_case"',
      '<xpdl:SubFlow Id="no_such_process"',
    );
    const result = validateXpdl21(broken, 'broken.xpdl');
    expect(result.valid).to.equal(false);
    expect(result.output).to.match(/SubFlowIdRef/);
  });
});

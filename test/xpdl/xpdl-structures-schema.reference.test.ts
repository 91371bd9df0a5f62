import { expect } from 'chai';
import { exportXpdl, importXpdl } from '../../src/xpdl';
import { readFixture, validateXpdl21 } from './xpdl-test-support';

/**
 * The issue 12 (part B) fixtures export to XPDL 2.1 that bpmnxpdl_31.xsd accepts: ActivitySets
 * and BlockActivity, boundary events as Deadlines and EXCEPTION transitions, Link pairs as routes,
 * several Tools as the schema's (deprecated, XPDL 1.0) Tool elements. Each process is exported on
 * its own, as `interflow export` does.
 */
describe('XPDL structures: exports against the XPDL 2.1 schema', () => {
  for (const file of ['blocks.xpdl', 'boundary-events.xpdl', 'link-events.xpdl', 'bpmn-tool-export.xpdl', 'several-tools.xpdl', 'error-end-events.xpdl', 'signal-events.xpdl']) {
    it(`${file}: every process exports to valid XPDL 2.1`, () => {
      const pkg = importXpdl(readFixture(`structures/${file}`));
      for (const p of pkg.processes) {
        const xml = exportXpdl({ id: pkg.id, processes: [p], warnings: [] }, { created: '2026-12-02T00:00:00Z' });
        const result = validateXpdl21(xml, `${p.id}.xpdl`);
        expect(result.valid, `${p.id}: ${result.output}`).to.equal(true);
      }
    });
  }

  it('a schema-invalid ActivitySet reference fails the check (so a pass means something)', () => {
    const pkg = importXpdl(readFixture('structures/blocks.xpdl'));
    const xml = exportXpdl(pkg, { created: '2026-12-02T00:00:00Z' }).replace('ActivitySetId="opinion"', 'ActivitySetId="no_such_set"');
    expect(validateXpdl21(xml, 'broken-blocks.xpdl').valid).to.equal(false);
  });
});

import { expect } from 'chai';
import { runDemo } from '../../src/cli/demo';
import { freshSqlitePath } from '../support/test-store';

/** The README's quick start runs the demo; this keeps it from going stale. */
describe('interflow demo (the quick start main job)', () => {
  it('deploys the samples and walks both cases to closed.completed', async () => {
    let out = '';
    await runDemo({ stdout: (s) => void (out += s), stderr: (s) => void (out += s) }, { databaseUrl: `sqlite:${freshSqlitePath()}`, logLevel: 'silent' });
    expect(out).to.match(/building-permit\.xpdl: building_permit v1, archive_case v1/);
    expect(out).to.match(/document_approval\.xpdl: document_approval v1/);
    expect(out).to.match(/shark_retailer\.xpdl: retailer v1/);
    expect(out.match(/is closed\.completed; data/g)).to.have.length(2);
    expect(out).to.include('"archiveId":"ARC-BP-2026-0042"');
    expect(out).to.match(/Cases by state: closed\.completed=3/);
    expect(out).to.not.match(/register a handler named "send_email"/);
  });
});

import { REFERENCE_DIR } from '../support/shared-reference';
import { expect } from 'chai';
import * as soap from 'soap';
import { runDemo, serveDemo } from '../../src/cli/demo';
import { freshSqlitePath } from '../support/test-store';

/** The README's quick start runs the demo; this keeps it from going stale. */
describe('interflow demo (the quick start main job)', () => {
  it('deploys the samples and walks both cases to closed.completed', async () => {
    let out = '';
    await runDemo({ stdout: (s) => void (out += s), stderr: (s) => void (out += s) }, { databaseUrl: `sqlite:${freshSqlitePath()}`, logLevel: 'silent', referenceDir: REFERENCE_DIR });
    expect(out).to.match(/building-permit\.xpdl: building_permit v1, archive_case v1/);
    expect(out).to.match(/document_approval\.xpdl: document_approval v1/);
    expect(out).to.match(/shark_retailer\.xpdl: retailer v1/);
    expect(out.match(/is closed\.completed; data/g)).to.have.length(2);
    expect(out).to.include('"archiveId":"ARC-BP-2026-0042"');
    expect(out).to.match(/Cases by state: closed\.completed=3/);
    expect(out).to.not.match(/register a handler named "send_email"/);
  });

  it('then serves the demo database: WSDLs load in a SOAP toolkit and the printed credentials work', async () => {
    const databaseUrl = `sqlite:${freshSqlitePath()}`;
    let out = '';
    const output = { stdout: (s: string) => void (out += s), stderr: (s: string) => void (out += s) };
    await runDemo(output, { databaseUrl, logLevel: 'silent', referenceDir: REFERENCE_DIR });
    const stop = new AbortController();
    let base = '';
    const listening = new Promise<void>((resolve) => {
      void serveDemo(output, { databaseUrl, logLevel: 'silent', host: '127.0.0.1', port: 0, signal: stop.signal, onListening: (url) => { base = url; resolve(); } });
    });
    await listening;
    try {
      expect(out).to.include(`${base}/services/ProcessService?wsdl`).and.include(`${base}/wfxml/factory/building_permit?wsdl`);
      const clerk = /demo-clerk\s+(\S+)/.exec(out);
      expect(clerk, 'printed demo credentials').to.exist;
      const client = await soap.createClientAsync(`${base}/services/ProcessService?wsdl`);
      client.setSecurity(new soap.WSSecurity('demo-clerk', clerk![1], { passwordType: 'PasswordDigest', hasTimeStamp: false }));
      const [list] = await client.GetWorklistAsync({ Participant: ['clerk'] });
      expect(list.WorkItem.map((w: { ActivityId: string }) => w.ActivityId)).to.include('register', 'the waiting permit case');
      const refused = await fetch(`${base}/services/ProcessService`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: '<x/>' });
      expect(refused.status).to.be.within(400, 599);
    } finally {
      stop.abort();
    }
  });
});


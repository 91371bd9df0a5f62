import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { bodyElement } from '../services/golden-support';
import { envelope, post } from '../services/support';
import { startLicenceDepartments, type LicenceDepartments } from '../services/licence-departments';

const ASAP = 'http://www.oasis-open.org/asap/0.9/asap.xsd';

/**
 * Reported (issue 13): Wf-XML GetProperties of a performing instance returned
 * ObserverKey = transfer:["market",…] — not an xsd:anyURI, and internal routing data; live replies
 * failed validation against the served schema. A performing instance's result goes to its home by
 * transfer, not to a Wf-XML observer, so it lists no observer; every live reply must validate
 * against the asap.xsd the endpoint itself serves.
 */
describe('regression: GetProperties of a performing instance showed transfer routing as its ObserverKey', function () {
  this.timeout(30_000);
  let d: LicenceDepartments;
  let dir: string;
  let servedXsd: string;

  before(async () => {
    d = await startLicenceDepartments();
    dir = mkdtempSync(join(tmpdir(), 'observer-key-'));
  });
  after(async () => {
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function xmllint(element: string): string | undefined {
    const file = join(dir, 'reply.xml');
    writeFileSync(file, element);
    try {
      execFileSync('xmllint', ['--noout', '--nonet', '--schema', servedXsd, file], { stdio: ['ignore', 'pipe', 'pipe'] });
      return undefined;
    } catch (e) {
      return String((e as { stderr?: Buffer }).stderr ?? e);
    }
  }

  it('lists no observer, leaks no routing, and validates against the schema the endpoint serves (SOAP 1.1 and 1.2)', async () => {
    const { performingId } = await d.handOverToFire('OBS-1');
    const instanceUrl = `${d.fireUrl}/wfxml/instance/${performingId}`;
    const xsd = await fetch(`${instanceUrl}?xsd=asap.xsd`);
    expect(xsd.status).to.equal(200);
    servedXsd = join(dir, 'asap.xsd');
    writeFileSync(servedXsd, await xsd.text());

    for (const version of ['1.1', '1.2'] as const) {
      const res = await post(instanceUrl, envelope(version, `<as:GetPropertiesRq xmlns:as="${ASAP}"/>`), {
        'Content-Type': version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8',
      });
      expect(res.status, res.body).to.equal(200);
      expect(res.body).to.not.include('transfer:');
      expect(res.body).to.not.match(/ObserverKey>/);
      expect(xmllint(bodyElement(res.body)), res.body).to.equal(undefined);
    }
  });

  it('the schema check fails on the reply as it was (so a pass means something)', () => {
    const old = `<as:GetPropertiesRs xmlns:as="${ASAP}"><as:Key>http://127.0.0.1/wfxml/instance/x</as:Key><as:State>open.running</as:State><as:Name>x</as:Name><as:FactoryKey>http://127.0.0.1/wfxml/factory/p</as:FactoryKey><as:Observers><as:ObserverKey>transfer:["market","c1","a1","m1"]</as:ObserverKey></as:Observers><as:ContextData/><as:ResultData/><as:History/></as:GetPropertiesRs>`;
    expect(xmllint(old)).to.match(/ObserverKey/);
  });

  it('Subscribe on a performing instance says where its result goes, without routing data', async () => {
    const { performingId } = await d.handOverToFire('OBS-2');
    const res = await post(`${d.fireUrl}/wfxml/instance/${performingId}`, envelope('1.1', `<as:SubscribeRq xmlns:as="${ASAP}"><as:ObserverKey>http://127.0.0.1:1/observer</as:ObserverKey></as:SubscribeRq>`));
    expect(res.status).to.equal(500);
    expect(res.body, res.body).to.match(/performs an activity of department market&apos;s case/).and.not.include('transfer:');
  });
});

import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import { signCanonical, signEnvelope } from '../../../src/transfer/signing';
import { deliverContent } from '../../../src/transfer/transfer-items';
import { deliverMessage, envelope, generatedMessage, makeDepartments, SOAP11, SOAP12, verifyIn, WSU, type Departments } from './helpers';

const INSTALL_HINT = 'xmlsec1 is not installed; it verifies our signatures independently of xml-crypto. Install it with: apt-get install -y xmlsec1';

/**
 * xmlsec1 (libxmlsec1, the C implementation used by many WS-Security stacks) checks that our
 * signatures follow XML-DSig, not merely that our own code agrees with itself. It knows nothing
 * of wsu:Id, so each referenced element's Id attribute is declared an ID by its qualified name.
 */
function idFlags(soapNs: string): string[] {
  return ['--id-attr:Id', `${soapNs}:Body`, '--id-attr:Id', `${WSU}:Timestamp`, '--id-attr:Id', 'urn:interflow:transfer:1:TransferHeader'];
}

function xmlsec1(args: string[]): { ok: boolean; output: string } {
  const run = spawnSync('xmlsec1', args, { encoding: 'utf8', timeout: 15_000 });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') expect.fail(INSTALL_HINT);
  if (run.error) throw run.error;
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

describe('transfer signing: independent verification with xmlsec1', () => {
  let d: Departments;
  let planCert: string;
  let zoneCert: string;

  before(async () => {
    d = await makeDepartments();
    planCert = path.join(d.dir, 'plan.crt');
    zoneCert = path.join(d.dir, 'zone.crt');
    writeFileSync(planCert, d.plan.certificatePem);
    writeFileSync(zoneCert, d.zone.certificatePem);
  });
  after(() => d?.cleanup());

  function verify(xml: string, cert: string, soapNs = SOAP11): { ok: boolean; output: string } {
    const file = path.join(d.dir, `msg-${Math.random().toString(36).slice(2)}.xml`);
    writeFileSync(file, xml);
    return xmlsec1(['--verify', '--enabled-reference-uris', 'same-doc', '--pubkey-cert-pem', cert, ...idFlags(soapNs), file]);
  }

  it('is installed', () => {
    const run = xmlsec1(['--version']);
    expect(run.output).to.match(/xmlsec1 \d/);
  });

  it('verifies a signed SOAP 1.1 envelope with the sender’s certificate, all three references', () => {
    const result = verify(signEnvelope(envelope(), d.plan), planCert);
    expect(result.ok, result.output).to.equal(true);
    expect(result.output).to.include('SignedInfo References (ok/all): 3/3');
  });

  it('verifies a signed SOAP 1.2 envelope and a 50-item batch', () => {
    const v12 = verify(signEnvelope(envelope({ soap: SOAP12 }), d.plan), planCert, SOAP12);
    expect(v12.ok, v12.output).to.equal(true);
    const batch = verify(signEnvelope(envelope({ items: 50 }), d.plan), planCert);
    expect(batch.ok, batch.output).to.equal(true);
  });

  it('verifies the canonical text the sender writes without parsing (signCanonical), and refuses it tampered', () => {
    const signed = signCanonical(deliverMessage({ items: 3, value: 'a & b <c> "d" \'e\' \r\n\té 中文' }).content, d.plan);
    const result = verify(signed, planCert);
    expect(result.ok, result.output).to.equal(true);
    expect(result.output).to.include('SignedInfo References (ok/all): 3/3');
    const tampered = verify(signed.replace('<tr:ItemId>item-1</tr:ItemId>', '<tr:ItemId>item-7</tr:ItemId>'), planCert);
    expect(tampered.ok, tampered.output).to.equal(false);
    expect(verify(signed, zoneCert).ok).to.equal(false);
  });

  it('libxml2’s canonical form is the one the sender wrote, for generated messages full of what c14n escapes', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const { header, items } = generatedMessage(seed);
      const result = verify(signCanonical(deliverContent(header, items), d.plan), planCert);
      expect(result.ok, `seed ${seed}: ${result.output}`).to.equal(true);
    }
  });

  it('refuses a tampered Body and another department’s certificate (so the checks above mean something)', () => {
    const signed = signEnvelope(envelope({ value: '100' }), d.plan);
    const tampered = verify(signed.replace('<tr:Value>100</tr:Value>', '<tr:Value>101</tr:Value>'), planCert);
    expect(tampered.ok, tampered.output).to.equal(false);
    const wrongKey = verify(signed, zoneCert);
    expect(wrongKey.ok, wrongKey.output).to.equal(false);
  });

  it('and the other way round: a signature xmlsec1 makes on our template passes verifyEnvelope', async () => {
    // Our own signed message, stripped of its digests and signature value, is an xmlsec1 template.
    const template = signEnvelope(envelope(), d.plan)
      .replace(/<ds:DigestValue>[^<]*<\/ds:DigestValue>/g, '<ds:DigestValue></ds:DigestValue>')
      .replace(/<ds:SignatureValue>[^<]*<\/ds:SignatureValue>/, '<ds:SignatureValue></ds:SignatureValue>');
    const templateFile = path.join(d.dir, 'template.xml');
    const keyFile = path.join(d.dir, 'plan.key');
    const outFile = path.join(d.dir, 'signed-by-xmlsec1.xml');
    writeFileSync(templateFile, template);
    writeFileSync(keyFile, d.plan.privateKeyPem, { mode: 0o600 });
    const run = xmlsec1(['--sign', '--privkey-pem', keyFile, ...idFlags(SOAP11), '--output', outFile, templateFile]);
    expect(run.ok, run.output).to.equal(true);
    const signedByXmlsec = readFileSync(outFile, 'utf8');
    expect(signedByXmlsec).to.match(/<ds:SignatureValue>[A-Za-z0-9+/=\s]{300,}<\/ds:SignatureValue>/);
    const result = await verifyIn(d, signedByXmlsec);
    expect(result.sender).to.equal('PLAN');
  });
});

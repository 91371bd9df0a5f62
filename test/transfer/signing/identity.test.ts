import { expect } from 'chai';
import { createHash, generateKeyPairSync, X509Certificate } from 'crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { inspect } from 'util';
import { loadSigningIdentity, type SigningIdentity } from '../../../src/transfer/signing';

describe('transfer signing: identity', () => {
  let dir: string;
  let generated: SigningIdentity;
  const now = new Date('2026-03-01T10:00:00Z');

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'interflow-identity-'));
    generated = await loadSigningIdentity({ dataDir: path.join(dir, 'data'), department: 'PLAN', now });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('makes an RSA-2048 key and a two-year self-signed certificate on first use, the key readable by its owner only', () => {
    const keyFile = path.join(dir, 'data', 'signing', 'PLAN.key');
    const certFile = path.join(dir, 'data', 'signing', 'PLAN.crt');
    expect(statSync(keyFile).mode & 0o777).to.equal(0o600);
    expect(statSync(certFile).isFile()).to.equal(true);
    const cert = new X509Certificate(generated.certificatePem);
    expect(cert.subject).to.equal('CN=Interflow department PLAN');
    expect(cert.issuer).to.equal(cert.subject);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).to.equal(2048);
    expect(cert.ca).to.equal(false);
    const validFrom = new Date(cert.validFrom);
    const validTo = new Date(cert.validTo);
    expect(validFrom.getTime()).to.be.at.most(now.getTime());
    expect(validTo.getUTCFullYear() - validFrom.getUTCFullYear()).to.equal(2);
    expect(cert.verify(cert.publicKey), 'self-signed').to.equal(true);
    expect(generated.certificateDer.equals(cert.raw)).to.equal(true);
    expect(generated.fingerprint256).to.equal(createHash('sha256').update(cert.raw).digest('hex'));
    expect(generated.fingerprint256).to.match(/^[0-9a-f]{64}$/);
    expect(readdirSync(path.join(dir, 'data', 'signing')).sort()).to.deep.equal(['PLAN.crt', 'PLAN.key']);
  });

  it('reuses the files it made', async () => {
    const again = await loadSigningIdentity({ dataDir: path.join(dir, 'data'), department: 'PLAN' });
    expect(again.fingerprint256).to.equal(generated.fingerprint256);
    expect(again.privateKeyPem).to.equal(generated.privateKeyPem);
  });

  it('makes one pair when several processes start together', async () => {
    const dataDir = path.join(dir, 'race');
    const all = await Promise.all([1, 2, 3].map(() => loadSigningIdentity({ dataDir, department: 'ZONE' })));
    expect(new Set(all.map((i) => i.fingerprint256)).size).to.equal(1);
    expect(readdirSync(path.join(dataDir, 'signing')).sort()).to.deep.equal(['ZONE.crt', 'ZONE.key']);
  });

  it('never shows the private key when the identity is logged', () => {
    expect(inspect(generated)).to.not.include('PRIVATE KEY');
    expect(JSON.stringify(generated)).to.not.include('PRIVATE KEY');
    expect(Object.keys(generated)).to.not.include('privateKeyPem');
    expect(generated.privateKeyPem).to.include('-----BEGIN PRIVATE KEY-----');
  });

  it('reads INTERFLOW_SIGNING_KEY / INTERFLOW_SIGNING_CERT files when given', async () => {
    const keyFile = path.join(dir, 'given.key');
    const certFile = path.join(dir, 'given.crt');
    writeFileSync(keyFile, generated.privateKeyPem);
    writeFileSync(certFile, generated.certificatePem);
    const given = await loadSigningIdentity({ keyFile, certFile, dataDir: path.join(dir, 'unused'), department: 'PLAN' });
    expect(given.fingerprint256).to.equal(generated.fingerprint256);
    expect(() => statSync(path.join(dir, 'unused'))).to.throw();
  });

  it('refuses a certificate that is not the key’s, a key alone, a small key and a bad department code', async () => {
    const other = await loadSigningIdentity({ dataDir: path.join(dir, 'other'), department: 'EVIL' });
    const keyFile = path.join(dir, 'mismatch.key');
    const certFile = path.join(dir, 'mismatch.crt');
    writeFileSync(keyFile, generated.privateKeyPem);
    writeFileSync(certFile, other.certificatePem);
    await rejects(loadSigningIdentity({ keyFile, certFile, dataDir: dir, department: 'PLAN' }), /not the certificate of its private key/);
    await rejects(loadSigningIdentity({ keyFile, dataDir: dir, department: 'PLAN' }), /must be set together/);
    const small = path.join(dir, 'small.key');
    writeFileSync(small, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await rejects(loadSigningIdentity({ keyFile: small, certFile, dataDir: dir, department: 'PLAN' }), /1024 bits/);
    await rejects(loadSigningIdentity({ dataDir: dir, department: '../etc' }), /not a usable department code/);
  });

  it('refuses a key file left without its certificate instead of silently making a new key', async () => {
    const dataDir = path.join(dir, 'half');
    const made = await loadSigningIdentity({ dataDir, department: 'HALF' });
    rmSync(path.join(dataDir, 'signing', 'HALF.crt'));
    await rejects(loadSigningIdentity({ dataDir, department: 'HALF' }), /HALF\.key exists without .*HALF\.crt/);
    expect(made.department).to.equal('HALF');
  }).timeout(15_000);
});

async function rejects(promise: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await promise;
  } catch (e) {
    expect((e as Error).message).to.match(message);
    return;
  }
  expect.fail('expected a rejection');
}

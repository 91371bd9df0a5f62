import { createHash, createPrivateKey, randomBytes, X509Certificate, type KeyObject } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { inspect } from 'util';
import * as selfsigned from 'selfsigned';

/** What a department signs with: its private key and the certificate it publishes in the registry. */
export interface SigningIdentity {
  readonly department: string;
  /** PKCS#8 PEM. Not enumerable, and hidden from util.inspect and JSON, so logging the identity cannot leak it. */
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  readonly certificateDer: Buffer;
  /** SHA-256 of the DER certificate, lower-case hex without colons: the form the registry's `uddi:interflow.org:x509:sha256` identifier uses. */
  readonly fingerprint256: string;
}

export interface LoadSigningIdentityOptions {
  /** INTERFLOW_SIGNING_KEY: a PEM private key (PKCS#8 or PKCS#1, unencrypted RSA ≥ 2048 bits). */
  keyFile?: string;
  /** INTERFLOW_SIGNING_CERT: the PEM certificate of that key. */
  certFile?: string;
  /** The engine's data directory; generated files go to `<dataDir>/signing/<department>.{key,crt}`. */
  dataDir: string;
  department: string;
  /** Start of the validity of a newly generated certificate (tests). */
  now?: Date;
}

export const CERTIFICATE_VALIDITY_YEARS = 2;
const MIN_RSA_BITS = 2048;
// A department whose clock runs a little behind ours must not see our new certificate as not yet valid.
const NOT_BEFORE_BACKDATE_MS = 5 * 60_000;
// A second replica starting at the same moment may have written the key but not yet the certificate.
const PARTIAL_WAIT_MS = 2_000;

const DEPARTMENT_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The department's signing identity: from the configured files when given, otherwise from
 * `<dataDir>/signing/`, where a key and a self-signed certificate are made on first use.
 */
export async function loadSigningIdentity(options: LoadSigningIdentityOptions): Promise<SigningIdentity> {
  const { department } = options;
  if (!DEPARTMENT_CODE.test(department)) throw new Error(`signing identity: "${department}" is not a usable department code (letters, digits, . _ -; it names the key file)`);
  if (options.keyFile || options.certFile) {
    if (!options.keyFile || !options.certFile) throw new Error('signing identity: INTERFLOW_SIGNING_KEY and INTERFLOW_SIGNING_CERT must be set together');
    return identityFrom(department, await readFile(options.keyFile, 'INTERFLOW_SIGNING_KEY'), await readFile(options.certFile, 'INTERFLOW_SIGNING_CERT'), `${options.keyFile} / ${options.certFile}`);
  }
  const dir = path.join(options.dataDir, 'signing');
  const keyFile = path.join(dir, `${department}.key`);
  const certFile = path.join(dir, `${department}.crt`);
  const existing = await readPair(keyFile, certFile);
  if (existing) return identityFrom(department, existing.key, existing.cert, `${keyFile} / ${certFile}`);

  const made = await generateSelfSigned(department, options.now ?? new Date());
  await fs.mkdir(options.dataDir, { recursive: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const won = await publishPair(keyFile, certFile, made.key, made.cert);
  if (won) return identityFrom(department, made.key, made.cert, `${keyFile} / ${certFile}`);
  // Another process created the pair first: everyone must sign with the one the registry will hold.
  const theirs = await readPair(keyFile, certFile);
  if (!theirs) throw new Error(`signing identity: ${keyFile} disappeared while it was being created`);
  return identityFrom(department, theirs.key, theirs.cert, `${keyFile} / ${certFile}`);
}

async function readFile(file: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`signing identity: cannot read ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Both files, neither (undefined), or an error once one of them has stayed missing for PARTIAL_WAIT_MS. */
async function readPair(keyFile: string, certFile: string): Promise<{ key: string; cert: string } | undefined> {
  const deadline = Date.now() + PARTIAL_WAIT_MS;
  for (;;) {
    const key = await readIfExists(keyFile);
    const cert = await readIfExists(certFile);
    if (key !== undefined && cert !== undefined) return { key, cert };
    if (key === undefined && cert === undefined) return undefined;
    if (Date.now() >= deadline) {
      const [present, missing] = key === undefined ? [certFile, keyFile] : [keyFile, certFile];
      throw new Error(`signing identity: ${present} exists without ${missing}; restore it or remove both to make a new pair`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Writes both files under temporary names, then links the key into place, which fails if it
 * exists: of several processes starting together exactly one wins, and nobody ever reads a
 * half-written file. The key is created 0600 (not chmod-ed afterwards) so it is never readable by others.
 */
async function publishPair(keyFile: string, certFile: string, key: string, cert: string): Promise<boolean> {
  const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmpKey = keyFile + suffix;
  const tmpCert = certFile + suffix;
  await fs.writeFile(tmpKey, key, { mode: 0o600, flag: 'wx' });
  try {
    await fs.writeFile(tmpCert, cert, { mode: 0o644, flag: 'wx' });
    try {
      await fs.link(tmpKey, keyFile);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    await fs.rename(tmpCert, certFile);
    return true;
  } finally {
    await fs.rm(tmpKey, { force: true });
    await fs.rm(tmpCert, { force: true });
  }
}

async function generateSelfSigned(department: string, now: Date): Promise<{ key: string; cert: string }> {
  const notBefore = new Date(now.getTime() - NOT_BEFORE_BACKDATE_MS);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CERTIFICATE_VALIDITY_YEARS);
  const made = await selfsigned.generate([{ name: 'commonName', value: `Interflow department ${department}` }], {
    keyType: 'rsa',
    keySize: MIN_RSA_BITS,
    // selfsigned's default is sha1, which no verifier should accept any more.
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    // Explicit, so selfsigned adds no DNS subjectAltName: this certificate names a department, not a host.
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    ],
  });
  return { key: made.private, cert: made.cert };
}

function identityFrom(department: string, keyText: string, certText: string, source: string): SigningIdentity {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyText, format: 'pem' });
  } catch (e) {
    // The parser's message never contains key material, only what is wrong with it.
    throw new Error(`signing identity: the private key in ${source} is not an unencrypted PEM key (${(e as Error).message})`);
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certText);
  } catch (e) {
    throw new Error(`signing identity: the certificate in ${source} is not a PEM X.509 certificate (${(e as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`signing identity: the key in ${source} is ${key.asymmetricKeyType}; transfer messages are signed with RSA-SHA256`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw new Error(`signing identity: the RSA key in ${source} has ${bits} bits; at least ${MIN_RSA_BITS} are required`);
  if (!cert.checkPrivateKey(key)) throw new Error(`signing identity: the certificate in ${source} is not the certificate of its private key`);

  const identity = {
    department,
    certificatePem: cert.toString(),
    certificateDer: cert.raw,
    fingerprint256: createHash('sha256').update(cert.raw).digest('hex'),
  } as SigningIdentity;
  Object.defineProperty(identity, 'privateKeyPem', { value: key.export({ type: 'pkcs8', format: 'pem' }) as string, enumerable: false });
  Object.defineProperty(identity, inspect.custom, { value: () => `SigningIdentity { department: ${department}, fingerprint256: ${identity.fingerprint256} }`, enumerable: false });
  return Object.freeze(identity);
}

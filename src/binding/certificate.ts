import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BusinessEntity, KeyedReference, KeyedReferenceGroup } from '../registry';
import { FederationKeys } from './federation-keys';

/**
 * A department's X.509 signing certificate as the registry carries it. keyValues stop at 255
 * characters, so the DER travels base64-encoded in ordered chunks (keyName part-000, part-001…)
 * inside one keyedReferenceGroup on the businessEntity's categoryBag, beside its SHA-256
 * fingerprint (keyName sha256). Reading it back reassembles the chunks and refuses a certificate
 * whose fingerprint does not match: a truncated or edited entry must never become trusted.
 */

export interface PublishedCertificate {
  /** SHA-256 of the DER, lower-case hex. */
  fingerprint: string;
  pem: string;
  der: Buffer;
  certificate: X509Certificate;
}

export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateError';
  }
}

const FINGERPRINT_KEY_NAME = 'sha256';
const PART_PREFIX = 'part-';
// A multiple of 4, so every chunk is whole base64 quanta, under the 255-character keyValue limit.
const CHUNK = 252;

export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Parses PEM (the first CERTIFICATE block) or DER. */
export function parseCertificate(data: string | Buffer, where = 'certificate'): PublishedCertificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(data);
  } catch (e) {
    throw new CertificateError(`${where} is not an X.509 certificate in PEM or DER form (${(e as Error).message})`);
  }
  const der = certificate.raw;
  return { fingerprint: fingerprintOf(der), pem: certificate.toString(), der, certificate };
}

/** INTERFLOW_SIGNING_CERT: a PEM file. */
export function loadCertificateFile(path: string): PublishedCertificate {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new CertificateError(`cannot read the signing certificate ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseCertificate(data, `the signing certificate ${path}`);
}

export function certificateGroup(keys: FederationKeys, cert: PublishedCertificate): KeyedReferenceGroup {
  const tModelKey = keys.category('certificate');
  const base64 = cert.der.toString('base64');
  const refs: KeyedReference[] = [{ tModelKey, keyName: FINGERPRINT_KEY_NAME, keyValue: cert.fingerprint }];
  for (let i = 0, part = 0; i < base64.length; i += CHUNK, part++) {
    refs.push({ tModelKey, keyName: `${PART_PREFIX}${String(part).padStart(3, '0')}`, keyValue: base64.slice(i, i + CHUNK) });
  }
  return { tModelKey, keyedReferences: refs };
}

/** Every certificate the business publishes (more than one during a key rollover), in order. */
export function readCertificates(business: BusinessEntity, keys: FederationKeys = new FederationKeys()): PublishedCertificate[] {
  const tModelKey = keys.category('certificate');
  const groups = business.categoryBag?.keyedReferenceGroups.filter((g) => g.tModelKey === tModelKey) ?? [];
  return groups.map((group, i) => readGroup(group, `${business.businessKey ?? 'businessEntity'} certificate group ${i + 1}`));
}

/** The business's current signing certificate, or undefined when it publishes none. */
export function readCertificate(business: BusinessEntity, keys: FederationKeys = new FederationKeys()): PublishedCertificate | undefined {
  return readCertificates(business, keys)[0];
}

function readGroup(group: KeyedReferenceGroup, where: string): PublishedCertificate {
  const declared = group.keyedReferences.find((r) => r.keyName === FINGERPRINT_KEY_NAME)?.keyValue.toLowerCase();
  if (!declared) throw new CertificateError(`${where}: no ${FINGERPRINT_KEY_NAME} fingerprint`);
  const parts = group.keyedReferences
    .filter((r) => r.keyName?.startsWith(PART_PREFIX))
    .map((r) => ({ index: Number(r.keyName!.slice(PART_PREFIX.length)), value: r.keyValue }))
    .sort((a, b) => a.index - b.index);
  if (parts.length === 0) throw new CertificateError(`${where}: no ${PART_PREFIX}NNN chunks`);
  if (parts.some((p, i) => p.index !== i)) throw new CertificateError(`${where}: chunks ${parts.map((p) => p.index).join(',')} are not numbered 0 to ${parts.length - 1}`);
  const der = Buffer.from(parts.map((p) => p.value).join(''), 'base64');
  const actual = fingerprintOf(der);
  if (actual !== declared) throw new CertificateError(`${where}: the chunks hash to ${actual}, not the published fingerprint ${declared}`);
  return parseCertificate(der, where);
}

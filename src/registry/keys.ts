import { randomUUID } from 'node:crypto';
import { uddiError, type UddiKeyType } from './errors';

export const DEFAULT_NODE_DOMAIN = 'interflow.local';
const MAX_KEY_LENGTH = 255;
const KEY_GENERATOR_SUFFIX = ':keygenerator';

/**
 * The node's key domain: keys it generates are uddi:<domain>:<uuid>. A DNS-style name, because
 * UDDI v3 domain keys are (§4.4.1), and lower-case, because keys are case-folded.
 */
export function nodeDomainFromEnv(env: NodeJS.ProcessEnv): string {
  const raw = env.INTERFLOW_UDDI_DOMAIN?.trim();
  if (!raw) return DEFAULT_NODE_DOMAIN;
  const domain = raw.toLowerCase();
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/.test(domain) || domain.length > 200) {
    throw new Error(`INTERFLOW_UDDI_DOMAIN must be a DNS name such as registry.example.gov, got "${raw}"`);
  }
  return domain;
}

export function generateKey(domain: string): string {
  return `uddi:${domain}:${randomUUID()}`;
}

/**
 * Validates and case-folds a key the caller passed. Keys are URIs beginning "uddi:" of at most 255
 * characters (uddi_v3.xsd uddiKey); anything else cannot name an entity of this registry.
 */
export function normaliseKey(raw: string, keyType: UddiKeyType, where: string): string {
  const key = raw.trim().toLowerCase();
  if (!key.startsWith('uddi:') || key.length <= 5 || key.length > MAX_KEY_LENGTH || /\s/.test(key)) {
    throw uddiError('E_invalidKeyPassed', `${where}: "${truncate(raw)}" is not a UDDI key; keys look like uddi:example.org:name and are at most ${MAX_KEY_LENGTH} characters`, keyType);
  }
  return key;
}

/** A key whose element may be empty: empty means "assign a new key" on save. */
export function optionalKey(raw: string | undefined, keyType: UddiKeyType, where: string): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return normaliseKey(raw, keyType, where);
}

export function isKeyGenerator(key: string): boolean {
  return key.endsWith(KEY_GENERATOR_SUFFIX);
}

export function keyGeneratorOf(partition: string): string {
  return partition + KEY_GENERATOR_SUFFIX;
}

/**
 * The partition a key belongs to (UDDI v3 §5.2.2): uddi:a.org:x:y → uddi:a.org:x. A key generator
 * tModel uddi:a.org:x:keygenerator belongs to the partition above the one it creates (uddi:a.org).
 * A domain key generator (uddi:a.org:keygenerator) and uuid keys (uddi:<uuid>) have no partition.
 */
export function partitionOf(key: string): string | undefined {
  const base = isKeyGenerator(key) ? key.slice(0, -KEY_GENERATOR_SUFFIX.length) : key;
  const last = base.lastIndexOf(':');
  if (last <= 'uddi:'.length - 1) return undefined;
  const partition = base.slice(0, last);
  return partition === 'uddi' ? undefined : partition;
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

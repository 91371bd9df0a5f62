import { createHash } from 'node:crypto';

/**
 * Who may hold which keys of the federation's domain (docs/registry.md, "Partitions"). The registry
 * is the federation's trust store: a department's certificate is what its businessEntity
 * uddi:<domain>:dept:<code> says, and the categorisation tModels are what every engine reads and
 * writes against. So the first-come rule of plain UDDI (whoever saves a key generator owns the
 * partition) cannot decide these keys: a department publisher could register as another
 * department, or lock everyone else out. Instead the hub administrator assigns each publisher a
 * department code, and
 *
 * - uddi:<domain>:dept:<segment> and everything under it belongs to the publishers of the
 *   department whose code maps to <segment>;
 * - everything else under uddi:<domain> (the root and dept key generators, the shared
 *   uddi:<domain>:interflow:* tModels, any other key there) belongs to the hub, which creates it
 *   at start-up under HUB_OWNER;
 * - a publisher without a department may hold nothing under uddi:<domain>.
 */

export const DEFAULT_FEDERATION_DOMAIN = 'interflow.org';

/**
 * The owner of what the hub creates. Not a publisher anyone can log in as: createPublisher refuses
 * the name and get_authToken never issues a token for it, even if a row by that name existed.
 */
export const HUB_OWNER = 'interflow:hub';

const DEPARTMENT_CODE_MAX = 200;

export function federationDomainFromEnv(env: NodeJS.ProcessEnv): string {
  const raw = env.INTERFLOW_FEDERATION_DOMAIN?.trim();
  if (!raw) return DEFAULT_FEDERATION_DOMAIN;
  const domain = raw.toLowerCase();
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/.test(domain) || domain.length > 60) {
    throw new Error(`INTERFLOW_FEDERATION_DOMAIN must be a DNS name such as gov.example, got "${raw}"`);
  }
  return domain;
}

/**
 * Key-specific strings are case-folded by the registry, may not hold whitespace, and a whole key
 * is at most 255 characters; ids that would lose information on the way (case, other characters,
 * length) keep a short hash of the original so two different ids never share a key.
 */
export function keySegment(id: string): string {
  const folded = id.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'x';
  if (folded === id) return folded;
  return `${folded}-${createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 8)}`;
}

/**
 * A department code as the hub administrator assigns it: exactly what the department's engines
 * have in INTERFLOW_DEPARTMENT, since the keys derive from it.
 */
export function departmentCode(raw: string): string {
  const code = typeof raw === 'string' ? raw.trim() : '';
  if (!code || code.length > DEPARTMENT_CODE_MAX || /[\u0000-\u001f\u007f]/.test(code)) {
    throw new Error(`a department code must be 1 to ${DEPARTMENT_CODE_MAX} printable characters (the INTERFLOW_DEPARTMENT of the department's engines), got "${String(raw)}"`);
  }
  // uddi:<domain>:dept:keygenerator is the hub's key generator of the dept partition.
  if (keySegment(code) === 'keygenerator') throw new Error('"keygenerator" cannot be a department code: uddi:<domain>:dept:keygenerator is the key generator of all departments\' partition');
  return code;
}

export interface PublisherIdentity {
  name: string;
  /** The department code the hub administrator assigned; none for a plain UDDI publisher. */
  department?: string;
}

export type FederationPartition = { owner: 'department'; segment: string; partition: string } | { owner: 'hub' };

export class FederationPartitions {
  readonly root: string;

  constructor(readonly domain: string) {
    this.root = `uddi:${domain}`;
  }

  /** The department key of a code (what FederationKeys.department gives). */
  departmentKey(code: string): string {
    return `${this.root}:dept:${keySegment(code)}`;
  }

  /** Whose part of the federation a (case-folded) key is in; undefined outside the domain. */
  partitionOf(key: string): FederationPartition | undefined {
    if (key !== this.root && !key.startsWith(`${this.root}:`)) return undefined;
    const segments = key.slice(this.root.length + 1).split(':');
    if (segments[0] === 'dept' && segments.length >= 2 && segments[1] && segments[1] !== 'keygenerator') {
      return { owner: 'department', segment: segments[1], partition: `${this.root}:dept:${segments[1]}` };
    }
    return { owner: 'hub' };
  }

  /** Why `publisher` may not hold `key`, in words the hub administrator can act on; undefined when it may. */
  refusal(key: string, publisher: PublisherIdentity): string | undefined {
    const part = this.partitionOf(key);
    if (!part) return undefined;
    if (!publisher.department) {
      return `publisher ${publisher.name} acts for no department; keys under ${this.root}: belong to the federation's departments and hub (the hub administrator assigns a department with \`interflow registry publisher add ${publisher.name} --department CODE\` or \`publisher set ${publisher.name} --department CODE\`)`;
    }
    const own = this.departmentKey(publisher.department);
    const acts = `publisher ${publisher.name} acts for department ${publisher.department}`;
    if (part.owner === 'hub') {
      return `${acts}; ${key} belongs to the registry hub (the federation's key generators and shared interflow:* tModels are created by \`interflow registry serve\`); department ${publisher.department} publishes only under ${own}`;
    }
    if (part.partition === own) return undefined;
    return `${acts}; ${key} belongs to department ${part.segment}; department ${publisher.department} publishes only under ${own}`;
  }
}

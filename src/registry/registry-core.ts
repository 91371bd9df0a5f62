import { uddiError, type UddiKeyType } from './errors';
import { federationDomainFromEnv, FederationPartitions, type PublisherIdentity } from './federation';
import { parseFindQualifiers, type Qualifiers } from './find-qualifiers';
import { keyGeneratorOf, nodeDomainFromEnv, normaliseKey, partitionOf } from './keys';
import type { BindingTemplate, BusinessEntity, BusinessService, FindCommon, FindTModelRequest } from './model';
import type { EntityKind, FindQuery, RegistryRepository, RegistryTx, StoredEntity } from './repository';
import * as validate from './validate';
import { ELEMENT, FreshKeys, KEY_TYPE, PublisherInfo, bag, byKey, identifierBag, indexed, ownerText, requireFound, rowsOfBusiness, rowsOfService, tokenHash } from './registry-rows';

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** The most rows one find returns, whatever maxRows asks: bounds the reply and the work. */
export const DEFAULT_MAX_ROWS = 1000;

export interface RegistryOptions {
  /** Keys generated here are uddi:<nodeDomain>:<uuid>; default from options.env (INTERFLOW_UDDI_DOMAIN, which src/app gives) or interflow.local. */
  nodeDomain?: string;
  /** Lifetime of an authToken; default from options.env (INTERFLOW_UDDI_TOKEN_TTL) or 3600 s. */
  tokenTtlSeconds?: number;
  /** Upper bound on rows per find; default 1000. */
  maxRows?: number;
  /**
   * The federation's key domain, whose partitions belong to departments and the hub rather than to
   * whoever claims them first (src/registry/federation.ts); default INTERFLOW_FEDERATION_DOMAIN or
   * interflow.org. Must differ from nodeDomain.
   */
  federationDomain?: string;
  /** Injected time, for tests of token expiry. */
  clock?: () => Date;
  env?: NodeJS.ProcessEnv;
}

export function tokenTtlFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.INTERFLOW_UDDI_TOKEN_TTL?.trim();
  if (!raw) return DEFAULT_TOKEN_TTL_SECONDS;
  const ttl = Number(raw);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 30 * 24 * 3600) throw new Error(`INTERFLOW_UDDI_TOKEN_TTL must be a number of seconds between 1 and 2592000, got "${raw}"`);
  return ttl;
}

/**
 * What the registry's API sets share: its settings, its repository, and the checks and row
 * writing that inquiry, publication and bulk import have in common.
 */
export class RegistryCore {
  readonly nodeDomain: string;
  /** This node's nodeID (operationalInfo), a key in the node's own partition. */
  readonly nodeID: string;
  readonly tokenTtlSeconds: number;
  readonly maxRows: number;
  readonly federation: FederationPartitions;
  readonly clock: () => Date;

  constructor(
    readonly repository: RegistryRepository,
    options: RegistryOptions = {},
  ) {
    // Only src/app gives it the process environment; alone it uses the defaults.
    const env = options.env ?? {};
    this.nodeDomain = options.nodeDomain ?? nodeDomainFromEnv(env);
    this.nodeID = `uddi:${this.nodeDomain}:node`;
    this.federation = new FederationPartitions(options.federationDomain ?? federationDomainFromEnv(env));
    if (this.federation.domain === this.nodeDomain) {
      throw new Error(`INTERFLOW_FEDERATION_DOMAIN (${this.federation.domain}) must differ from the node's INTERFLOW_UDDI_DOMAIN: the node refuses keys publishers propose in its own partition`);
    }
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? tokenTtlFromEnv(env);
    this.maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
    this.clock = options.clock ?? (() => new Date());
  }

  /** The publisher an authInfo stands for. */
  async authenticate(authInfo: string | undefined, operation: string): Promise<string> {
    if (!authInfo?.trim()) throw uddiError('E_authTokenRequired', `${operation}: publication requires authInfo; get one with get_authToken at the Security endpoint`);
    const hash = tokenHash(authInfo.trim());
    const token = await this.repository.read((tx) => tx.findToken(hash));
    if (!token) throw uddiError('E_authTokenRequired', `${operation}: the authInfo is not valid (unknown or discarded); get a new one with get_authToken`);
    if (token.expiresAt.getTime() <= this.clock().getTime()) {
      await this.repository.write((tx) => tx.deleteToken(hash));
      throw uddiError('E_authTokenExpired', `${operation}: the authInfo expired at ${token.expiresAt.toISOString()}; get a new one with get_authToken`);
    }
    return token.publisher;
  }

  publisherInfo(p: { username: string; department?: string; createdAt: Date }): PublisherInfo {
    return {
      name: p.username,
      ...(p.department ? { department: p.department, partition: this.federation.departmentKey(p.department) } : {}),
      createdAt: p.createdAt,
    };
  }

  /** The publisher an authInfo stands for, with the department it acts for. */
  async publisherOf(authInfo: string | undefined, operation: string): Promise<PublisherIdentity> {
    const name = await this.authenticate(authInfo, operation);
    const found = await this.repository.read((tx) => tx.findPublisher(name));
    return { name, ...(found?.department ? { department: found.department } : {}) };
  }

  query(
    kind: EntityKind,
    request: FindCommon,
    q: Qualifiers,
    criteria: Partial<Pick<FindQuery, 'parentKey' | 'names' | 'categoryBag' | 'identifierBag' | 'tModelBag' | 'discoveryURLs'>>,
  ): FindQuery {
    const op = `find_${kind === 'business' ? 'business' : kind === 'service' ? 'service' : kind === 'binding' ? 'binding' : 'tModel'}`;
    const { offset, limit } = this.paging(request, op);
    const named = kind !== 'binding';
    let sort = q.sort.filter((s) => named || s.field === 'date');
    if (sort.length === 0) sort = named ? [{ field: 'name', descending: false }, { field: 'date', descending: false }] : [{ field: 'date', descending: false }];
    else if (named && !sort.some((s) => s.field === 'name')) sort = [...sort, { field: 'name', descending: false }];
    const query: FindQuery = {
      kind,
      match: { approximate: q.approximate, caseInsensitive: q.caseInsensitive },
      includeDeleted: false,
      sort: sort.map((s) => ({ ...s, caseInsensitive: q.caseInsensitiveSort })),
      offset,
      limit,
    };
    for (const [k, v] of Object.entries(criteria)) {
      if (v !== undefined && !(Array.isArray(v) && v.length === 0)) (query as unknown as Record<string, unknown>)[k] = v;
    }
    return query;
  }

  /** listHead is 1-based (UDDI v3 §5.1.5); maxRows is capped by the node's own limit. */
  paging(request: FindCommon, op: string): { offset: number; limit: number } {
    if (request.maxRows !== undefined && (!Number.isInteger(request.maxRows) || request.maxRows < 1)) {
      throw uddiError('E_invalidValue', `${op}/@maxRows: expected a positive integer, got ${request.maxRows}`);
    }
    if (request.listHead !== undefined && !Number.isInteger(request.listHead)) throw uddiError('E_invalidValue', `${op}/@listHead: expected an integer, got ${request.listHead}`);
    const listHead = Math.max(1, request.listHead ?? 1);
    return { offset: listHead - 1, limit: Math.min(request.maxRows ?? this.maxRows, this.maxRows) };
  }

  async findTModelKeys(tx: RegistryTx, request: FindTModelRequest, op: string, unpaged = false): Promise<{ keys: string[]; total: number; query: FindQuery }> {
    const q = parseFindQualifiers(request.findQualifiers, op);
    const query = this.query('tModel', unpaged ? {} : request, q, {
      names: request.name ? [validate.searchName(request.name, `${op}/name`)] : undefined,
      categoryBag: bag(request.categoryBag, q, 'and', `${op}/categoryBag`),
      identifierBag: identifierBag(request.identifierBag, q, `${op}/identifierBag`),
    });
    const { keys, total } = await tx.find(query);
    return { keys, total, query };
  }

  /**
   * The tModelBag to search with: the caller's keys plus whatever a nested find_tModel finds.
   * null when the nested find_tModel found nothing, since then nothing can match.
   */
  async tModelBag(tx: RegistryTx, keys: string[] | undefined, findTModel: FindTModelRequest | undefined, op: string): Promise<string[] | undefined | null> {
    const bagKeys = (keys ?? []).map((k, i) => normaliseKey(k, 'tModelKey', indexed(`${op}/tModelBag/tModelKey`, i, keys!.length)));
    if (!findTModel) return bagKeys.length ? bagKeys : undefined;
    const found = await this.findTModelKeys(tx, findTModel, `${op}/find_tModel`, true);
    if (found.keys.length === 0) return null;
    return [...bagKeys, ...found.keys];
  }

  keysOf(raw: readonly string[], kind: EntityKind, op: string): string[] {
    if (raw.length === 0) throw uddiError('E_invalidValue', `${op}: give at least one ${KEY_TYPE[kind]}`);
    return raw.map((k, i) => normaliseKey(k, KEY_TYPE[kind], indexed(`${op}/${KEY_TYPE[kind]}`, i, raw.length)));
  }

  /** The rows for keys that must all exist and be of `kind` (E_invalidKeyPassed otherwise). */
  async requireKinds(tx: RegistryTx, keys: readonly string[], kind: EntityKind, op: string, forUpdate = false): Promise<Map<string, StoredEntity>> {
    const rows = await tx.getEntities(keys, { forUpdate });
    requireFound(keys, rows.filter((r) => r.kind === kind), kind, op, rows);
    return byKey(rows);
  }

  async requireOwned(tx: RegistryTx, key: string, kind: EntityKind, publisher: string, where: string): Promise<StoredEntity> {
    const row = (await tx.getEntities([key], { forUpdate: true }))[0];
    if (!row || row.kind !== kind) throw uddiError('E_invalidKeyPassed', `${where}: no ${ELEMENT[kind]} has the key ${key}`, KEY_TYPE[kind]);
    if (row.owner !== publisher) throw uddiError('E_userMismatch', `${where}: the ${ELEMENT[kind]} ${key} belongs to ${ownerText(row.owner)}`, KEY_TYPE[kind]).withAudit({ publisher, key });
    return row;
  }

  /** An existing row a save would replace must be of the same kind and the publisher's own. */
  checkReplace(existing: StoredEntity, kind: EntityKind, publisher: string, where: string): void {
    if (existing.kind !== kind) throw uddiError('E_invalidKeyPassed', `${where}: ${existing.key} is the key of a ${ELEMENT[existing.kind]}, not of a ${ELEMENT[kind]}`, KEY_TYPE[kind]);
    if (existing.owner !== publisher) throw uddiError('E_userMismatch', `${where}: the ${ELEMENT[kind]} ${existing.key} belongs to ${ownerText(existing.owner)}`, KEY_TYPE[kind]).withAudit({ publisher, key: existing.key });
  }

  /**
   * A key the publisher proposes for a new entity (UDDI v3 §5.2.2): never one in this node's own
   * partition (the node generates those), and never one in a partition whose key generator tModel
   * another publisher owns.
   */
  async checkKeyAvailable(tx: RegistryTx, key: string, publisher: string, keyType: UddiKeyType, where: string, fresh: FreshKeys): Promise<void> {
    if (fresh.generated(key)) return;
    const own = `uddi:${this.nodeDomain}`;
    if (key === own || key.startsWith(`${own}:`)) {
      throw uddiError('E_keyUnavailable', `${where}: keys under ${own}: are generated by this node; leave the key empty to get one, or use a key in your own domain (uddi:your-domain:...)`, keyType);
    }
    // The federation's rules (checkFederation, already passed) decide its keys: the hub owns the key
    // generators above the departments' partitions, which the first-come rule would read as locking
    // every department out.
    if (this.federation.partitionOf(key)) return;
    const partitions: string[] = [];
    for (let p = partitionOf(key); p; p = partitionOf(p)) partitions.push(p);
    if (partitions.length === 0) return;
    const generators = await tx.getEntities(partitions.map(keyGeneratorOf));
    const foreign = generators.find((g) => g.owner !== publisher);
    if (foreign) throw uddiError('E_keyUnavailable', `${where}: the key partition of ${key} belongs to ${ownerText(foreign.owner)} (key generator ${foreign.key})`, keyType).withAudit({ publisher, key });
  }

  /**
   * Keys of the federation domain a save touches must be in the publisher's department's partition
   * (src/registry/federation.ts). Checked for existing entities too: a department must not keep
   * changing entries in another's partition it came to own before this rule.
   */
  async checkFederation(tx: RegistryTx, actor: PublisherIdentity, keys: ReadonlyArray<{ key: string; keyType: UddiKeyType; where: string }>): Promise<void> {
    for (const { key, keyType, where } of keys) {
      const why = this.federation.refusal(key, actor);
      if (!why) continue;
      const exists = (await tx.getEntities([key])).length > 0;
      throw uddiError(exists ? 'E_userMismatch' : 'E_keyUnavailable', `${where}: ${why}`, keyType)
        .withAudit({ publisher: actor.name, department: actor.department, key });
    }
  }

  async checkRedirector(tx: RegistryTx, binding: BindingTemplate, where: string): Promise<void> {
    if (!binding.hostingRedirector) return;
    const target = (await tx.getEntities([binding.hostingRedirector.bindingKey]))[0];
    if (!target || target.kind !== 'binding') throw uddiError('E_invalidKeyPassed', `${where}/hostingRedirector/@bindingKey: no bindingTemplate has the key ${binding.hostingRedirector.bindingKey}`, 'bindingKey');
  }

  /** Assigns keys where the publisher left them out, and ties children to their parents. */
  withKeys(entity: BusinessEntity, where: string, fresh: FreshKeys): BusinessEntity {
    const businessKey = fresh.keyFor(entity.businessKey);
    const seen = new Set<string>([businessKey]);
    const businessServices = entity.businessServices.map((s, i) => {
      const at = indexed(`${where}/businessServices/businessService`, i, entity.businessServices.length);
      if (s.businessKey && s.businessKey !== businessKey) {
        throw uddiError('E_unsupported', `${at}/@businessKey: ${s.businessKey} is another business's key; service projections are not supported by this node`, 'businessKey');
      }
      const service = this.serviceWithKeys({ ...s, businessKey }, at, fresh);
      for (const k of [service.serviceKey!, ...service.bindingTemplates.map((b) => b.bindingKey!)]) {
        if (seen.has(k)) throw uddiError('E_invalidValue', `${at}: the key ${k} appears more than once in this businessEntity`);
        seen.add(k);
      }
      return service;
    });
    return { ...entity, businessKey, businessServices };
  }

  serviceWithKeys(service: BusinessService, where: string, fresh: FreshKeys): BusinessService {
    const serviceKey = fresh.keyFor(service.serviceKey);
    const bindingTemplates = service.bindingTemplates.map((b, i) => {
      if (b.serviceKey && b.serviceKey !== serviceKey) {
        throw uddiError('E_invalidValue', `${indexed(`${where}/bindingTemplates/bindingTemplate`, i, service.bindingTemplates.length)}/@serviceKey: ${b.serviceKey} is not the key of the businessService that contains it (${serviceKey})`);
      }
      return { ...b, serviceKey, bindingKey: fresh.keyFor(b.bindingKey) };
    });
    return { ...service, serviceKey, bindingTemplates };
  }

  /**
   * Saves one businessEntity tree, replacing the stored one: services and bindings missing from the
   * new tree are deleted, and a service or binding of the same publisher found elsewhere is moved
   * here (UDDI v3 §5.2.16).
   */
  async storeBusiness(tx: RegistryTx, publisher: string, entity: BusinessEntity, now: Date, op: string, fresh: FreshKeys): Promise<BusinessEntity> {
    const businessKey = entity.businessKey!;
    const where = `${op}/businessEntity[@businessKey="${businessKey}"]`;
    const existing = (await tx.getEntities([businessKey], { forUpdate: true }))[0];
    if (existing) this.checkReplace(existing, 'business', publisher, `${where}/@businessKey`);
    else await this.checkKeyAvailable(tx, businessKey, publisher, 'businessKey', `${where}/@businessKey`, fresh);
    const oldTree = existing ? await tx.getBusinessTrees([businessKey]) : [];
    const childKeys = entity.businessServices.flatMap((s) => [s.serviceKey!, ...s.bindingTemplates.map((b) => b.bindingKey!)]);
    const elsewhere = (await tx.getEntities(childKeys, { forUpdate: true })).filter((r) => r.businessKey !== businessKey || !existing);
    await this.checkChildren(tx, publisher, elsewhere, oldTree, entity.businessServices, where, fresh);
    const movedBindings = await tx.getChildren('binding', elsewhere.filter((r) => r.kind === 'service').map((r) => r.key));
    const previous = byKey([...oldTree, ...elsewhere]);
    await tx.deleteEntities([...new Set([...oldTree, ...elsewhere, ...movedBindings].map((r) => r.key))]);
    await tx.insertEntities(rowsOfBusiness(entity, publisher, now, previous));
    return entity;
  }

  /** Saves services (with their bindings) under one business, replacing what they held before. */
  async storeServices(tx: RegistryTx, publisher: string, businessKey: string, service: BusinessService, position: number, now: Date, where: string, fresh: FreshKeys): Promise<BusinessService> {
    const keys = [service.serviceKey!, ...service.bindingTemplates.map((b) => b.bindingKey!)];
    const existing = await tx.getEntities(keys, { forUpdate: true });
    await this.checkChildren(tx, publisher, existing, [], [service], where, fresh);
    const oldBindings = await tx.getChildren('binding', existing.filter((r) => r.kind === 'service').map((r) => r.key));
    const previous = byKey([...existing, ...oldBindings]);
    await tx.deleteEntities([...new Set([...existing, ...oldBindings].map((r) => r.key))]);
    await tx.insertEntities(rowsOfService(service, businessKey, position, publisher, now, previous));
    return service;
  }

  /** Existing rows reused by keys in a saved tree: same kind, same owner; new keys must be available. */
  async checkChildren(tx: RegistryTx, publisher: string, existing: StoredEntity[], ownTree: StoredEntity[], services: BusinessService[], where: string, fresh: FreshKeys): Promise<void> {
    const found = byKey(existing);
    const inTree = new Set(ownTree.map((r) => r.key));
    for (const service of services) {
      const children: Array<[string, EntityKind]> = [[service.serviceKey!, 'service'], ...service.bindingTemplates.map((b): [string, EntityKind] => [b.bindingKey!, 'binding'])];
      for (const [key, kind] of children) {
        const row = found.get(key);
        if (row) this.checkReplace(row, kind, publisher, `${where}/${ELEMENT[kind]}[@${KEY_TYPE[kind]}="${key}"]`);
        else if (!inTree.has(key)) await this.checkKeyAvailable(tx, key, publisher, KEY_TYPE[kind], `${where}/${ELEMENT[kind]}[@${KEY_TYPE[kind]}="${key}"]`, fresh);
      }
      for (const b of service.bindingTemplates) await this.checkRedirector(tx, b, `${where}/bindingTemplate[@bindingKey="${b.bindingKey}"]`);
    }
  }

  async deleteOwned(
    authInfo: string | undefined,
    rawKeys: readonly string[],
    kind: EntityKind,
    op: string,
    remove: (tx: RegistryTx, keys: string[], rows: Map<string, StoredEntity>) => Promise<void>,
  ): Promise<void> {
    const publisher = await this.authenticate(authInfo, op);
    const keys = [...new Set(this.keysOf(rawKeys, kind, op))];
    await this.repository.write(async (tx) => {
      const rows = await this.requireKinds(tx, keys, kind, op, true);
      const foreign = keys.filter((k) => rows.get(k)!.owner !== publisher);
      if (foreign.length) {
        const owners = [...new Set(foreign.map((k) => ownerText(rows.get(k)!.owner)))];
        throw uddiError('E_userMismatch', `${op}: ${foreign.join(', ')} belong${foreign.length === 1 ? 's' : ''} to ${owners.length === 1 ? owners[0] : 'other publishers'}`, KEY_TYPE[kind]).withAudit({ publisher, keys: foreign });
      }
      await remove(tx, keys, rows);
    });
  }
}

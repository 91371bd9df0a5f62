import { createHash, randomBytes } from 'node:crypto';
import type { TypeormStore } from '../persistence';
import { uddiError, type UddiKeyType } from './errors';
import { departmentCode, federationDomainFromEnv, FederationPartitions, HUB_OWNER, type PublisherIdentity } from './federation';
import { parseFindQualifiers, type Qualifiers } from './find-qualifiers';
import { generateKey, keyGeneratorOf, nodeDomainFromEnv, normaliseKey, partitionOf } from './keys';
import type {
  BindingTemplate,
  BusinessEntity,
  BusinessInfo,
  BusinessService,
  CategoryBag,
  FindBindingRequest,
  FindBusinessRequest,
  FindCommon,
  FindServiceRequest,
  FindTModelRequest,
  KeyedReference,
  ListResult,
  OperationalInfo,
  RegisteredInfo,
  ServiceInfo,
  TModel,
  TModelInfo,
} from './model';
import { burnVerification, hashPassword, verifyPassword } from './passwords';
import type { BagCriterion, EntityKind, FindQuery, RegistryRepository, RegistryTx, StoredEntity } from './repository';
import { TypeormRegistryRepository } from './typeorm-repository';
import * as validate from './validate';

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** The most rows one find returns, whatever maxRows asks: bounds the reply and the work. */
export const DEFAULT_MAX_ROWS = 1000;
const USERNAME_MAX = 255;

export interface RegistryOptions {
  /** Keys generated here are uddi:<nodeDomain>:<uuid>; default INTERFLOW_UDDI_DOMAIN or interflow.local. */
  nodeDomain?: string;
  /** Lifetime of an authToken; default INTERFLOW_UDDI_TOKEN_TTL or 3600 s. */
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

export function tokenTtlFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.INTERFLOW_UDDI_TOKEN_TTL?.trim();
  if (!raw) return DEFAULT_TOKEN_TTL_SECONDS;
  const ttl = Number(raw);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 30 * 24 * 3600) throw new Error(`INTERFLOW_UDDI_TOKEN_TTL must be a number of seconds between 1 and 2592000, got "${raw}"`);
  return ttl;
}

const KEY_TYPE: Record<EntityKind, UddiKeyType> = { business: 'businessKey', service: 'serviceKey', binding: 'bindingKey', tModel: 'tModelKey' };
const ELEMENT: Record<EntityKind, string> = { business: 'businessEntity', service: 'businessService', binding: 'bindingTemplate', tModel: 'tModel' };

/**
 * The UDDI v3 registry node: Inquiry, Publication and Security (UDDI v3.0.2 §5.1, §5.2, §5.1.x
 * security) over a RegistryRepository. Inquiry is open; every publication call names its
 * publisher through an authInfo from getAuthToken, and may change only what that publisher owns.
 * Every method throws UddiError for anything the caller can fix.
 */
export class RegistryStore {
  readonly nodeDomain: string;
  /** This node's nodeID (operationalInfo), a key in the node's own partition. */
  readonly nodeID: string;
  readonly tokenTtlSeconds: number;
  readonly maxRows: number;
  readonly federation: FederationPartitions;
  private readonly clock: () => Date;

  constructor(
    readonly repository: RegistryRepository,
    options: RegistryOptions = {},
  ) {
    const env = options.env ?? process.env;
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

  /** A registry in the engine's database (the store must have run its migrations). */
  static async open(store: TypeormStore, options: RegistryOptions = {}): Promise<RegistryStore> {
    return new RegistryStore(await TypeormRegistryRepository.open(store), options);
  }

  /** Closes what the registry opened itself; the engine store stays open. */
  async close(): Promise<void> {
    await this.repository.close();
  }

  // ====================================================================== security

  async getAuthToken(userID: string, cred: string): Promise<string> {
    const username = userID ?? '';
    // The hub's owner name never logs in, even if a publisher row by that name predates the rule.
    const publisher = username && username !== HUB_OWNER ? await this.repository.read((tx) => tx.findPublisher(username)) : undefined;
    // Same time and same answer for an unknown user and a wrong password: neither may be probed.
    const valid = publisher ? await verifyPassword(cred ?? '', publisher.passwordHash) : (await burnVerification(cred ?? ''), false);
    if (!publisher || !valid) throw uddiError('E_unknownUser', 'get_authToken: the userID and cred pair is not known to this node');
    const token = `authtoken:${randomBytes(32).toString('base64url')}`;
    const now = this.clock();
    await this.repository.write(async (tx) => {
      await tx.deleteTokensExpiredBefore(now);
      await tx.insertToken({ tokenHash: tokenHash(token), publisher: publisher.username, createdAt: now, expiresAt: new Date(now.getTime() + this.tokenTtlSeconds * 1000) });
    });
    return token;
  }

  async discardAuthToken(authInfo: string | undefined): Promise<void> {
    if (!authInfo?.trim()) throw uddiError('E_authTokenRequired', 'discard_authToken: authInfo is missing; pass the token get_authToken returned');
    const hash = tokenHash(authInfo.trim());
    await this.repository.write(async (tx) => {
      if (!(await tx.findToken(hash))) throw uddiError('E_authTokenRequired', 'discard_authToken: the authInfo is not a token this node issued, or it was already discarded');
      await tx.deleteToken(hash);
    });
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

  // ====================================================================== publishers (administration)

  /**
   * A publisher with `department` may publish in that department's partition of the federation
   * domain (and in partitions of its own outside it); without, it is a plain UDDI publisher that may
   * hold nothing under the federation domain.
   */
  async createPublisher(username: string, password: string, options: { department?: string } = {}): Promise<PublisherInfo> {
    const name = checkUsername(username);
    const department = options.department === undefined ? undefined : departmentCode(options.department);
    if (typeof password !== 'string' || password.length < 8) throw new Error('a publisher password needs at least 8 characters');
    const passwordHash = await hashPassword(password);
    const createdAt = this.clock();
    await this.repository.write(async (tx) => {
      if (await tx.findPublisher(name)) throw new Error(`publisher "${name}" already exists`);
      await tx.insertPublisher({ username: name, passwordHash, ...(department ? { department } : {}), createdAt });
    });
    return this.publisherInfo({ username: name, department, createdAt });
  }

  /** Assigns (or with undefined, withdraws) the department a publisher acts for. */
  async setPublisherDepartment(username: string, department: string | undefined): Promise<PublisherInfo> {
    const code = department === undefined ? undefined : departmentCode(department);
    return this.repository.write(async (tx) => {
      const found = await tx.findPublisher(username);
      if (!found) throw new Error(`no publisher "${username}"`);
      await tx.updatePublisherDepartment(username, code);
      return this.publisherInfo({ ...found, department: code });
    });
  }

  async getPublisher(username: string): Promise<PublisherInfo | undefined> {
    const found = await this.repository.read((tx) => tx.findPublisher(username));
    return found && this.publisherInfo(found);
  }

  async setPublisherPassword(username: string, password: string): Promise<void> {
    if (typeof password !== 'string' || password.length < 8) throw new Error('a publisher password needs at least 8 characters');
    const passwordHash = await hashPassword(password);
    await this.repository.write(async (tx) => {
      if (!(await tx.findPublisher(username))) throw new Error(`no publisher "${username}"`);
      await tx.updatePublisherPassword(username, passwordHash);
    });
  }

  private publisherInfo(p: { username: string; department?: string; createdAt: Date }): PublisherInfo {
    return {
      name: p.username,
      ...(p.department ? { department: p.department, partition: this.federation.departmentKey(p.department) } : {}),
      createdAt: p.createdAt,
    };
  }

  /** The publisher an authInfo stands for, with the department it acts for. */
  private async publisherOf(authInfo: string | undefined, operation: string): Promise<PublisherIdentity> {
    const name = await this.authenticate(authInfo, operation);
    const found = await this.repository.read((tx) => tx.findPublisher(name));
    return { name, ...(found?.department ? { department: found.department } : {}) };
  }

  // ====================================================================== inquiry: find

  async findBusiness(request: FindBusinessRequest): Promise<ListResult<BusinessInfo>> {
    const op = 'find_business';
    if (request.findRelatedBusinesses) throw uddiError('E_unsupported', `${op}: find_relatedBusinesses is not supported by this node`);
    const q = parseFindQualifiers(request.findQualifiers, op);
    return this.repository.read(async (tx) => {
      const tModelBag = await this.tModelBag(tx, request.tModelBag, request.findTModel, op);
      if (tModelBag === null) return emptyList(request);
      const query = this.query('business', request, q, {
        names: (request.names ?? []).map((n, i) => validate.searchName(n, indexed(`${op}/name`, i, request.names!.length))),
        categoryBag: bag(request.categoryBag, q, 'and', `${op}/categoryBag`),
        identifierBag: identifierBag(request.identifierBag, q, `${op}/identifierBag`),
        tModelBag: tModelBag && { keys: tModelBag, mode: q.keys === 'and' || !q.keys ? 'and' : 'or' },
        discoveryURLs: request.discoveryURLs?.map((u) => ({ value: u.value.trim(), ...(u.useType ? { useType: u.useType.trim() } : {}) })),
      });
      const { keys, total } = await tx.find(query);
      const rows = byKey(await tx.getEntities(keys));
      const services = await tx.getChildren('service', keys);
      const items = keys.map((key) => {
        const row = rows.get(key) as Extract<StoredEntity, { kind: 'business' }>;
        return {
          businessKey: key,
          names: row.data.names,
          descriptions: row.data.descriptions,
          serviceInfos: services.filter((s) => s.parentKey === key).map(serviceInfo),
        };
      });
      return list(items, total, query);
    });
  }

  async findService(request: FindServiceRequest): Promise<ListResult<ServiceInfo>> {
    const op = 'find_service';
    const q = parseFindQualifiers(request.findQualifiers, op);
    const businessKey = request.businessKey?.trim() ? normaliseKey(request.businessKey, 'businessKey', `${op}/@businessKey`) : undefined;
    return this.repository.read(async (tx) => {
      if (businessKey) await this.requireKinds(tx, [businessKey], 'business', op);
      const tModelBag = await this.tModelBag(tx, request.tModelBag, request.findTModel, op);
      if (tModelBag === null) return emptyList(request);
      const query = this.query('service', request, q, {
        parentKey: businessKey,
        names: (request.names ?? []).map((n, i) => validate.searchName(n, indexed(`${op}/name`, i, request.names!.length))),
        categoryBag: bag(request.categoryBag, q, 'and', `${op}/categoryBag`),
        tModelBag: tModelBag && { keys: tModelBag, mode: q.keys === 'and' || !q.keys ? 'and' : 'or' },
      });
      const { keys, total } = await tx.find(query);
      const rows = byKey(await tx.getEntities(keys));
      return list(keys.map((k) => serviceInfo(rows.get(k)!)), total, query);
    });
  }

  async findBinding(request: FindBindingRequest): Promise<ListResult<BindingTemplate>> {
    const op = 'find_binding';
    const q = parseFindQualifiers(request.findQualifiers, op);
    const serviceKey = request.serviceKey?.trim() ? normaliseKey(request.serviceKey, 'serviceKey', `${op}/@serviceKey`) : undefined;
    return this.repository.read(async (tx) => {
      if (serviceKey) await this.requireKinds(tx, [serviceKey], 'service', op);
      const tModelBag = await this.tModelBag(tx, request.tModelBag, request.findTModel, op);
      if (tModelBag === null) return emptyList(request);
      const query = this.query('binding', request, q, {
        parentKey: serviceKey,
        categoryBag: bag(request.categoryBag, q, 'and', `${op}/categoryBag`),
        tModelBag: tModelBag && { keys: tModelBag, mode: q.keys === 'and' || !q.keys ? 'and' : 'or' },
      });
      const { keys, total } = await tx.find(query);
      const rows = byKey(await tx.getEntities(keys));
      return list(keys.map((k) => bindingOf(rows.get(k)!)), total, query);
    });
  }

  async findTModel(request: FindTModelRequest): Promise<ListResult<TModelInfo>> {
    return this.repository.read(async (tx) => {
      const { keys, total, query } = await this.findTModelKeys(tx, request, 'find_tModel');
      const rows = byKey(await tx.getEntities(keys));
      const items = keys.map((k) => {
        const t = rows.get(k)!.data as TModel;
        return { tModelKey: k, name: t.name, descriptions: t.descriptions };
      });
      return list(items, total, query);
    });
  }

  // ====================================================================== inquiry: get

  async getBusinessDetail(businessKeys: readonly string[]): Promise<BusinessEntity[]> {
    const keys = this.keysOf(businessKeys, 'business', 'get_businessDetail');
    return this.repository.read(async (tx) => {
      const rows = await tx.getBusinessTrees(keys);
      requireFound(keys, rows.filter((r) => r.kind === 'business'), 'business', 'get_businessDetail', rows);
      return keys.map((k) => assembleBusiness(k, rows));
    });
  }

  async getServiceDetail(serviceKeys: readonly string[]): Promise<BusinessService[]> {
    const keys = this.keysOf(serviceKeys, 'service', 'get_serviceDetail');
    return this.repository.read(async (tx) => {
      const services = await this.requireKinds(tx, keys, 'service', 'get_serviceDetail');
      const bindings = await tx.getChildren('binding', keys);
      return keys.map((k) => assembleService(services.get(k)!, bindings));
    });
  }

  async getBindingDetail(bindingKeys: readonly string[]): Promise<BindingTemplate[]> {
    const keys = this.keysOf(bindingKeys, 'binding', 'get_bindingDetail');
    return this.repository.read(async (tx) => {
      const rows = await this.requireKinds(tx, keys, 'binding', 'get_bindingDetail');
      return keys.map((k) => bindingOf(rows.get(k)!));
    });
  }

  /** Logically deleted tModels are returned too, with deleted="true" (UDDI v3 §5.2.8). */
  async getTModelDetail(tModelKeys: readonly string[]): Promise<TModel[]> {
    const keys = this.keysOf(tModelKeys, 'tModel', 'get_tModelDetail');
    return this.repository.read(async (tx) => {
      const rows = await this.requireKinds(tx, keys, 'tModel', 'get_tModelDetail');
      return keys.map((k) => rows.get(k)!.data as TModel);
    });
  }

  async getOperationalInfo(entityKeys: readonly string[]): Promise<OperationalInfo[]> {
    const op = 'get_operationalInfo';
    if (entityKeys.length === 0) throw uddiError('E_invalidValue', `${op}: give at least one entityKey`);
    const keys = entityKeys.map((k, i) => normaliseKey(k, 'businessKey', indexed(`${op}/entityKey`, i, entityKeys.length)));
    return this.repository.read(async (tx) => {
      const rows = byKey(await tx.getEntities(keys));
      const missing = keys.filter((k) => !rows.has(k));
      if (missing.length) throw uddiError('E_invalidKeyPassed', `${op}: no entity has the key ${missing.join(', ')}`);
      const businesses = keys.filter((k) => rows.get(k)!.kind === 'business');
      const services = keys.filter((k) => rows.get(k)!.kind === 'service');
      const trees = businesses.length ? await tx.getBusinessTrees(businesses) : [];
      const bindings = services.length ? await tx.getChildren('binding', services) : [];
      return keys.map((k) => {
        const row = rows.get(k)!;
        const children = row.kind === 'business' ? trees.filter((r) => r.businessKey === k) : row.kind === 'service' ? bindings.filter((b) => b.parentKey === k) : [];
        const latest = Math.max(row.modifiedAt.getTime(), ...children.map((c) => c.modifiedAt.getTime()));
        return { entityKey: k, created: row.createdAt, modified: row.modifiedAt, modifiedIncludingChildren: new Date(latest), nodeID: this.nodeID, authorizedName: row.owner };
      });
    });
  }

  // ====================================================================== publication: save

  async saveBusiness(authInfo: string | undefined, entities: readonly BusinessEntity[]): Promise<BusinessEntity[]> {
    const op = 'save_business';
    const actor = await this.publisherOf(authInfo, op);
    const publisher = actor.name;
    requireSome(entities, 'businessEntity', op);
    const fresh = new FreshKeys(this.nodeDomain);
    const inputs = entities.map((e, i) => this.withKeys(validate.businessEntity(e, indexed(`${op}/businessEntity`, i, entities.length)), indexed(`${op}/businessEntity`, i, entities.length), fresh));
    const now = this.clock();
    return this.repository.write(async (tx) => {
      await this.checkFederation(tx, actor, inputs.flatMap((e, i) => {
        const at = indexed(`${op}/businessEntity`, i, inputs.length);
        return [
          { key: e.businessKey!, keyType: 'businessKey' as const, where: `${at}/@businessKey` },
          ...e.businessServices.flatMap((s) => [
            { key: s.serviceKey!, keyType: 'serviceKey' as const, where: `${at}/businessService/@serviceKey` },
            ...s.bindingTemplates.map((b) => ({ key: b.bindingKey!, keyType: 'bindingKey' as const, where: `${at}/bindingTemplate/@bindingKey` })),
          ]),
        ];
      }));
      const saved: BusinessEntity[] = [];
      for (const entity of inputs) saved.push(await this.storeBusiness(tx, publisher, entity, now, op, fresh));
      return saved;
    });
  }

  async saveService(authInfo: string | undefined, services: readonly BusinessService[]): Promise<BusinessService[]> {
    const op = 'save_service';
    const actor = await this.publisherOf(authInfo, op);
    const publisher = actor.name;
    requireSome(services, 'businessService', op);
    const fresh = new FreshKeys(this.nodeDomain);
    const inputs = services.map((s, i) => {
      const where = indexed(`${op}/businessService`, i, services.length);
      return { where, service: this.serviceWithKeys(validate.businessService(s, where), where, fresh) };
    });
    const now = this.clock();
    return this.repository.write(async (tx) => {
      const saved: BusinessService[] = [];
      for (const { where, service } of inputs) {
        const existing = (await tx.getEntities([service.serviceKey!], { forUpdate: true }))[0];
        const businessKey = service.businessKey ?? (existing?.kind === 'service' ? existing.businessKey : undefined);
        if (!businessKey) throw uddiError('E_invalidValue', `${where}/@businessKey: is missing; a new businessService names the businessEntity it belongs to`);
        await this.checkFederation(tx, actor, [
          { key: businessKey, keyType: 'businessKey', where: `${where}/@businessKey` },
          { key: service.serviceKey!, keyType: 'serviceKey', where: `${where}/@serviceKey` },
          ...service.bindingTemplates.map((b) => ({ key: b.bindingKey!, keyType: 'bindingKey' as const, where: `${where}/bindingTemplate/@bindingKey` })),
        ]);
        const business = await this.requireOwned(tx, businessKey, 'business', publisher, `${where}/@businessKey`);
        const siblings = await tx.getChildren('service', [businessKey]);
        const position = siblings.find((s) => s.key === service.serviceKey)?.position ?? siblings.length;
        saved.push(await this.storeServices(tx, publisher, business.key, { ...service, businessKey }, position, now, where, fresh));
      }
      return saved;
    });
  }

  async saveBinding(authInfo: string | undefined, bindings: readonly BindingTemplate[]): Promise<BindingTemplate[]> {
    const op = 'save_binding';
    const actor = await this.publisherOf(authInfo, op);
    const publisher = actor.name;
    requireSome(bindings, 'bindingTemplate', op);
    const fresh = new FreshKeys(this.nodeDomain);
    const inputs = bindings.map((b, i) => {
      const where = indexed(`${op}/bindingTemplate`, i, bindings.length);
      const binding = validate.bindingTemplate(b, where);
      return { where, binding: { ...binding, bindingKey: fresh.keyFor(binding.bindingKey) } };
    });
    const now = this.clock();
    return this.repository.write(async (tx) => {
      const saved: BindingTemplate[] = [];
      for (const { where, binding } of inputs) {
        const existing = (await tx.getEntities([binding.bindingKey], { forUpdate: true }))[0];
        const serviceKey = binding.serviceKey ?? existing?.parentKey;
        if (!serviceKey) throw uddiError('E_invalidValue', `${where}/@serviceKey: is missing; a new bindingTemplate names the businessService it belongs to`);
        await this.checkFederation(tx, actor, [
          { key: serviceKey, keyType: 'serviceKey', where: `${where}/@serviceKey` },
          { key: binding.bindingKey, keyType: 'bindingKey', where: `${where}/@bindingKey` },
        ]);
        if (existing) this.checkReplace(existing, 'binding', publisher, `${where}/@bindingKey`);
        else await this.checkKeyAvailable(tx, binding.bindingKey, publisher, 'bindingKey', `${where}/@bindingKey`, fresh);
        const service = await this.requireOwned(tx, serviceKey, 'service', publisher, `${where}/@serviceKey`);
        await this.checkRedirector(tx, binding, where);
        const siblings = await tx.getChildren('binding', [serviceKey]);
        const position = siblings.find((s) => s.key === binding.bindingKey)?.position ?? siblings.length;
        if (existing) await tx.deleteEntities([existing.key]);
        const data: BindingTemplate = { ...binding, serviceKey };
        await tx.insertEntities([{ kind: 'binding', key: binding.bindingKey, parentKey: serviceKey, businessKey: service.businessKey!, position, owner: publisher, createdAt: existing?.createdAt ?? now, modifiedAt: now, data }]);
        saved.push(data);
      }
      return saved;
    });
  }

  async saveTModel(authInfo: string | undefined, tModels: readonly TModel[]): Promise<TModel[]> {
    const op = 'save_tModel';
    const actor = await this.publisherOf(authInfo, op);
    const publisher = actor.name;
    requireSome(tModels, 'tModel', op);
    const fresh = new FreshKeys(this.nodeDomain);
    const inputs = tModels.map((t, i) => {
      const where = indexed(`${op}/tModel`, i, tModels.length);
      const model = validate.tModel(t, where);
      return { where, model: { ...model, tModelKey: fresh.keyFor(model.tModelKey) } };
    });
    const now = this.clock();
    return this.repository.write(async (tx) => {
      await this.checkFederation(tx, actor, inputs.map(({ where, model }) => ({ key: model.tModelKey, keyType: 'tModelKey' as const, where: `${where}/@tModelKey` })));
      const saved: TModel[] = [];
      for (const { where, model } of inputs) {
        const existing = (await tx.getEntities([model.tModelKey], { forUpdate: true }))[0];
        if (existing) {
          this.checkReplace(existing, 'tModel', publisher, `${where}/@tModelKey`);
          await tx.deleteEntities([existing.key]);
        } else {
          await this.checkKeyAvailable(tx, model.tModelKey, publisher, 'tModelKey', `${where}/@tModelKey`, fresh);
        }
        // Saving a logically deleted tModel brings it back (UDDI v3 §5.2.17): deleted is never taken from the caller.
        const data: TModel = { ...model, deleted: false };
        await tx.insertEntities([{ kind: 'tModel', key: model.tModelKey, position: 0, owner: publisher, createdAt: existing?.createdAt ?? now, modifiedAt: now, data }]);
        saved.push(data);
      }
      return saved;
    });
  }

  // ====================================================================== publication: delete

  /** Deletes the businesses with their services and bindings. */
  async deleteBusiness(authInfo: string | undefined, businessKeys: readonly string[]): Promise<void> {
    await this.deleteOwned(authInfo, businessKeys, 'business', 'delete_business', async (tx, keys) => {
      const tree = await tx.getBusinessTrees(keys);
      await tx.deleteEntities(tree.map((r) => r.key));
    });
  }

  async deleteService(authInfo: string | undefined, serviceKeys: readonly string[]): Promise<void> {
    await this.deleteOwned(authInfo, serviceKeys, 'service', 'delete_service', async (tx, keys) => {
      const bindings = await tx.getChildren('binding', keys);
      await tx.deleteEntities([...bindings.map((b) => b.key), ...keys]);
    });
  }

  async deleteBinding(authInfo: string | undefined, bindingKeys: readonly string[]): Promise<void> {
    await this.deleteOwned(authInfo, bindingKeys, 'binding', 'delete_binding', (tx, keys) => tx.deleteEntities(keys));
  }

  /**
   * A logical delete (UDDI v3 §5.2.8): the tModel stays retrievable with get_tModelDetail, marked
   * deleted="true", because other entities may still reference it; find_tModel no longer finds it.
   */
  async deleteTModel(authInfo: string | undefined, tModelKeys: readonly string[]): Promise<void> {
    const now = this.clock();
    await this.deleteOwned(authInfo, tModelKeys, 'tModel', 'delete_tModel', async (tx, keys, rows) => {
      await tx.deleteEntities(keys);
      await tx.insertEntities(keys.map((k) => {
        const row = rows.get(k) as Extract<StoredEntity, { kind: 'tModel' }>;
        return { ...row, modifiedAt: now, data: { ...row.data, deleted: true } };
      }));
    });
  }

  /** What a publisher owns: its businesses, and its tModels (all, only the deleted, or only the live ones). */
  async getRegisteredInfo(authInfo: string | undefined, infoSelection: 'all' | 'hidden' | 'visible' = 'all'): Promise<RegisteredInfo> {
    const publisher = await this.authenticate(authInfo, 'get_registeredInfo');
    return this.repository.read(async (tx) => {
      const owned = await tx.ownedBy(publisher);
      const rows = byKey(await tx.getEntities(owned.map((o) => o.key)));
      const businessKeys = owned.filter((o) => o.kind === 'business').map((o) => o.key);
      const services = await tx.getChildren('service', businessKeys);
      const businessInfos = businessKeys.map((k) => {
        const b = rows.get(k)!.data as BusinessEntity;
        return { businessKey: k, names: b.names, descriptions: b.descriptions, serviceInfos: services.filter((s) => s.parentKey === k).map(serviceInfo) };
      });
      const tModelInfos = owned
        .filter((o) => o.kind === 'tModel')
        .map((o) => rows.get(o.key)!.data as TModel)
        .filter((t) => infoSelection === 'all' || (infoSelection === 'hidden') === Boolean(t.deleted))
        .map((t) => ({ tModelKey: t.tModelKey!, name: t.name, descriptions: t.descriptions }));
      return { businessInfos, tModelInfos };
    });
  }

  // ====================================================================== the hub's own entries

  /**
   * Creates the tModels the hub owns (HUB_OWNER) — the federation's key generators and shared
   * interflow:* tModels — or takes them over from whoever saved them before this rule existed.
   * Idempotent: a tModel already the hub's and unchanged is left alone. Only keys the federation
   * rules give the hub are accepted.
   */
  async claimForHub(tModels: readonly TModel[]): Promise<{ created: string[]; claimed: Array<{ key: string; from: string }>; unchanged: string[] }> {
    const inputs = tModels.map((t, i) => {
      const model = validate.tModel(t, `hub tModel[${i + 1}]`);
      if (!model.tModelKey || this.federation.partitionOf(model.tModelKey)?.owner !== 'hub') {
        throw new Error(`the hub owns only keys of the federation domain outside its departments' partitions, not ${model.tModelKey ?? 'a tModel without a key'}`);
      }
      return { ...model, tModelKey: model.tModelKey, deleted: false };
    });
    const now = this.clock();
    const result = { created: [] as string[], claimed: [] as Array<{ key: string; from: string }>, unchanged: [] as string[] };
    await this.repository.write(async (tx) => {
      for (const model of inputs) {
        const existing = (await tx.getEntities([model.tModelKey], { forUpdate: true }))[0];
        if (existing && existing.kind !== 'tModel') {
          throw new Error(`${model.tModelKey} is the key of a ${ELEMENT[existing.kind]} of publisher ${existing.owner}; the hub needs it for its tModel: delete that ${ELEMENT[existing.kind]} first`);
        }
        if (existing?.owner === HUB_OWNER && JSON.stringify(existing.data) === JSON.stringify(model)) {
          result.unchanged.push(model.tModelKey);
          continue;
        }
        if (existing) await tx.deleteEntities([existing.key]);
        await tx.insertEntities([{ kind: 'tModel', key: model.tModelKey, position: 0, owner: HUB_OWNER, createdAt: existing?.createdAt ?? now, modifiedAt: now, data: model }]);
        if (!existing) result.created.push(model.tModelKey);
        else if (existing.owner !== HUB_OWNER) result.claimed.push({ key: model.tModelKey, from: existing.owner });
        else result.unchanged.push(model.tModelKey);
      }
    });
    return result;
  }

  /**
   * Entries of the federation domain whose owner the partition rules would no longer let change
   * them: saved by another department's publisher (or a plain one) before the rules existed. They
   * stay readable — and trusted by binders if they are a department's business — until their
   * owner deletes them, so the hub reports them at start-up.
   */
  async federationLeftovers(): Promise<Array<{ key: string; kind: EntityKind; owner: string; reason: string }>> {
    return this.repository.read(async (tx) => {
      const rows = await tx.entitiesUnder(this.federation.root);
      const departments = new Map<string, string | undefined>();
      const leftovers: Array<{ key: string; kind: EntityKind; owner: string; reason: string }> = [];
      for (const row of rows) {
        if (row.owner === HUB_OWNER && this.federation.partitionOf(row.key)?.owner === 'hub') continue;
        if (!departments.has(row.owner)) departments.set(row.owner, (await tx.findPublisher(row.owner))?.department);
        const department = departments.get(row.owner);
        const reason = this.federation.refusal(row.key, { name: row.owner, ...(department ? { department } : {}) });
        if (reason) leftovers.push({ ...row, reason });
      }
      return leftovers;
    });
  }

  // ====================================================================== bulk load

  /**
   * Inserts new businesses (with their services and bindings) for `owner` without the checks a
   * publisher's save goes through, in batches: for loading a registry, and for benchmarks.
   */
  async importBusinesses(owner: string, entities: readonly BusinessEntity[]): Promise<BusinessEntity[]> {
    const now = this.clock();
    const fresh = new FreshKeys(this.nodeDomain);
    const prepared = entities.map((e, i) => this.withKeys(validate.businessEntity(e, `businessEntity[${i + 1}]`), `businessEntity[${i + 1}]`, fresh));
    await this.repository.write(async (tx) => {
      await tx.insertEntities(prepared.flatMap((e) => rowsOfBusiness(e, owner, now, new Map())));
    });
    return prepared;
  }

  // ====================================================================== internals

  private query(
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
  private paging(request: FindCommon, op: string): { offset: number; limit: number } {
    if (request.maxRows !== undefined && (!Number.isInteger(request.maxRows) || request.maxRows < 1)) {
      throw uddiError('E_invalidValue', `${op}/@maxRows: expected a positive integer, got ${request.maxRows}`);
    }
    if (request.listHead !== undefined && !Number.isInteger(request.listHead)) throw uddiError('E_invalidValue', `${op}/@listHead: expected an integer, got ${request.listHead}`);
    const listHead = Math.max(1, request.listHead ?? 1);
    return { offset: listHead - 1, limit: Math.min(request.maxRows ?? this.maxRows, this.maxRows) };
  }

  private async findTModelKeys(tx: RegistryTx, request: FindTModelRequest, op: string, unpaged = false): Promise<{ keys: string[]; total: number; query: FindQuery }> {
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
  private async tModelBag(tx: RegistryTx, keys: string[] | undefined, findTModel: FindTModelRequest | undefined, op: string): Promise<string[] | undefined | null> {
    const bagKeys = (keys ?? []).map((k, i) => normaliseKey(k, 'tModelKey', indexed(`${op}/tModelBag/tModelKey`, i, keys!.length)));
    if (!findTModel) return bagKeys.length ? bagKeys : undefined;
    const found = await this.findTModelKeys(tx, findTModel, `${op}/find_tModel`, true);
    if (found.keys.length === 0) return null;
    return [...bagKeys, ...found.keys];
  }

  private keysOf(raw: readonly string[], kind: EntityKind, op: string): string[] {
    if (raw.length === 0) throw uddiError('E_invalidValue', `${op}: give at least one ${KEY_TYPE[kind]}`);
    return raw.map((k, i) => normaliseKey(k, KEY_TYPE[kind], indexed(`${op}/${KEY_TYPE[kind]}`, i, raw.length)));
  }

  /** The rows for keys that must all exist and be of `kind` (E_invalidKeyPassed otherwise). */
  private async requireKinds(tx: RegistryTx, keys: readonly string[], kind: EntityKind, op: string, forUpdate = false): Promise<Map<string, StoredEntity>> {
    const rows = await tx.getEntities(keys, { forUpdate });
    requireFound(keys, rows.filter((r) => r.kind === kind), kind, op, rows);
    return byKey(rows);
  }

  private async requireOwned(tx: RegistryTx, key: string, kind: EntityKind, publisher: string, where: string): Promise<StoredEntity> {
    const row = (await tx.getEntities([key], { forUpdate: true }))[0];
    if (!row || row.kind !== kind) throw uddiError('E_invalidKeyPassed', `${where}: no ${ELEMENT[kind]} has the key ${key}`, KEY_TYPE[kind]);
    if (row.owner !== publisher) throw uddiError('E_userMismatch', `${where}: the ${ELEMENT[kind]} ${key} belongs to ${ownerText(row.owner)}`, KEY_TYPE[kind]).withAudit({ publisher, key });
    return row;
  }

  /** An existing row a save would replace must be of the same kind and the publisher's own. */
  private checkReplace(existing: StoredEntity, kind: EntityKind, publisher: string, where: string): void {
    if (existing.kind !== kind) throw uddiError('E_invalidKeyPassed', `${where}: ${existing.key} is the key of a ${ELEMENT[existing.kind]}, not of a ${ELEMENT[kind]}`, KEY_TYPE[kind]);
    if (existing.owner !== publisher) throw uddiError('E_userMismatch', `${where}: the ${ELEMENT[kind]} ${existing.key} belongs to ${ownerText(existing.owner)}`, KEY_TYPE[kind]).withAudit({ publisher, key: existing.key });
  }

  /**
   * A key the publisher proposes for a new entity (UDDI v3 §5.2.2): never one in this node's own
   * partition (the node generates those), and never one in a partition whose key generator tModel
   * another publisher owns.
   */
  private async checkKeyAvailable(tx: RegistryTx, key: string, publisher: string, keyType: UddiKeyType, where: string, fresh: FreshKeys): Promise<void> {
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
  private async checkFederation(tx: RegistryTx, actor: PublisherIdentity, keys: ReadonlyArray<{ key: string; keyType: UddiKeyType; where: string }>): Promise<void> {
    for (const { key, keyType, where } of keys) {
      const why = this.federation.refusal(key, actor);
      if (!why) continue;
      const exists = (await tx.getEntities([key])).length > 0;
      throw uddiError(exists ? 'E_userMismatch' : 'E_keyUnavailable', `${where}: ${why}`, keyType)
        .withAudit({ publisher: actor.name, department: actor.department, key });
    }
  }

  private async checkRedirector(tx: RegistryTx, binding: BindingTemplate, where: string): Promise<void> {
    if (!binding.hostingRedirector) return;
    const target = (await tx.getEntities([binding.hostingRedirector.bindingKey]))[0];
    if (!target || target.kind !== 'binding') throw uddiError('E_invalidKeyPassed', `${where}/hostingRedirector/@bindingKey: no bindingTemplate has the key ${binding.hostingRedirector.bindingKey}`, 'bindingKey');
  }

  /** Assigns keys where the publisher left them out, and ties children to their parents. */
  private withKeys(entity: BusinessEntity, where: string, fresh: FreshKeys): BusinessEntity {
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

  private serviceWithKeys(service: BusinessService, where: string, fresh: FreshKeys): BusinessService {
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
  private async storeBusiness(tx: RegistryTx, publisher: string, entity: BusinessEntity, now: Date, op: string, fresh: FreshKeys): Promise<BusinessEntity> {
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
  private async storeServices(tx: RegistryTx, publisher: string, businessKey: string, service: BusinessService, position: number, now: Date, where: string, fresh: FreshKeys): Promise<BusinessService> {
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
  private async checkChildren(tx: RegistryTx, publisher: string, existing: StoredEntity[], ownTree: StoredEntity[], services: BusinessService[], where: string, fresh: FreshKeys): Promise<void> {
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

  private async deleteOwned(
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

// ------------------------------------------------------------------------ helpers

/** Keys generated during one request: they are in the node's partition, and that is fine. */
class FreshKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly domain: string) {}

  keyFor(given: string | undefined): string {
    if (given) return given;
    const key = generateKey(this.domain);
    this.keys.add(key);
    return key;
  }

  generated(key: string): boolean {
    return this.keys.has(key);
  }
}

function ownerText(owner: string): string {
  return owner === HUB_OWNER ? 'the registry hub' : 'another publisher';
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function checkUsername(username: string): string {
  const name = typeof username === 'string' ? username.trim() : '';
  if (!name || name.length > USERNAME_MAX || /[\u0000-\u001f]/.test(name)) throw new Error(`a publisher name must be 1 to ${USERNAME_MAX} printable characters`);
  if (name === HUB_OWNER) throw new Error(`"${HUB_OWNER}" is the registry hub's own name; no publisher may have it`);
  return name;
}

function indexed(where: string, i: number, count: number): string {
  return count > 1 ? `${where}[${i + 1}]` : where;
}

function requireSome(items: readonly unknown[], element: string, op: string): void {
  if (items.length === 0) throw uddiError('E_invalidValue', `${op}: give at least one ${element}`);
}

function requireFound(keys: readonly string[], found: StoredEntity[], kind: EntityKind, op: string, all: StoredEntity[]): void {
  const have = new Set(found.map((r) => r.key));
  const missing = keys.filter((k) => !have.has(k));
  if (missing.length === 0) return;
  const other = all.find((r) => r.key === missing[0]);
  const detail = other ? `${missing[0]} is the key of a ${ELEMENT[other.kind]}, not of a ${ELEMENT[kind]}` : `no ${ELEMENT[kind]} has the key ${missing.join(', ')}`;
  throw uddiError('E_invalidKeyPassed', `${op}: ${detail}`, KEY_TYPE[kind]);
}

function byKey(rows: StoredEntity[]): Map<string, StoredEntity> {
  return new Map(rows.map((r) => [r.key, r]));
}

function emptyList<T>(request: FindCommon): ListResult<T> {
  return { listDescription: { includeCount: 0, actualCount: 0, listHead: Math.max(1, request.listHead ?? 1) }, truncated: false, items: [] };
}

function list<T>(items: T[], total: number, query: FindQuery): ListResult<T> {
  return {
    listDescription: { includeCount: items.length, actualCount: total, listHead: query.offset + 1 },
    truncated: query.offset + items.length < total,
    items,
  };
}

function bag(raw: CategoryBag | undefined, q: Qualifiers, defaultMode: 'and' | 'or', where: string): BagCriterion | undefined {
  if (!raw) return undefined;
  const keyedReferences = (raw.keyedReferences ?? []).map((r, i) => validate.searchReference(r, indexed(`${where}/keyedReference`, i, raw.keyedReferences.length)));
  const keyedReferenceGroups = (raw.keyedReferenceGroups ?? []).map((g, i) => {
    const at = indexed(`${where}/keyedReferenceGroup`, i, raw.keyedReferenceGroups.length);
    return { tModelKey: normaliseKey(g.tModelKey ?? '', 'tModelKey', `${at}/@tModelKey`), keyedReferences: (g.keyedReferences ?? []).map((r, j) => validate.searchReference(r, indexed(`${at}/keyedReference`, j, g.keyedReferences.length))) };
  });
  if (keyedReferences.length === 0 && keyedReferenceGroups.length === 0) return undefined;
  return { keyedReferences, keyedReferenceGroups, mode: q.keys ?? defaultMode };
}

/** identifierBag defaults to orAllKeys (UDDI v3 §5.1.4.3), unlike categoryBag and tModelBag. */
function identifierBag(refs: KeyedReference[] | undefined, q: Qualifiers, where: string): BagCriterion | undefined {
  if (!refs?.length) return undefined;
  return bag({ keyedReferences: refs, keyedReferenceGroups: [] }, q, 'or', where);
}

function serviceInfo(row: StoredEntity): ServiceInfo {
  const s = row.data as BusinessService;
  return { serviceKey: row.key, businessKey: row.parentKey!, names: s.names };
}

function bindingOf(row: StoredEntity): BindingTemplate {
  return row.data as BindingTemplate;
}

function assembleService(row: StoredEntity, bindings: StoredEntity[]): BusinessService {
  const s = row.data as BusinessService;
  const own = bindings.filter((b) => b.parentKey === row.key).sort((a, b) => a.position - b.position);
  return { ...s, serviceKey: row.key, businessKey: row.parentKey!, bindingTemplates: own.map(bindingOf) };
}

function assembleBusiness(key: string, rows: StoredEntity[]): BusinessEntity {
  const business = rows.find((r) => r.key === key && r.kind === 'business')!;
  const services = rows.filter((r) => r.kind === 'service' && r.parentKey === key).sort((a, b) => a.position - b.position);
  const bindings = rows.filter((r) => r.kind === 'binding' && r.businessKey === key);
  return { ...(business.data as BusinessEntity), businessKey: key, businessServices: services.map((s) => assembleService(s, bindings)) };
}

/** The rows of a business tree; `previous` supplies creation dates of rows being replaced. */
function rowsOfBusiness(entity: BusinessEntity, owner: string, now: Date, previous: Map<string, StoredEntity>): StoredEntity[] {
  const key = entity.businessKey!;
  const rows: StoredEntity[] = [{
    kind: 'business', key, businessKey: key, position: 0, owner,
    createdAt: previous.get(key)?.createdAt ?? now, modifiedAt: now,
    data: { ...entity, businessServices: [] },
  }];
  entity.businessServices.forEach((s, i) => rows.push(...rowsOfService(s, key, i, owner, now, previous)));
  return rows;
}

function rowsOfService(service: BusinessService, businessKey: string, position: number, owner: string, now: Date, previous: Map<string, StoredEntity>): StoredEntity[] {
  const key = service.serviceKey!;
  const rows: StoredEntity[] = [{
    kind: 'service', key, parentKey: businessKey, businessKey, position, owner,
    createdAt: previous.get(key)?.createdAt ?? now, modifiedAt: now,
    data: { ...service, businessKey, bindingTemplates: [] },
  }];
  service.bindingTemplates.forEach((b, i) => rows.push({
    kind: 'binding', key: b.bindingKey!, parentKey: key, businessKey, position: i, owner,
    createdAt: previous.get(b.bindingKey!)?.createdAt ?? now, modifiedAt: now,
    data: { ...b, serviceKey: key },
  }));
  return rows;
}

/** A publisher as the administrator sees it: never its password hash. */
export interface PublisherInfo {
  name: string;
  /** The department it acts for, and the key partition that gives it. */
  department?: string;
  partition?: string;
  createdAt: Date;
}

/** Creates a publisher: the administrator's way in (the CLI calls this). */
export async function createPublisher(store: RegistryStore, username: string, password: string, options: { department?: string } = {}): Promise<PublisherInfo> {
  return store.createPublisher(username, password, options);
}

/** Opens the registry on the engine's store; see RegistryStore.open. */
export function openRegistryStore(store: TypeormStore, options: RegistryOptions = {}): Promise<RegistryStore> {
  return RegistryStore.open(store, options);
}

import { uddiError } from './errors';
import { parseFindQualifiers } from './find-qualifiers';
import { normaliseKey } from './keys';
import type { BindingTemplate, BusinessEntity, BusinessInfo, BusinessService, FindBindingRequest, FindBusinessRequest, FindServiceRequest, FindTModelRequest, ListResult, OperationalInfo, ServiceInfo, TModel, TModelInfo } from './model';
import type { StoredEntity } from './repository';
import * as validate from './validate';
import { assembleBusiness, assembleService, bag, bindingOf, byKey, emptyList, identifierBag, indexed, list, requireFound, serviceInfo } from './registry-rows';
import type { RegistryCore } from './registry-core';

/** The UDDI Inquiry API set: find_xx and get_xxDetail, get_operationalInfo. Open to everyone. */
export class RegistryInquiry {
  constructor(private readonly core: RegistryCore) {}

  async findBusiness(request: FindBusinessRequest): Promise<ListResult<BusinessInfo>> {
    const op = 'find_business';
    if (request.findRelatedBusinesses) throw uddiError('E_unsupported', `${op}: find_relatedBusinesses is not supported by this node`);
    const q = parseFindQualifiers(request.findQualifiers, op);
    return this.core.repository.read(async (tx) => {
      const tModelBag = await this.core.tModelBag(tx, request.tModelBag, request.findTModel, op);
      if (tModelBag === null) return emptyList(request);
      const query = this.core.query('business', request, q, {
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
    return this.core.repository.read(async (tx) => {
      if (businessKey) await this.core.requireKinds(tx, [businessKey], 'business', op);
      const tModelBag = await this.core.tModelBag(tx, request.tModelBag, request.findTModel, op);
      if (tModelBag === null) return emptyList(request);
      const query = this.core.query('service', request, q, {
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
    return this.core.repository.read(async (tx) => {
      if (serviceKey) await this.core.requireKinds(tx, [serviceKey], 'service', op);
      const tModelBag = await this.core.tModelBag(tx, request.tModelBag, request.findTModel, op);
      if (tModelBag === null) return emptyList(request);
      const query = this.core.query('binding', request, q, {
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
    return this.core.repository.read(async (tx) => {
      const { keys, total, query } = await this.core.findTModelKeys(tx, request, 'find_tModel');
      const rows = byKey(await tx.getEntities(keys));
      const items = keys.map((k) => {
        const t = rows.get(k)!.data as TModel;
        return { tModelKey: k, name: t.name, descriptions: t.descriptions };
      });
      return list(items, total, query);
    });
  }

  async getBusinessDetail(businessKeys: readonly string[]): Promise<BusinessEntity[]> {
    const keys = this.core.keysOf(businessKeys, 'business', 'get_businessDetail');
    return this.core.repository.read(async (tx) => {
      const rows = await tx.getBusinessTrees(keys);
      requireFound(keys, rows.filter((r) => r.kind === 'business'), 'business', 'get_businessDetail', rows);
      return keys.map((k) => assembleBusiness(k, rows));
    });
  }

  async getServiceDetail(serviceKeys: readonly string[]): Promise<BusinessService[]> {
    const keys = this.core.keysOf(serviceKeys, 'service', 'get_serviceDetail');
    return this.core.repository.read(async (tx) => {
      const services = await this.core.requireKinds(tx, keys, 'service', 'get_serviceDetail');
      const bindings = await tx.getChildren('binding', keys);
      return keys.map((k) => assembleService(services.get(k)!, bindings));
    });
  }

  async getBindingDetail(bindingKeys: readonly string[]): Promise<BindingTemplate[]> {
    const keys = this.core.keysOf(bindingKeys, 'binding', 'get_bindingDetail');
    return this.core.repository.read(async (tx) => {
      const rows = await this.core.requireKinds(tx, keys, 'binding', 'get_bindingDetail');
      return keys.map((k) => bindingOf(rows.get(k)!));
    });
  }

  /** Logically deleted tModels are returned too, with deleted="true" (UDDI v3 §5.2.8). */
  async getTModelDetail(tModelKeys: readonly string[]): Promise<TModel[]> {
    const keys = this.core.keysOf(tModelKeys, 'tModel', 'get_tModelDetail');
    return this.core.repository.read(async (tx) => {
      const rows = await this.core.requireKinds(tx, keys, 'tModel', 'get_tModelDetail');
      return keys.map((k) => rows.get(k)!.data as TModel);
    });
  }

  async getOperationalInfo(entityKeys: readonly string[]): Promise<OperationalInfo[]> {
    const op = 'get_operationalInfo';
    if (entityKeys.length === 0) throw uddiError('E_invalidValue', `${op}: give at least one entityKey`);
    const keys = entityKeys.map((k, i) => normaliseKey(k, 'businessKey', indexed(`${op}/entityKey`, i, entityKeys.length)));
    return this.core.repository.read(async (tx) => {
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
        return { entityKey: k, created: row.createdAt, modified: row.modifiedAt, modifiedIncludingChildren: new Date(latest), nodeID: this.core.nodeID, authorizedName: row.owner };
      });
    });
  }
}

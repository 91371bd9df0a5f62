import { uddiError } from './errors';
import type { BindingTemplate, BusinessEntity, BusinessService, RegisteredInfo, TModel } from './model';
import type { StoredEntity } from './repository';
import * as validate from './validate';
import { FreshKeys, byKey, indexed, requireSome, serviceInfo } from './registry-rows';
import type { RegistryCore } from './registry-core';

/** The UDDI Publication API set: save_xx, delete_xx, get_registeredInfo; each call names its publisher by an authInfo. */
export class RegistryPublication {
  constructor(private readonly core: RegistryCore) {}

  async saveBusiness(authInfo: string | undefined, entities: readonly BusinessEntity[]): Promise<BusinessEntity[]> {
    const op = 'save_business';
    const actor = await this.core.publisherOf(authInfo, op);
    const publisher = actor.name;
    requireSome(entities, 'businessEntity', op);
    const fresh = new FreshKeys(this.core.nodeDomain);
    const inputs = entities.map((e, i) => this.core.withKeys(validate.businessEntity(e, indexed(`${op}/businessEntity`, i, entities.length)), indexed(`${op}/businessEntity`, i, entities.length), fresh));
    const now = this.core.clock();
    return this.core.repository.write(async (tx) => {
      await this.core.checkFederation(tx, actor, inputs.flatMap((e, i) => {
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
      for (const entity of inputs) saved.push(await this.core.storeBusiness(tx, publisher, entity, now, op, fresh));
      return saved;
    });
  }

  async saveService(authInfo: string | undefined, services: readonly BusinessService[]): Promise<BusinessService[]> {
    const op = 'save_service';
    const actor = await this.core.publisherOf(authInfo, op);
    const publisher = actor.name;
    requireSome(services, 'businessService', op);
    const fresh = new FreshKeys(this.core.nodeDomain);
    const inputs = services.map((s, i) => {
      const where = indexed(`${op}/businessService`, i, services.length);
      return { where, service: this.core.serviceWithKeys(validate.businessService(s, where), where, fresh) };
    });
    const now = this.core.clock();
    return this.core.repository.write(async (tx) => {
      const saved: BusinessService[] = [];
      for (const { where, service } of inputs) {
        const existing = (await tx.getEntities([service.serviceKey!], { forUpdate: true }))[0];
        const businessKey = service.businessKey ?? (existing?.kind === 'service' ? existing.businessKey : undefined);
        if (!businessKey) throw uddiError('E_invalidValue', `${where}/@businessKey: is missing; a new businessService names the businessEntity it belongs to`);
        await this.core.checkFederation(tx, actor, [
          { key: businessKey, keyType: 'businessKey', where: `${where}/@businessKey` },
          { key: service.serviceKey!, keyType: 'serviceKey', where: `${where}/@serviceKey` },
          ...service.bindingTemplates.map((b) => ({ key: b.bindingKey!, keyType: 'bindingKey' as const, where: `${where}/bindingTemplate/@bindingKey` })),
        ]);
        const business = await this.core.requireOwned(tx, businessKey, 'business', publisher, `${where}/@businessKey`);
        const siblings = await tx.getChildren('service', [businessKey]);
        const position = siblings.find((s) => s.key === service.serviceKey)?.position ?? siblings.length;
        saved.push(await this.core.storeServices(tx, publisher, business.key, { ...service, businessKey }, position, now, where, fresh));
      }
      return saved;
    });
  }

  async saveBinding(authInfo: string | undefined, bindings: readonly BindingTemplate[]): Promise<BindingTemplate[]> {
    const op = 'save_binding';
    const actor = await this.core.publisherOf(authInfo, op);
    const publisher = actor.name;
    requireSome(bindings, 'bindingTemplate', op);
    const fresh = new FreshKeys(this.core.nodeDomain);
    const inputs = bindings.map((b, i) => {
      const where = indexed(`${op}/bindingTemplate`, i, bindings.length);
      const binding = validate.bindingTemplate(b, where);
      return { where, binding: { ...binding, bindingKey: fresh.keyFor(binding.bindingKey) } };
    });
    const now = this.core.clock();
    return this.core.repository.write(async (tx) => {
      const saved: BindingTemplate[] = [];
      for (const { where, binding } of inputs) {
        const existing = (await tx.getEntities([binding.bindingKey], { forUpdate: true }))[0];
        const serviceKey = binding.serviceKey ?? existing?.parentKey;
        if (!serviceKey) throw uddiError('E_invalidValue', `${where}/@serviceKey: is missing; a new bindingTemplate names the businessService it belongs to`);
        await this.core.checkFederation(tx, actor, [
          { key: serviceKey, keyType: 'serviceKey', where: `${where}/@serviceKey` },
          { key: binding.bindingKey, keyType: 'bindingKey', where: `${where}/@bindingKey` },
        ]);
        if (existing) this.core.checkReplace(existing, 'binding', publisher, `${where}/@bindingKey`);
        else await this.core.checkKeyAvailable(tx, binding.bindingKey, publisher, 'bindingKey', `${where}/@bindingKey`, fresh);
        const service = await this.core.requireOwned(tx, serviceKey, 'service', publisher, `${where}/@serviceKey`);
        await this.core.checkRedirector(tx, binding, where);
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
    const actor = await this.core.publisherOf(authInfo, op);
    const publisher = actor.name;
    requireSome(tModels, 'tModel', op);
    const fresh = new FreshKeys(this.core.nodeDomain);
    const inputs = tModels.map((t, i) => {
      const where = indexed(`${op}/tModel`, i, tModels.length);
      const model = validate.tModel(t, where);
      return { where, model: { ...model, tModelKey: fresh.keyFor(model.tModelKey) } };
    });
    const now = this.core.clock();
    return this.core.repository.write(async (tx) => {
      await this.core.checkFederation(tx, actor, inputs.map(({ where, model }) => ({ key: model.tModelKey, keyType: 'tModelKey' as const, where: `${where}/@tModelKey` })));
      const saved: TModel[] = [];
      for (const { where, model } of inputs) {
        const existing = (await tx.getEntities([model.tModelKey], { forUpdate: true }))[0];
        if (existing) {
          this.core.checkReplace(existing, 'tModel', publisher, `${where}/@tModelKey`);
          await tx.deleteEntities([existing.key]);
        } else {
          await this.core.checkKeyAvailable(tx, model.tModelKey, publisher, 'tModelKey', `${where}/@tModelKey`, fresh);
        }
        // Saving a logically deleted tModel brings it back (UDDI v3 §5.2.17): deleted is never taken from the caller.
        const data: TModel = { ...model, deleted: false };
        await tx.insertEntities([{ kind: 'tModel', key: model.tModelKey, position: 0, owner: publisher, createdAt: existing?.createdAt ?? now, modifiedAt: now, data }]);
        saved.push(data);
      }
      return saved;
    });
  }

  /** Deletes the businesses with their services and bindings. */
  async deleteBusiness(authInfo: string | undefined, businessKeys: readonly string[]): Promise<void> {
    await this.core.deleteOwned(authInfo, businessKeys, 'business', 'delete_business', async (tx, keys) => {
      const tree = await tx.getBusinessTrees(keys);
      await tx.deleteEntities(tree.map((r) => r.key));
    });
  }

  async deleteService(authInfo: string | undefined, serviceKeys: readonly string[]): Promise<void> {
    await this.core.deleteOwned(authInfo, serviceKeys, 'service', 'delete_service', async (tx, keys) => {
      const bindings = await tx.getChildren('binding', keys);
      await tx.deleteEntities([...bindings.map((b) => b.key), ...keys]);
    });
  }

  async deleteBinding(authInfo: string | undefined, bindingKeys: readonly string[]): Promise<void> {
    await this.core.deleteOwned(authInfo, bindingKeys, 'binding', 'delete_binding', (tx, keys) => tx.deleteEntities(keys));
  }

  /**
   * A logical delete (UDDI v3 §5.2.8): the tModel stays retrievable with get_tModelDetail, marked
   * deleted="true", because other entities may still reference it; find_tModel no longer finds it.
   */
  async deleteTModel(authInfo: string | undefined, tModelKeys: readonly string[]): Promise<void> {
    const now = this.core.clock();
    await this.core.deleteOwned(authInfo, tModelKeys, 'tModel', 'delete_tModel', async (tx, keys, rows) => {
      await tx.deleteEntities(keys);
      await tx.insertEntities(keys.map((k) => {
        const row = rows.get(k) as Extract<StoredEntity, { kind: 'tModel' }>;
        return { ...row, modifiedAt: now, data: { ...row.data, deleted: true } };
      }));
    });
  }

  /** What a publisher owns: its businesses, and its tModels (all, only the deleted, or only the live ones). */
  async getRegisteredInfo(authInfo: string | undefined, infoSelection: 'all' | 'hidden' | 'visible' = 'all'): Promise<RegisteredInfo> {
    const publisher = await this.core.authenticate(authInfo, 'get_registeredInfo');
    return this.core.repository.read(async (tx) => {
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
}

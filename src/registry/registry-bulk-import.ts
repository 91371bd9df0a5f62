import { HUB_OWNER } from './federation';
import type { BusinessEntity, TModel } from './model';
import type { EntityKind } from './repository';
import * as validate from './validate';
import { ELEMENT, FreshKeys, rowsOfBusiness } from './registry-rows';
import type { RegistryCore } from './registry-core';

/** Bulk work outside the UDDI API: the hub's own tModels, federation leftovers, businesses imported for an owner. */
export class RegistryBulkImport {
  constructor(private readonly core: RegistryCore) {}

  /**
   * Creates the tModels the hub owns (HUB_OWNER) — the federation's key generators and shared
   * interflow:* tModels — or takes them over from whoever saved them before this rule existed.
   * Idempotent: a tModel already the hub's and unchanged is left alone. Only keys the federation
   * rules give the hub are accepted.
   */
  async claimForHub(tModels: readonly TModel[]): Promise<{ created: string[]; claimed: Array<{ key: string; from: string }>; unchanged: string[] }> {
    const inputs = tModels.map((t, i) => {
      const model = validate.tModel(t, `hub tModel[${i + 1}]`);
      if (!model.tModelKey || this.core.federation.partitionOf(model.tModelKey)?.owner !== 'hub') {
        throw new Error(`the hub owns only keys of the federation domain outside its departments' partitions, not ${model.tModelKey ?? 'a tModel without a key'}`);
      }
      return { ...model, tModelKey: model.tModelKey, deleted: false };
    });
    const now = this.core.clock();
    const result = { created: [] as string[], claimed: [] as Array<{ key: string; from: string }>, unchanged: [] as string[] };
    await this.core.repository.write(async (tx) => {
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
    return this.core.repository.read(async (tx) => {
      const rows = await tx.entitiesUnder(this.core.federation.root);
      const departments = new Map<string, string | undefined>();
      const leftovers: Array<{ key: string; kind: EntityKind; owner: string; reason: string }> = [];
      for (const row of rows) {
        if (row.owner === HUB_OWNER && this.core.federation.partitionOf(row.key)?.owner === 'hub') continue;
        if (!departments.has(row.owner)) departments.set(row.owner, (await tx.findPublisher(row.owner))?.department);
        const department = departments.get(row.owner);
        const reason = this.core.federation.refusal(row.key, { name: row.owner, ...(department ? { department } : {}) });
        if (reason) leftovers.push({ ...row, reason });
      }
      return leftovers;
    });
  }

  /**
   * Inserts new businesses (with their services and bindings) for `owner` without the checks a
   * publisher's save goes through, in batches: for loading a registry, and for benchmarks.
   */
  async importBusinesses(owner: string, entities: readonly BusinessEntity[]): Promise<BusinessEntity[]> {
    const now = this.core.clock();
    const fresh = new FreshKeys(this.core.nodeDomain);
    const prepared = entities.map((e, i) => this.core.withKeys(validate.businessEntity(e, `businessEntity[${i + 1}]`), `businessEntity[${i + 1}]`, fresh));
    await this.core.repository.write(async (tx) => {
      await tx.insertEntities(prepared.flatMap((e) => rowsOfBusiness(e, owner, now, new Map())));
    });
    return prepared;
  }
}

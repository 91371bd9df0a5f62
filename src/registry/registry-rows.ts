import { createHash } from 'node:crypto';
import { uddiError, type UddiKeyType } from './errors';
import { HUB_OWNER } from './federation';
import { type Qualifiers } from './find-qualifiers';
import { generateKey, normaliseKey } from './keys';
import type { BindingTemplate, BusinessEntity, BusinessService, CategoryBag, FindCommon, KeyedReference, ListResult, ServiceInfo } from './model';
import type { BagCriterion, EntityKind, FindQuery, StoredEntity } from './repository';
import * as validate from './validate';

/** The registry's row assembly and request checks, shared by its API sets (registry-store.ts is the facade). */
export const USERNAME_MAX = 255;
export const KEY_TYPE: Record<EntityKind, UddiKeyType> = { business: 'businessKey', service: 'serviceKey', binding: 'bindingKey', tModel: 'tModelKey' };
export const ELEMENT: Record<EntityKind, string> = { business: 'businessEntity', service: 'businessService', binding: 'bindingTemplate', tModel: 'tModel' };

// ------------------------------------------------------------------------ helpers

/** Keys generated during one request: they are in the node's partition, and that is fine. */
export class FreshKeys {
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

export function ownerText(owner: string): string {
  return owner === HUB_OWNER ? 'the registry hub' : 'another publisher';
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function checkUsername(username: string): string {
  const name = typeof username === 'string' ? username.trim() : '';
  if (!name || name.length > USERNAME_MAX || /[\u0000-\u001f]/.test(name)) throw new Error(`a publisher name must be 1 to ${USERNAME_MAX} printable characters`);
  if (name === HUB_OWNER) throw new Error(`"${HUB_OWNER}" is the registry hub's own name; no publisher may have it`);
  return name;
}

export function indexed(where: string, i: number, count: number): string {
  return count > 1 ? `${where}[${i + 1}]` : where;
}

export function requireSome(items: readonly unknown[], element: string, op: string): void {
  if (items.length === 0) throw uddiError('E_invalidValue', `${op}: give at least one ${element}`);
}

export function requireFound(keys: readonly string[], found: StoredEntity[], kind: EntityKind, op: string, all: StoredEntity[]): void {
  const have = new Set(found.map((r) => r.key));
  const missing = keys.filter((k) => !have.has(k));
  if (missing.length === 0) return;
  const other = all.find((r) => r.key === missing[0]);
  const detail = other ? `${missing[0]} is the key of a ${ELEMENT[other.kind]}, not of a ${ELEMENT[kind]}` : `no ${ELEMENT[kind]} has the key ${missing.join(', ')}`;
  throw uddiError('E_invalidKeyPassed', `${op}: ${detail}`, KEY_TYPE[kind]);
}

export function byKey(rows: StoredEntity[]): Map<string, StoredEntity> {
  return new Map(rows.map((r) => [r.key, r]));
}

export function emptyList<T>(request: FindCommon): ListResult<T> {
  return { listDescription: { includeCount: 0, actualCount: 0, listHead: Math.max(1, request.listHead ?? 1) }, truncated: false, items: [] };
}

export function list<T>(items: T[], total: number, query: FindQuery): ListResult<T> {
  return {
    listDescription: { includeCount: items.length, actualCount: total, listHead: query.offset + 1 },
    truncated: query.offset + items.length < total,
    items,
  };
}

export function bag(raw: CategoryBag | undefined, q: Qualifiers, defaultMode: 'and' | 'or', where: string): BagCriterion | undefined {
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
export function identifierBag(refs: KeyedReference[] | undefined, q: Qualifiers, where: string): BagCriterion | undefined {
  if (!refs?.length) return undefined;
  return bag({ keyedReferences: refs, keyedReferenceGroups: [] }, q, 'or', where);
}

export function serviceInfo(row: StoredEntity): ServiceInfo {
  const s = row.data as BusinessService;
  return { serviceKey: row.key, businessKey: row.parentKey!, names: s.names };
}

export function bindingOf(row: StoredEntity): BindingTemplate {
  return row.data as BindingTemplate;
}

export function assembleService(row: StoredEntity, bindings: StoredEntity[]): BusinessService {
  const s = row.data as BusinessService;
  const own = bindings.filter((b) => b.parentKey === row.key).sort((a, b) => a.position - b.position);
  return { ...s, serviceKey: row.key, businessKey: row.parentKey!, bindingTemplates: own.map(bindingOf) };
}

export function assembleBusiness(key: string, rows: StoredEntity[]): BusinessEntity {
  const business = rows.find((r) => r.key === key && r.kind === 'business')!;
  const services = rows.filter((r) => r.kind === 'service' && r.parentKey === key).sort((a, b) => a.position - b.position);
  const bindings = rows.filter((r) => r.kind === 'binding' && r.businessKey === key);
  return { ...(business.data as BusinessEntity), businessKey: key, businessServices: services.map((s) => assembleService(s, bindings)) };
}

/** The rows of a business tree; `previous` supplies creation dates of rows being replaced. */
export function rowsOfBusiness(entity: BusinessEntity, owner: string, now: Date, previous: Map<string, StoredEntity>): StoredEntity[] {
  const key = entity.businessKey!;
  const rows: StoredEntity[] = [{
    kind: 'business', key, businessKey: key, position: 0, owner,
    createdAt: previous.get(key)?.createdAt ?? now, modifiedAt: now,
    data: { ...entity, businessServices: [] },
  }];
  entity.businessServices.forEach((s, i) => rows.push(...rowsOfService(s, key, i, owner, now, previous)));
  return rows;
}

export function rowsOfService(service: BusinessService, businessKey: string, position: number, owner: string, now: Date, previous: Map<string, StoredEntity>): StoredEntity[] {
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

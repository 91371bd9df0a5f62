import type { BindingTemplate, BusinessEntity, BusinessService, CategoryBag, KeyedReference, LocalizedText, TModel, TypedText } from './model';

/**
 * The registry's persistence port. The registry (src/registry/registry-store.ts) decides what to
 * read and write; a repository only stores rows and answers searches, inside transactions it
 * opens. The TypeORM implementation is src/persistence/registry-repository.ts.
 */
export interface RegistryRepository {
  /** A read-only view of committed data. */
  read<T>(fn: (tx: RegistryTx) => Promise<T>): Promise<T>;
  /** One transaction: everything done through `tx` commits or rolls back together. */
  write<T>(fn: (tx: RegistryTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type EntityKind = 'business' | 'service' | 'binding' | 'tModel';

interface StoredBase {
  key: string;
  /** service → its business, binding → its service. */
  parentKey?: string;
  /** business → itself, service and binding → the business above them; absent for tModels. */
  businessKey?: string;
  /** Order among the parent's children. */
  position: number;
  owner: string;
  createdAt: Date;
  modifiedAt: Date;
}

/** An entity as stored: its own structure, without child entities (they are rows of their own). */
export type StoredEntity =
  | (StoredBase & { kind: 'business'; data: BusinessEntity })
  | (StoredBase & { kind: 'service'; data: BusinessService })
  | (StoredBase & { kind: 'binding'; data: BindingTemplate })
  | (StoredBase & { kind: 'tModel'; data: TModel });

export interface MatchOptions {
  approximate: boolean;
  caseInsensitive: boolean;
}

export interface BagCriterion {
  keyedReferences: KeyedReference[];
  keyedReferenceGroups: KeyedReferenceGroup[];
  /** and: every reference must match; or: any; orLike: any within a tModelKey, every tModelKey. */
  mode: 'and' | 'or' | 'orLike';
}

type KeyedReferenceGroup = CategoryBag['keyedReferenceGroups'][number];

export interface FindQuery {
  kind: EntityKind;
  /** find_service's businessKey, find_binding's serviceKey. */
  parentKey?: string;
  /** Any of these names (names in a find are OR'ed). */
  names?: LocalizedText[];
  match: MatchOptions;
  categoryBag?: BagCriterion;
  identifierBag?: BagCriterion;
  /** Keys the entity's bindings must reference (tModelInstanceInfo). */
  tModelBag?: { keys: string[]; mode: 'and' | 'or' };
  /** A business having any of these discoveryURLs. */
  discoveryURLs?: TypedText[];
  /** tModels: whether logically deleted ones count (never, for find_tModel). */
  includeDeleted: boolean;
  sort: Array<{ field: 'name' | 'date'; descending: boolean; caseInsensitive: boolean }>;
  offset: number;
  limit: number;
}

export interface PublisherRecord {
  username: string;
  passwordHash: string;
  /** The department code the hub administrator assigned; absent for a plain UDDI publisher. */
  department?: string;
  createdAt: Date;
}

export interface TokenRecord {
  tokenHash: string;
  publisher: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface RegistryTx {
  /** The entities with these keys that exist, in no particular order. `forUpdate` locks them. */
  getEntities(keys: readonly string[], options?: { forUpdate?: boolean }): Promise<StoredEntity[]>;
  /** Every row of these businesses: the businesses, their services and their bindings. */
  getBusinessTrees(businessKeys: readonly string[]): Promise<StoredEntity[]>;
  /** The children of these parents (services of businesses, bindings of services), in order. */
  getChildren(kind: 'service' | 'binding', parentKeys: readonly string[]): Promise<StoredEntity[]>;
  insertEntities(rows: readonly StoredEntity[]): Promise<void>;
  /** Deletes the rows with these keys and everything indexed about them (not their children). */
  deleteEntities(keys: readonly string[]): Promise<void>;
  /** A page of matching keys, in the requested order, and how many match in all. */
  find(query: FindQuery): Promise<{ keys: string[]; total: number }>;
  /** Every entity whose key is `root` or starts with `root:`, with its owner, in key order. */
  entitiesUnder(root: string): Promise<Array<{ key: string; kind: EntityKind; owner: string }>>;
  /** Keys of the businesses and tModels a publisher owns. */
  ownedBy(owner: string): Promise<Array<{ key: string; kind: EntityKind }>>;

  findPublisher(username: string): Promise<PublisherRecord | undefined>;
  insertPublisher(record: PublisherRecord): Promise<void>;
  updatePublisherPassword(username: string, passwordHash: string): Promise<void>;
  updatePublisherDepartment(username: string, department: string | undefined): Promise<void>;

  insertToken(record: TokenRecord): Promise<void>;
  findToken(tokenHash: string): Promise<TokenRecord | undefined>;
  deleteToken(tokenHash: string): Promise<void>;
  deleteTokensExpiredBefore(at: Date): Promise<number>;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Column lengths of the UDDI registry tables, shared by the entities and their migration. */
export const UddiLen = {
  /** uddi_v3.xsd uddiKey: anyURI, at most 255 characters. */
  key: 255,
  kind: 16,
  /** Names, keyValues, keyNames: validationTypeString255 (case folding keeps the length). */
  text: 255,
  lang: 64,
  bag: 4,
  publisher: 255,
  /** SHA-256, hex. */
  hash: 64,
} as const;

/**
 * One UDDI entity (businessEntity, businessService, bindingTemplate or tModel): the columns the
 * registry searches, sorts and cascades on, and the entity's own structure as a JSON document
 * (children are rows of their own). Names, keyed references and tModel usages are indexed in the
 * companion tables.
 */
@Entity({ name: 'if_uddi_entity' })
@Index('IDX_if_uddi_entity_kind_name', ['kind', 'sortName'])
@Index('IDX_if_uddi_entity_kind_name_lc', ['kind', 'sortNameFolded'])
@Index('IDX_if_uddi_entity_kind_modified', ['kind', 'modifiedAt'])
@Index('IDX_if_uddi_entity_business', ['businessKey'])
@Index('IDX_if_uddi_entity_parent', ['parentKey'])
@Index('IDX_if_uddi_entity_owner', ['owner'])
export class UddiEntityEntity {
  @PrimaryColumn({ name: 'entity_key', type: 'varchar', length: UddiLen.key })
  entityKey!: string;

  /** business | service | binding | tModel */
  @Column({ name: 'kind', type: 'varchar', length: UddiLen.kind })
  kind!: string;

  /** The business of a service, the service of a binding. */
  @Column({ name: 'parent_key', type: 'varchar', length: UddiLen.key, nullable: true })
  parentKey!: string | null;

  /** The business a business, service or binding belongs to (itself for a business): one cascade key. */
  @Column({ name: 'business_key', type: 'varchar', length: UddiLen.key, nullable: true })
  businessKey!: string | null;

  /** Order among the parent's children, as the publisher gave them. */
  @Column({ name: 'position', type: 'int' })
  position!: number;

  /** The publisher that controls the entity. */
  @Column({ name: 'owner', type: 'varchar', length: UddiLen.publisher })
  owner!: string;

  /** The first name, for sortByName; null for bindings. */
  @Column({ name: 'sort_name', type: 'varchar', length: UddiLen.text, nullable: true })
  sortName!: string | null;

  @Column({ name: 'sort_name_lc', type: 'varchar', length: UddiLen.text, nullable: true })
  sortNameFolded!: string | null;

  /** 1 for a logically deleted tModel (delete_tModel hides it from find_tModel only). */
  @Column({ name: 'deleted', type: 'int' })
  deleted!: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'modified_at', type: 'datetime', precision: 3 })
  modifiedAt!: Date;

  /** JSON: the entity without its child entities. */
  @Column({ name: 'document', type: 'text' })
  document!: string;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { UddiLen } from './uddi-entity.entity';

/**
 * The keyed references of an entity's categoryBag ('c'), identifierBag ('i') and
 * keyedReferenceGroups (a 'g' row for the group, 'gr' rows for its members, sharing group_seq),
 * and a business's discoveryURLs ('d': key_value is the URL's SHA-256, key_name its useType).
 */
@Entity({ name: 'if_uddi_keyed_ref' })
@Index('IDX_if_uddi_keyed_ref_value', ['tModelKey', 'keyValueFolded'])
export class UddiKeyedReferenceEntity {
  @PrimaryColumn({ name: 'entity_key', type: 'varchar', length: UddiLen.key })
  entityKey!: string;

  @PrimaryColumn({ name: 'seq', type: 'int' })
  seq!: number;

  @Column({ name: 'kind', type: 'varchar', length: UddiLen.kind })
  kind!: string;

  @Column({ name: 'bag', type: 'varchar', length: UddiLen.bag })
  bag!: string;

  @Column({ name: 'group_seq', type: 'int' })
  groupSeq!: number;

  @Column({ name: 'tmodel_key', type: 'varchar', length: UddiLen.key })
  tModelKey!: string;

  @Column({ name: 'key_name', type: 'varchar', length: UddiLen.text })
  keyName!: string;

  @Column({ name: 'key_name_lc', type: 'varchar', length: UddiLen.text })
  keyNameFolded!: string;

  @Column({ name: 'key_value', type: 'varchar', length: UddiLen.text })
  keyValue!: string;

  @Column({ name: 'key_value_lc', type: 'varchar', length: UddiLen.text })
  keyValueFolded!: string;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { UddiLen } from './uddi-entity.entity';

/** Every name of a business, service or tModel: what find_xx matches names against. */
@Entity({ name: 'if_uddi_name' })
@Index('IDX_if_uddi_name_kind_lc', ['kind', 'nameFolded'])
export class UddiNameEntity {
  @PrimaryColumn({ name: 'entity_key', type: 'varchar', length: UddiLen.key })
  entityKey!: string;

  @PrimaryColumn({ name: 'seq', type: 'int' })
  seq!: number;

  @Column({ name: 'kind', type: 'varchar', length: UddiLen.kind })
  kind!: string;

  /** xml:lang, case-folded; '' when absent. */
  @Column({ name: 'lang', type: 'varchar', length: UddiLen.lang })
  lang!: string;

  @Column({ name: 'name', type: 'varchar', length: UddiLen.text })
  name!: string;

  @Column({ name: 'name_lc', type: 'varchar', length: UddiLen.text })
  nameFolded!: string;
}

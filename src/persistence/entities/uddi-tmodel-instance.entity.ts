import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { UddiLen } from './uddi-entity.entity';

/** The tModels a bindingTemplate references (tModelInstanceInfo): what tModelBag searches match. */
@Entity({ name: 'if_uddi_tmodel_instance' })
@Index('IDX_if_uddi_tmodel_instance_tmodel', ['tModelKey'])
@Index('IDX_if_uddi_tmodel_instance_service', ['serviceKey'])
@Index('IDX_if_uddi_tmodel_instance_business', ['businessKey'])
export class UddiTModelInstanceEntity {
  @PrimaryColumn({ name: 'binding_key', type: 'varchar', length: UddiLen.key })
  bindingKey!: string;

  @PrimaryColumn({ name: 'seq', type: 'int' })
  seq!: number;

  @Column({ name: 'service_key', type: 'varchar', length: UddiLen.key })
  serviceKey!: string;

  @Column({ name: 'business_key', type: 'varchar', length: UddiLen.key })
  businessKey!: string;

  @Column({ name: 'tmodel_key', type: 'varchar', length: UddiLen.key })
  tModelKey!: string;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Len } from '../schema-types';
import { UddiLen } from './uddi-entity.entity';

/** A publisher of the UDDI registry: who may save, and owns what it saved. */
@Entity({ name: 'if_uddi_publisher' })
export class UddiPublisherEntity {
  @PrimaryColumn({ name: 'username', type: 'varchar', length: UddiLen.publisher })
  username!: string;

  /** scrypt$N$r$p$salt$hash — never the password. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  /** The department code it acts for (src/registry/federation.ts); null: a plain UDDI publisher. */
  @Column({ name: 'department', type: 'varchar', length: Len.name, nullable: true })
  department!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}

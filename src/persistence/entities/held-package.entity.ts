import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Len } from '../schema-types';

/** A published package waiting for (or decided by) an administrator of this department. */
@Entity({ name: 'if_held_package' })
@Index('IDX_if_held_package_state', ['state'])
export class HeldPackageEntity {
  /** The publishing department's item id (its outbox message id): a resent package is held once. */
  @PrimaryColumn({ name: 'id', type: 'varchar', length: Len.id })
  id!: string;

  @Column({ name: 'package_id', type: 'varchar', length: Len.name })
  packageId!: string;

  @Column({ name: 'sender', type: 'varchar', length: Len.name })
  sender!: string;

  @Column({ name: 'received_at', type: 'datetime', precision: 3 })
  receivedAt!: Date;

  /** held | installed | rejected */
  @Column({ name: 'state', type: 'varchar', length: Len.code })
  state!: string;

  @Column({ name: 'source', type: 'text' })
  source!: string;

  @Column({ name: 'decided_by', type: 'varchar', length: Len.actor, nullable: true })
  decidedBy!: string | null;

  @Column({ name: 'decided_at', type: 'datetime', precision: 3, nullable: true })
  decidedAt!: Date | null;

  @Column({ name: 'reason', type: 'text', nullable: true })
  reason!: string | null;
}

import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Len } from '../schema-types';

/** The audit trail; append-only. The auto-increment id gives the order events were written in. */
@Entity({ name: 'if_history' })
@Index('IDX_if_history_instance', ['instanceId'])
export class HistoryEntity {
  // BIGINT on MySQL, INTEGER on SQLite (see the migration); mysql2 may hand back either a number or a string.
  @PrimaryGeneratedColumn('increment', { name: 'id', type: 'integer' })
  id!: number | string;

  @Column({ name: 'instance_id', type: 'varchar', length: Len.instanceId })
  instanceId!: string;

  @Column({ name: 'at', type: 'datetime', precision: 3 })
  at!: Date;

  @Column({ name: 'type', type: 'varchar', length: Len.code })
  type!: string;

  @Column({ name: 'activity_id', type: 'varchar', length: Len.name, nullable: true })
  activityId!: string | null;

  @Column({ name: 'work_item_id', type: 'varchar', length: Len.id, nullable: true })
  workItemId!: string | null;

  @Column({ name: 'actor', type: 'varchar', length: Len.actor, nullable: true })
  actor!: string | null;

  /** JSON, when present. */
  @Column({ name: 'detail', type: 'text', nullable: true })
  detail!: string | null;
}

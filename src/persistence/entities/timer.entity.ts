import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Len } from '../schema-types';

@Entity({ name: 'if_timer' })
@Index('IDX_if_timer_due', ['dueAt'])
@Index('IDX_if_timer_activity', ['activityInstanceId'])
@Index('IDX_if_timer_instance', ['instanceId'])
export class TimerEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: Len.id })
  id!: string;

  @Column({ name: 'instance_id', type: 'varchar', length: Len.instanceId })
  instanceId!: string;

  @Column({ name: 'activity_instance_id', type: 'varchar', length: Len.id })
  activityInstanceId!: string;

  @Column({ name: 'due_at', type: 'datetime', precision: 3 })
  dueAt!: Date;

  @Column({ name: 'kind', type: 'varchar', length: Len.code })
  kind!: string;

  @Column({ name: 'exception_name', type: 'varchar', length: Len.name, nullable: true })
  exceptionName!: string | null;

  @Column({ name: 'cancels_activity', type: 'boolean', nullable: true })
  cancelsActivity!: boolean | null;

  /** Set while an engine holds the timer to fire it; another replica may take it once it passes. */
  @Column({ name: 'claimed_until', type: 'datetime', precision: 3, nullable: true })
  claimedUntil!: Date | null;
}

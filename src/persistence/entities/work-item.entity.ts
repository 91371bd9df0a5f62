import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Len } from '../schema-types';

@Entity({ name: 'if_work_item' })
// Worklists ask "open items for these participants".
@Index('IDX_if_work_item_participant_state', ['participant', 'state'])
@Index('IDX_if_work_item_instance', ['instanceId'])
export class WorkItemEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: Len.id })
  id!: string;

  @Column({ name: 'instance_id', type: 'varchar', length: Len.instanceId })
  instanceId!: string;

  @Column({ name: 'activity_instance_id', type: 'varchar', length: Len.id })
  activityInstanceId!: string;

  @Column({ name: 'activity_id', type: 'varchar', length: Len.name })
  activityId!: string;

  @Column({ name: 'activity_name', type: 'text', nullable: true })
  activityName!: string | null;

  @Column({ name: 'participant', type: 'varchar', length: Len.name })
  participant!: string;

  @Column({ name: 'department', type: 'varchar', length: Len.name, nullable: true })
  department!: string | null;

  @Column({ name: 'kind', type: 'varchar', length: Len.code })
  kind!: string;

  @Column({ name: 'state', type: 'varchar', length: Len.code })
  state!: string;

  @Column({ name: 'delegated_from', type: 'varchar', length: Len.name, nullable: true })
  delegatedFrom!: string | null;

  @Column({ name: 'parent_work_item_id', type: 'varchar', length: Len.id, nullable: true })
  parentWorkItemId!: string | null;

  @Column({ name: 'loop_counter', type: 'int', nullable: true })
  loopCounter!: number | null;

  /** JSON, when present. */
  @Column({ name: 'data', type: 'text', nullable: true })
  data!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'completed_at', type: 'datetime', precision: 3, nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'completed_by', type: 'varchar', length: Len.actor, nullable: true })
  completedBy!: string | null;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Len } from '../schema-types';

@Entity({ name: 'if_instance' })
// ListProcessInstances filters by process and/or state and pages newest first: these serve both.
@Index('IDX_if_instance_process_state_created', ['processId', 'state', 'createdAt', 'id'])
@Index('IDX_if_instance_state_created', ['state', 'createdAt', 'id'])
// Columns most cases leave NULL: on SQLite these indexes hold only the rows with a value
// (migration 1795339000001), so a case without them writes no entry.
@Index('IDX_if_instance_parent', ['parentInstanceId'], { where: '"parent_instance_id" IS NOT NULL' })
// listInstances pages newest-first; without this every page sorts the whole table.
@Index('IDX_if_instance_created', ['createdAt'])
@Index('IDX_if_instance_home', ['homeInstanceId'], { where: '"home_instance_id" IS NOT NULL' })
@Index('IDX_if_instance_home_department', ['homeDepartment'], { where: '"home_department" IS NOT NULL' })
// One case per client key and process: a retried StartProcess finds it (race-safe across replicas).
@Index('UQ_if_instance_client_key', ['processId', 'clientKey'], { unique: true, where: '"client_key" IS NOT NULL' })
export class InstanceEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: Len.instanceId })
  id!: string;

  @Column({ name: 'process_id', type: 'varchar', length: Len.name })
  processId!: string;

  @Column({ name: 'version', type: 'int' })
  version!: number;

  @Column({ name: 'state', type: 'varchar', length: Len.code })
  state!: string;

  @Column({ name: 'subject', type: 'text', nullable: true })
  subject!: string | null;

  @Column({ name: 'parent_instance_id', type: 'varchar', length: Len.instanceId, nullable: true })
  parentInstanceId!: string | null;

  @Column({ name: 'parent_activity_instance_id', type: 'varchar', length: Len.id, nullable: true })
  parentActivityInstanceId!: string | null;

  @Column({ name: 'observer', type: 'text', nullable: true })
  observer!: string | null;

  /** JSON: the instance's relevant data. */
  @Column({ name: 'data', type: 'text' })
  data!: string;

  /** JSON: InstanceRuntime (tokens, activity instances, seq). */
  @Column({ name: 'runtime', type: 'text' })
  runtime!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @Column({ name: 'completed_at', type: 'datetime', precision: 3, nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'started_by', type: 'varchar', length: Len.actor, nullable: true })
  startedBy!: string | null;

  @Column({ name: 'home_department', type: 'varchar', length: Len.name, nullable: true })
  homeDepartment!: string | null;

  @Column({ name: 'home_instance_id', type: 'varchar', length: Len.id, nullable: true })
  homeInstanceId!: string | null;

  @Column({ name: 'client_key', type: 'varchar', length: Len.messageId, nullable: true })
  clientKey!: string | null;

  @Column({ name: 'revision', type: 'int' })
  revision!: number;
}

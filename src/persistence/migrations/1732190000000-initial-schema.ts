import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ColumnKit, Len } from '../schema-types';

/**
 * The first schema. Written with TypeORM's schema builder rather than SQL so the one migration
 * runs on SQLite and MySQL/MariaDB alike; ColumnKit supplies the few per-database differences.
 * Index names match the @Index declarations on the entities.
 */
export class InitialSchema1732190000000 implements MigrationInterface {
  name = 'InitialSchema1732190000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new ColumnKit(queryRunner);

    await queryRunner.createTable(
      new Table({
        name: 'if_definition',
        columns: [
          c.varchar('process_id', Len.name, false, { isPrimary: true }),
          { ...c.int('version'), isPrimary: true },
          c.varchar('package_id', Len.name, true),
          c.freeText('name'),
          c.document('definition'),
          c.document('source', true),
          c.varchar('content_hash', Len.hash),
          c.timestamp('deployed_at'),
          c.varchar('deployed_by', Len.actor, true),
        ],
      }),
    );
    await queryRunner.createIndex(
      'if_definition',
      new TableIndex({ name: 'IDX_if_definition_process_hash', columnNames: ['process_id', 'content_hash'] }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'if_instance',
        columns: [
          c.varchar('id', Len.instanceId, false, { isPrimary: true }),
          c.varchar('process_id', Len.name),
          c.int('version'),
          c.varchar('state', Len.code),
          c.freeText('subject'),
          c.varchar('parent_instance_id', Len.instanceId, true),
          c.varchar('parent_activity_instance_id', Len.id, true),
          c.freeText('observer'),
          c.document('data'),
          c.document('runtime'),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
          c.timestamp('completed_at', true),
          c.varchar('started_by', Len.actor, true),
          c.int('revision'),
        ],
      }),
    );
    await this.indexes(queryRunner, 'if_instance', {
      IDX_if_instance_process: ['process_id'],
      IDX_if_instance_state: ['state'],
      IDX_if_instance_parent: ['parent_instance_id'],
      IDX_if_instance_created: ['created_at'],
    });

    await queryRunner.createTable(
      new Table({
        name: 'if_work_item',
        columns: [
          c.varchar('id', Len.id, false, { isPrimary: true }),
          c.varchar('instance_id', Len.instanceId),
          c.varchar('activity_instance_id', Len.id),
          c.varchar('activity_id', Len.name),
          c.freeText('activity_name'),
          c.varchar('participant', Len.name),
          c.varchar('department', Len.name, true),
          c.varchar('kind', Len.code),
          c.varchar('state', Len.code),
          c.varchar('delegated_from', Len.name, true),
          c.varchar('parent_work_item_id', Len.id, true),
          c.int('loop_counter', true),
          c.document('data', true),
          c.timestamp('created_at'),
          c.timestamp('completed_at', true),
          c.varchar('completed_by', Len.actor, true),
        ],
      }),
    );
    await this.indexes(queryRunner, 'if_work_item', {
      IDX_if_work_item_participant_state: ['participant', 'state'],
      IDX_if_work_item_instance: ['instance_id'],
    });

    await queryRunner.createTable(
      new Table({
        name: 'if_history',
        columns: [
          c.autoIncrementKey('id'),
          c.varchar('instance_id', Len.instanceId),
          c.timestamp('at'),
          c.varchar('type', Len.code),
          c.varchar('activity_id', Len.name, true),
          c.varchar('work_item_id', Len.id, true),
          c.varchar('actor', Len.actor, true),
          c.document('detail', true),
        ],
      }),
    );
    await this.indexes(queryRunner, 'if_history', { IDX_if_history_instance: ['instance_id'] });

    await queryRunner.createTable(
      new Table({
        name: 'if_outbox',
        columns: [
          c.varchar('id', Len.id, false, { isPrimary: true }),
          c.varchar('instance_id', Len.instanceId),
          c.varchar('kind', Len.code),
          c.freeText('destination', false),
          c.document('payload'),
          c.varchar('state', Len.code),
          c.int('attempts'),
          c.timestamp('next_attempt_at'),
          c.timestamp('created_at'),
          c.timestamp('sent_at', true),
          c.freeText('last_error'),
          c.timestamp('claimed_until', true),
        ],
      }),
    );
    await this.indexes(queryRunner, 'if_outbox', {
      IDX_if_outbox_state_next: ['state', 'next_attempt_at'],
      IDX_if_outbox_state_created: ['state', 'created_at'],
      IDX_if_outbox_instance: ['instance_id'],
    });

    await queryRunner.createTable(
      new Table({
        name: 'if_inbox',
        columns: [
          c.varchar('message_id', Len.messageId, false, { isPrimary: true }),
          c.freeText('source', false),
          c.timestamp('received_at'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'if_timer',
        columns: [
          c.varchar('id', Len.id, false, { isPrimary: true }),
          c.varchar('instance_id', Len.instanceId),
          c.varchar('activity_instance_id', Len.id),
          c.timestamp('due_at'),
          c.varchar('kind', Len.code),
          c.varchar('exception_name', Len.name, true),
          c.boolean('cancels_activity'),
        ],
      }),
    );
    await this.indexes(queryRunner, 'if_timer', {
      IDX_if_timer_due: ['due_at'],
      IDX_if_timer_activity: ['activity_instance_id'],
      IDX_if_timer_instance: ['instance_id'],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Dropping a table drops its indexes on both databases.
    for (const table of ['if_timer', 'if_inbox', 'if_outbox', 'if_history', 'if_work_item', 'if_instance', 'if_definition']) {
      await queryRunner.dropTable(table, true);
    }
  }

  private async indexes(queryRunner: QueryRunner, table: string, indexes: Record<string, string[]>): Promise<void> {
    for (const [name, columnNames] of Object.entries(indexes)) {
      await queryRunner.createIndex(table, new TableIndex({ name, columnNames }));
    }
  }
}

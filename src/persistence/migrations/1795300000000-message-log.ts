import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ColumnKit, Len } from '../schema-types';

/** The inter-department message log (src/transfer/message-log.ts); see MessageEntity. */
export class MessageLog1795300000000 implements MigrationInterface {
  name = 'MessageLog1795300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new ColumnKit(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'if_message',
        columns: [
          c.varchar('log_id', Len.messageId, false, { isPrimary: true }),
          c.varchar('message_id', Len.messageId),
          c.varchar('direction', Len.code),
          c.varchar('sender', Len.name),
          c.varchar('receiver', Len.name),
          c.timestamp('at'),
          c.varchar('outcome', Len.code),
          c.freeText('reason'),
          c.document('envelope'),
        ],
      }),
    );
    await queryRunner.createIndex('if_message', new TableIndex({ name: 'IDX_if_message_at', columnNames: ['at'] }));
    await queryRunner.createTable(
      new Table({
        name: 'if_message_item',
        columns: [
          c.varchar('log_id', Len.messageId, false, { isPrimary: true }),
          c.varchar('item_id', Len.id, false, { isPrimary: true }),
          c.varchar('case_id', Len.instanceId),
          c.varchar('kind', Len.code),
          c.varchar('activity_id', Len.name, true),
          c.varchar('outcome', Len.code),
          c.freeText('reason'),
        ],
      }),
    );
    await queryRunner.createIndex('if_message_item', new TableIndex({ name: 'IDX_if_message_item_case', columnNames: ['case_id'] }));
    await queryRunner.createIndex('if_message_item', new TableIndex({ name: 'IDX_if_message_item_log', columnNames: ['log_id'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('if_message_item');
    await queryRunner.dropTable('if_message');
  }
}

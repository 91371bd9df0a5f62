import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ColumnKit, Len } from '../schema-types';
import { INSTANCE_COUNT_TABLE, recountInstances } from '../instance-counts';

/**
 * The number of cases per process and state, kept by the store in the same transaction as the
 * instance rows (src/persistence/instance-counts.ts): the Total of a ListProcessInstances page
 * without a COUNT over every matching case. Filled here from the cases already stored: this one
 * time reads them all, through the (process, state, …) index: 0.1–0.15 s for a million on SQLite.
 */
export class InstanceCounts1795339000002 implements MigrationInterface {
  name = 'InstanceCounts1795339000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new ColumnKit(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: INSTANCE_COUNT_TABLE,
        columns: [
          // As wide as if_instance's columns, with the same binary collation on MariaDB.
          c.varchar('process_id', Len.name, false, { isPrimary: true }),
          c.varchar('state', Len.code, false, { isPrimary: true }),
          { ...c.int('slot'), isPrimary: true },
          { name: 'n', type: 'bigint', isNullable: false, default: 0 },
        ],
      }),
    );
    await queryRunner.createIndex(INSTANCE_COUNT_TABLE, new TableIndex({ name: 'IDX_if_instance_count_state', columnNames: ['state'] }));
    await recountInstances((sql, params) => queryRunner.query(sql, params));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable(INSTANCE_COUNT_TABLE);
  }
}

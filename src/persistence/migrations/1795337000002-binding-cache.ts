import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ColumnKit } from '../schema-types';

/**
 * The last known good registry answers of a department's binder (docs/operations.md, "When the
 * hub is down"): department entries and capability look-ups, kept in the department's own database
 * so that transfers go on through a registry outage, across a restart, and on every replica.
 */
export class BindingCache1795337000002 implements MigrationInterface {
  name = 'BindingCache1795337000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new ColumnKit(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'if_binding_cache',
        columns: [c.varchar('cache_key', 255, false, { isPrimary: true }), c.document('doc'), { name: 'fetched_at', type: 'bigint', isNullable: false }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('if_binding_cache');
  }
}

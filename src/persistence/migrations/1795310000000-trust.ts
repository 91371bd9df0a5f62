import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ColumnKit, Len } from '../schema-types';

/**
 * Trust between agencies (docs/security-model.md): a definition version records its owner (the
 * department that defined it), and packages published by departments an engine does not install
 * from automatically wait for an administrator in if_held_package.
 */
export class Trust1795310000000 implements MigrationInterface {
  name = 'Trust1795310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new ColumnKit(queryRunner);
    await queryRunner.addColumn('if_definition', new TableColumn(c.varchar('owner', Len.name, true)));
    await queryRunner.createTable(
      new Table({
        name: 'if_held_package',
        columns: [
          c.varchar('id', Len.id, false, { isPrimary: true }),
          c.varchar('package_id', Len.name),
          c.varchar('sender', Len.name),
          c.timestamp('received_at'),
          c.varchar('state', Len.code),
          c.document('source'),
          c.varchar('decided_by', Len.actor, true),
          c.timestamp('decided_at', true),
          c.freeText('reason'),
        ],
      }),
    );
    await queryRunner.createIndex('if_held_package', new TableIndex({ name: 'IDX_if_held_package_state', columnNames: ['state'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('if_held_package');
    await queryRunner.dropColumn('if_definition', 'owner');
  }
}

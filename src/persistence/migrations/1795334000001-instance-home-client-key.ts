import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ColumnKit, Len } from '../schema-types';

/**
 * Issue 13: a performing instance names its case's home department and home case id in columns
 * (worklists and instance lists filter by them), and a case may carry its starter's client key,
 * unique per process, so that a retried StartProcess finds the case instead of making another —
 * on any replica, since the database, not a process's memory, refuses the second row.
 * Performing instances made before this migration get their home from their observer key.
 */
export class InstanceHomeClientKey1795334000001 implements MigrationInterface {
  name = 'InstanceHomeClientKey1795334000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new ColumnKit(queryRunner);
    await queryRunner.addColumns('if_instance', [
      new TableColumn(c.varchar('home_department', Len.name, true)),
      new TableColumn(c.varchar('home_instance_id', Len.id, true)),
      new TableColumn(c.varchar('client_key', Len.messageId, true)),
    ]);
    await queryRunner.createIndex('if_instance', new TableIndex({ name: 'IDX_if_instance_home', columnNames: ['home_instance_id'] }));
    await queryRunner.createIndex('if_instance', new TableIndex({ name: 'IDX_if_instance_home_department', columnNames: ['home_department'] }));
    // NULL keys never collide (both databases), so cases started without a key are unaffected.
    await queryRunner.createIndex('if_instance', new TableIndex({ name: 'UQ_if_instance_client_key', columnNames: ['process_id', 'client_key'], isUnique: true }));
    const rows = (await queryRunner.query(`SELECT id, observer FROM if_instance WHERE observer LIKE 'transfer:%'`)) as Array<{ id: string; observer: string }>;
    for (const row of rows) {
      let home: unknown;
      try {
        home = JSON.parse(row.observer.slice('transfer:'.length));
      } catch {
        continue;
      }
      if (!Array.isArray(home) || typeof home[0] !== 'string' || typeof home[1] !== 'string') continue;
      await queryRunner.query('UPDATE if_instance SET home_department = ?, home_instance_id = ? WHERE id = ?', [home[0], home[1], row.id]);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('if_instance', 'UQ_if_instance_client_key');
    await queryRunner.dropIndex('if_instance', 'IDX_if_instance_home_department');
    await queryRunner.dropIndex('if_instance', 'IDX_if_instance_home');
    await queryRunner.dropColumns('if_instance', ['client_key', 'home_instance_id', 'home_department']);
  }
}

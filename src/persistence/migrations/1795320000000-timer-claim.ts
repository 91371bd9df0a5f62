import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ColumnKit } from '../schema-types';

/**
 * Timers are claimed like outbox rows (docs/execution.md, "Timers"): an engine holds a due timer
 * until `claimed_until` while it fires it, so replicas sharing one database do not fire it twice.
 */
export class TimerClaim1795320000000 implements MigrationInterface {
  name = 'TimerClaim1795320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new ColumnKit(queryRunner);
    await queryRunner.addColumn('if_timer', new TableColumn(c.timestamp('claimed_until', true)));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('if_timer', 'claimed_until');
  }
}

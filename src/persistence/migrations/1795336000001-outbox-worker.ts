import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ColumnKit, Len } from '../schema-types';

/**
 * The OutboxWorker (docs/transfer-design.md, "The outbox worker"): a message's refusals in a row
 * get a column of their own (they were kept inside last_error and parsed back), and a claim names
 * its holder, so a worker renews only its own short leases while it sends. /metrics counts the
 * undelivered rows by state and kind from an index that holds all it reads (state, kind, created).
 */
export class OutboxWorker1795336000001 implements MigrationInterface {
  name = 'OutboxWorker1795336000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new ColumnKit(queryRunner);
    await queryRunner.addColumn('if_outbox', new TableColumn({ ...c.int('refusals'), default: 0 }));
    await queryRunner.addColumn('if_outbox', new TableColumn(c.varchar('claimed_by', Len.code, true)));
    await queryRunner.createIndex('if_outbox', new TableIndex({ name: 'IDX_if_outbox_state_kind_created', columnNames: ['state', 'kind', 'created_at'] }));
    // Remote subprocess rows kept the count as "refusal N of M: …" in last_error.
    const rows: Array<{ id: string; last_error: string }> = await queryRunner.query(`SELECT id, last_error FROM if_outbox WHERE state = 'pending' AND last_error LIKE 'refusal %'`);
    for (const row of rows) {
      const n = Number(/^refusal (\d+) of \d+: /.exec(row.last_error)?.[1]);
      if (n > 0) await queryRunner.query('UPDATE if_outbox SET refusals = ? WHERE id = ?', [n, row.id]);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('if_outbox', 'IDX_if_outbox_state_kind_created');
    await queryRunner.dropColumn('if_outbox', 'claimed_by');
    await queryRunner.dropColumn('if_outbox', 'refusals');
  }
}

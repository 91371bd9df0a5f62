import type { MigrationInterface, QueryRunner } from 'typeorm';
import { handOverActivityKey, parseHandOverObserver } from '../../engine';
import { isMysqlFamily } from '../schema-types';

const PAGE = 500;

/**
 * A department takes each handed-over activity instance once, whatever item id its home sends it
 * under: acceptHandOver records `handOverActivityKey` in the inbox beside the item id. The
 * performing instances made before that get their key here, from their observer key (which names
 * home, case and activity instance), so a second item for an activity instance taken before the
 * upgrade is a duplicate too. Where the same activity instance was already taken twice the first
 * key wins (INSERT IGNORE / INSERT OR IGNORE); the work done twice before cannot be undone here.
 */
export class HandOverActivityKeys1795340000001 implements MigrationInterface {
  name = 'HandOverActivityKeys1795340000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const insert = isMysqlFamily(queryRunner) ? 'INSERT IGNORE INTO' : 'INSERT OR IGNORE INTO';
    let after = '';
    for (;;) {
      // Paged by primary key: a department that performed a million activities is not read at once.
      const rows = (await queryRunner.query(
        `SELECT id, observer, created_at FROM if_instance WHERE id > ? AND observer LIKE 'transfer:%' ORDER BY id LIMIT ${PAGE}`,
        [after],
      )) as Array<{ id: string; observer: string; created_at: unknown }>;
      if (!rows.length) return;
      after = rows[rows.length - 1].id;
      const values: unknown[] = [];
      for (const row of rows) {
        let target: ReturnType<typeof parseHandOverObserver>;
        try {
          target = parseHandOverObserver(row.observer);
        } catch {
          continue;
        }
        if (!target || typeof target.home !== 'string' || typeof target.caseId !== 'string' || typeof target.activityInstanceId !== 'string') continue;
        // created_at goes back as the driver read it: the same instant on both databases.
        values.push(handOverActivityKey(target), target.home, row.created_at);
      }
      if (values.length) {
        await queryRunner.query(`${insert} if_inbox (message_id, source, received_at) VALUES ${new Array(values.length / 3).fill('(?, ?, ?)').join(', ')}`, values);
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM if_inbox WHERE message_id LIKE 'hand-over:%'`);
  }
}

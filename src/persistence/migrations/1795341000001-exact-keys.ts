import type { MigrationInterface, QueryRunner } from 'typeorm';
import { exactCollation, isMysqlFamily, MYSQL_COLLATION } from '../schema-types';

/**
 * The columns whose equality decides identity and may hold text a caller sent as is, trailing
 * spaces included (SOAP element text is not trimmed): a starter's client key, the inbox's message
 * and item ids (a remote engine's idempotency keys), the item ids of a logged message (its primary
 * key), and a registry publisher's name (get_authToken looks it up by the userID given).
 * MySQL/MariaDB's utf8mb4_bin is PAD SPACE: 'k1' and 'k1 ' compare equal there and collide in a
 * unique index, so a StartProcess with key "k1 " answered the case started with "k1" and an item
 * "X " was taken for a duplicate of "X", where SQLite (binary, no padding) kept them apart.
 * These columns get the server's NO PAD binary collation, which compares as SQLite does. SQLite:
 * nothing to do. Values already stored stay distinct: NO PAD only tells more values apart.
 * Columns of other kinds were checked and left alone (docs/operations.md, "Exact comparisons").
 */
export const EXACT_COLUMNS: ReadonlyArray<{ table: string; columns: readonly string[] }> = [
  { table: 'if_instance', columns: ['client_key'] },
  { table: 'if_inbox', columns: ['message_id'] },
  { table: 'if_message_item', columns: ['item_id'] },
  { table: 'if_uddi_publisher', columns: ['username'] },
];

export class ExactKeys1795341000001 implements MigrationInterface {
  name = 'ExactKeys1795341000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (!isMysqlFamily(queryRunner)) return;
    await collate(queryRunner, await exactCollation(queryRunner));
  }

  /** Fails, changing nothing, where two values of a unique column differ only by trailing spaces. */
  async down(queryRunner: QueryRunner): Promise<void> {
    if (!isMysqlFamily(queryRunner)) return;
    await collate(queryRunner, MYSQL_COLLATION);
  }
}

/**
 * One ALTER per table, which also rebuilds the indexes over the columns (the primary keys and
 * UQ_if_instance_client_key) under the new collation. Type and nullability are read from the
 * server, so the statement restates exactly what the earlier migrations made.
 */
async function collate(queryRunner: QueryRunner, collation: string): Promise<void> {
  for (const { table, columns } of EXACT_COLUMNS) {
    const rows = (await queryRunner.query(
      `SELECT column_name AS name, column_type AS type, is_nullable AS nullable FROM information_schema.columns
        WHERE table_schema = DATABASE() AND table_name = ? AND column_name IN (${columns.map(() => '?').join(', ')})`,
      [table, ...columns],
    )) as Array<{ name: string; type: string; nullable: string }>;
    if (rows.length !== columns.length) throw new Error(`${table}: expected columns ${columns.join(', ')}, found ${rows.map((r) => r.name).join(', ') || 'none'}`);
    const modify = rows.map((r) => `MODIFY \`${r.name}\` ${r.type} CHARACTER SET utf8mb4 COLLATE ${collation} ${r.nullable === 'YES' ? 'NULL' : 'NOT NULL'}`);
    await queryRunner.query(`ALTER TABLE \`${table}\` ${modify.join(', ')}`);
  }
}

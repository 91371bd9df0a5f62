import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ColumnKit, Len } from '../schema-types';

/**
 * State that replicas of one department must share to behave as one engine (docs/operations.md):
 * replay keys (WS-Security nonces and signed-message ids), console sessions and failed-login
 * counts. Keys are SHA-256 hex digests (secrets such as session ids never sit in the database in
 * clear); times are epoch milliseconds (BIGINT), so expiry compares as a number on both databases
 * and every sweep runs on an index.
 */
export class SharedState1795337000001 implements MigrationInterface {
  name = 'SharedState1795337000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new ColumnKit(queryRunner);
    const millis = (name: string) => ({ name, type: 'bigint', isNullable: false });
    await queryRunner.createTable(
      new Table({ name: 'if_replay_key', columns: [c.varchar('key_hash', 64, false, { isPrimary: true }), millis('expires_at')] }),
    );
    await queryRunner.createIndex('if_replay_key', new TableIndex({ name: 'IDX_if_replay_key_expires', columnNames: ['expires_at'] }));
    await queryRunner.createTable(
      new Table({
        name: 'if_console_session',
        columns: [
          c.varchar('id_hash', 64, false, { isPrimary: true }),
          c.varchar('username', Len.actor),
          c.document('user_doc'),
          c.varchar('csrf', 64),
          millis('created_at'),
          millis('last_seen'),
        ],
      }),
    );
    await queryRunner.createIndex('if_console_session', new TableIndex({ name: 'IDX_if_console_session_seen', columnNames: ['last_seen'] }));
    await queryRunner.createTable(
      new Table({ name: 'if_auth_failure', columns: [c.varchar('key_hash', 64, false, { isPrimary: true }), c.int('failures'), millis('since')] }),
    );
    await queryRunner.createIndex('if_auth_failure', new TableIndex({ name: 'IDX_if_auth_failure_since', columnNames: ['since'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('if_auth_failure');
    await queryRunner.dropTable('if_console_session');
    await queryRunner.dropTable('if_replay_key');
  }
}

import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { UddiLen } from '../entities/uddi-entity.entity';
import { ColumnKit } from '../schema-types';

/**
 * The UDDI v3 registry's tables (src/registry). Same approach as the initial schema: TypeORM's
 * schema builder, so one migration serves SQLite and MySQL/MariaDB; index names match the
 * @Index declarations on the uddi-*.entity.ts classes. No foreign keys: the registry deletes
 * children itself, in the same transaction, and the engine's tables never refer to these.
 */
export class UddiRegistry1795290000000 implements MigrationInterface {
  name = 'UddiRegistry1795290000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new ColumnKit(queryRunner);

    await queryRunner.createTable(
      new Table({
        name: 'if_uddi_entity',
        columns: [
          c.varchar('entity_key', UddiLen.key, false, { isPrimary: true }),
          c.varchar('kind', UddiLen.kind),
          c.varchar('parent_key', UddiLen.key, true),
          c.varchar('business_key', UddiLen.key, true),
          c.int('position'),
          c.varchar('owner', UddiLen.publisher),
          c.varchar('sort_name', UddiLen.text, true),
          c.varchar('sort_name_lc', UddiLen.text, true),
          c.int('deleted'),
          c.timestamp('created_at'),
          c.timestamp('modified_at'),
          c.document('document'),
        ],
      }),
    );
    await this.indexes(queryRunner, 'if_uddi_entity', {
      IDX_if_uddi_entity_kind_name: ['kind', 'sort_name'],
      IDX_if_uddi_entity_kind_name_lc: ['kind', 'sort_name_lc'],
      IDX_if_uddi_entity_kind_modified: ['kind', 'modified_at'],
      IDX_if_uddi_entity_business: ['business_key'],
      IDX_if_uddi_entity_parent: ['parent_key'],
      IDX_if_uddi_entity_owner: ['owner'],
    });

    await queryRunner.createTable(
      new Table({
        name: 'if_uddi_name',
        columns: [
          c.varchar('entity_key', UddiLen.key, false, { isPrimary: true }),
          { ...c.int('seq'), isPrimary: true },
          c.varchar('kind', UddiLen.kind),
          c.varchar('lang', UddiLen.lang),
          c.varchar('name', UddiLen.text),
          c.varchar('name_lc', UddiLen.text),
        ],
      }),
    );
    await this.indexes(queryRunner, 'if_uddi_name', { IDX_if_uddi_name_kind_lc: ['kind', 'name_lc'] });

    await queryRunner.createTable(
      new Table({
        name: 'if_uddi_keyed_ref',
        columns: [
          c.varchar('entity_key', UddiLen.key, false, { isPrimary: true }),
          { ...c.int('seq'), isPrimary: true },
          c.varchar('kind', UddiLen.kind),
          c.varchar('bag', UddiLen.bag),
          c.int('group_seq'),
          c.varchar('tmodel_key', UddiLen.key),
          c.varchar('key_name', UddiLen.text),
          c.varchar('key_name_lc', UddiLen.text),
          c.varchar('key_value', UddiLen.text),
          c.varchar('key_value_lc', UddiLen.text),
        ],
      }),
    );
    await this.indexes(queryRunner, 'if_uddi_keyed_ref', { IDX_if_uddi_keyed_ref_value: ['tmodel_key', 'key_value_lc'] });

    await queryRunner.createTable(
      new Table({
        name: 'if_uddi_tmodel_instance',
        columns: [
          c.varchar('binding_key', UddiLen.key, false, { isPrimary: true }),
          { ...c.int('seq'), isPrimary: true },
          c.varchar('service_key', UddiLen.key),
          c.varchar('business_key', UddiLen.key),
          c.varchar('tmodel_key', UddiLen.key),
        ],
      }),
    );
    await this.indexes(queryRunner, 'if_uddi_tmodel_instance', {
      IDX_if_uddi_tmodel_instance_tmodel: ['tmodel_key'],
      IDX_if_uddi_tmodel_instance_service: ['service_key'],
      IDX_if_uddi_tmodel_instance_business: ['business_key'],
    });

    await queryRunner.createTable(
      new Table({
        name: 'if_uddi_publisher',
        columns: [
          c.varchar('username', UddiLen.publisher, false, { isPrimary: true }),
          c.varchar('password_hash', 255),
          c.timestamp('created_at'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'if_uddi_auth_token',
        columns: [
          c.varchar('token_hash', UddiLen.hash, false, { isPrimary: true }),
          c.varchar('publisher', UddiLen.publisher),
          c.timestamp('created_at'),
          c.timestamp('expires_at'),
        ],
      }),
    );
    await this.indexes(queryRunner, 'if_uddi_auth_token', { IDX_if_uddi_auth_token_expires: ['expires_at'] });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['if_uddi_auth_token', 'if_uddi_publisher', 'if_uddi_tmodel_instance', 'if_uddi_keyed_ref', 'if_uddi_name', 'if_uddi_entity']) {
      await queryRunner.dropTable(table, true);
    }
  }

  private async indexes(queryRunner: QueryRunner, table: string, indexes: Record<string, string[]>): Promise<void> {
    for (const [name, columnNames] of Object.entries(indexes)) {
      await queryRunner.createIndex(table, new TableIndex({ name, columnNames }));
    }
  }
}

import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ColumnKit, Len } from '../schema-types';

/**
 * The department code the hub administrator assigned to a registry publisher (src/registry/
 * federation.ts): which department's partition of the federation domain it may publish in. NULL
 * for publishers created before, and for plain UDDI publishers, who may publish nothing there.
 */
export class UddiPublisherDepartment1795305000000 implements MigrationInterface {
  name = 'UddiPublisherDepartment1795305000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new ColumnKit(queryRunner);
    await queryRunner.addColumn('if_uddi_publisher', new TableColumn(c.varchar('department', Len.name, true)));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('if_uddi_publisher', 'department');
  }
}

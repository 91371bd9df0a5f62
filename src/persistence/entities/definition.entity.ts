import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Len } from '../schema-types';

/** One deployed version of a process definition; immutable once written. */
@Entity({ name: 'if_definition' })
// processId leads so it also serves "all versions of a process"; the hash makes re-deploy checks an index lookup.
@Index('IDX_if_definition_process_hash', ['processId', 'contentHash'])
export class DefinitionEntity {
  @PrimaryColumn({ name: 'process_id', type: 'varchar', length: Len.name })
  processId!: string;

  @PrimaryColumn({ name: 'version', type: 'int' })
  version!: number;

  @Column({ name: 'package_id', type: 'varchar', length: Len.name, nullable: true })
  packageId!: string | null;

  @Column({ name: 'name', type: 'text', nullable: true })
  name!: string | null;

  /** JSON of the ProcessDefinition. */
  @Column({ name: 'definition', type: 'text' })
  definition!: string;

  @Column({ name: 'source', type: 'text', nullable: true })
  source!: string | null;

  @Column({ name: 'content_hash', type: 'varchar', length: Len.hash })
  contentHash!: string;

  @Column({ name: 'deployed_at', type: 'datetime', precision: 3 })
  deployedAt!: Date;

  @Column({ name: 'deployed_by', type: 'varchar', length: Len.actor, nullable: true })
  deployedBy!: string | null;

  /** The department that defined this process (the patent's definer); only it publishes new versions. */
  @Column({ name: 'owner', type: 'varchar', length: Len.name, nullable: true })
  owner!: string | null;
}

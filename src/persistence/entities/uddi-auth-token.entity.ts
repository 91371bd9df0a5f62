import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { UddiLen } from './uddi-entity.entity';

/**
 * An authToken handed out by get_authToken. Only its SHA-256 is stored, so a copy of the database
 * does not let anyone publish as someone else.
 */
@Entity({ name: 'if_uddi_auth_token' })
@Index('IDX_if_uddi_auth_token_expires', ['expiresAt'])
export class UddiAuthTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: UddiLen.hash })
  tokenHash!: string;

  @Column({ name: 'publisher', type: 'varchar', length: UddiLen.publisher })
  publisher!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;
}

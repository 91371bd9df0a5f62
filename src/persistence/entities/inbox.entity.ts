import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Len } from '../schema-types';

/** Ids of messages already taken in; the primary key is what makes intake idempotent. */
@Entity({ name: 'if_inbox' })
export class InboxEntity {
  @PrimaryColumn({ name: 'message_id', type: 'varchar', length: Len.messageId })
  messageId!: string;

  @Column({ name: 'source', type: 'text' })
  source!: string;

  @Column({ name: 'received_at', type: 'datetime', precision: 3 })
  receivedAt!: Date;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Len } from '../schema-types';

/**
 * The message log (X-Road style): every inter-department message this node sent, received or
 * relayed, with the signed envelope kept as evidence, so an exchange can be shown and its
 * signatures verified again afterwards.
 */
@Entity({ name: 'if_message' })
@Index('IDX_if_message_at', ['at'])
export class MessageEntity {
  /** The TransferHeader MessageId, prefixed with the direction (a relay logs both legs). */
  @PrimaryColumn({ name: 'log_id', type: 'varchar', length: Len.messageId })
  logId!: string;

  @Column({ name: 'message_id', type: 'varchar', length: Len.messageId })
  messageId!: string;

  /** out | in | relay | refused */
  @Column({ name: 'direction', type: 'varchar', length: Len.code })
  direction!: string;

  @Column({ name: 'sender', type: 'varchar', length: Len.name })
  sender!: string;

  @Column({ name: 'receiver', type: 'varchar', length: Len.name })
  receiver!: string;

  @Column({ name: 'at', type: 'datetime', precision: 3 })
  at!: Date;

  /** delivered | refused | failed (transport) */
  @Column({ name: 'outcome', type: 'varchar', length: Len.code })
  outcome!: string;

  @Column({ name: 'reason', type: 'text', nullable: true })
  reason!: string | null;

  /** The signed envelope as sent or received. */
  @Column({ name: 'envelope', type: 'text' })
  envelope!: string;
}

/** One item (hand-over or result) of a logged message: what a case's trace is made of. */
@Entity({ name: 'if_message_item' })
@Index('IDX_if_message_item_case', ['caseId'])
@Index('IDX_if_message_item_log', ['logId'])
export class MessageItemEntity {
  @PrimaryColumn({ name: 'log_id', type: 'varchar', length: Len.messageId })
  logId!: string;

  @PrimaryColumn({ name: 'item_id', type: 'varchar', length: Len.id })
  itemId!: string;

  @Column({ name: 'case_id', type: 'varchar', length: Len.instanceId })
  caseId!: string;

  /** hand-over | result */
  @Column({ name: 'kind', type: 'varchar', length: Len.code })
  kind!: string;

  @Column({ name: 'activity_id', type: 'varchar', length: Len.name, nullable: true })
  activityId!: string | null;

  /** accepted | duplicate | refused | pending */
  @Column({ name: 'outcome', type: 'varchar', length: Len.code })
  outcome!: string;

  @Column({ name: 'reason', type: 'text', nullable: true })
  reason!: string | null;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Len } from '../schema-types';

@Entity({ name: 'if_outbox' })
// The dispatcher's "what is due" scan.
@Index('IDX_if_outbox_state_next', ['state', 'nextAttemptAt'])
// Lets claimOutbox walk pending rows in createdAt order and stop at its limit instead of sorting
// (and, on MySQL, locking) every due row before applying LIMIT.
@Index('IDX_if_outbox_state_created', ['state', 'createdAt'])
@Index('IDX_if_outbox_instance', ['instanceId'])
// /metrics: undelivered rows counted by state and kind, with the oldest, from the index alone.
@Index('IDX_if_outbox_state_kind_created', ['state', 'kind', 'createdAt'])
export class OutboxEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: Len.id })
  id!: string;

  @Column({ name: 'instance_id', type: 'varchar', length: Len.instanceId })
  instanceId!: string;

  @Column({ name: 'kind', type: 'varchar', length: Len.code })
  kind!: string;

  @Column({ name: 'destination', type: 'text' })
  destination!: string;

  /** JSON. */
  @Column({ name: 'payload', type: 'text' })
  payload!: string;

  @Column({ name: 'state', type: 'varchar', length: Len.code })
  state!: string;

  @Column({ name: 'attempts', type: 'int' })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3 })
  nextAttemptAt!: Date;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'sent_at', type: 'datetime', precision: 3, nullable: true })
  sentAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** Refusals in a row (OutboxRecord.refusals). */
  @Column({ name: 'refusals', type: 'int', default: 0 })
  refusals!: number;

  /** The worker holding the claim: only it renews it. */
  @Column({ name: 'claimed_by', type: 'varchar', length: Len.code, nullable: true })
  claimedBy!: string | null;

  /** Set while a dispatcher holds the message; another replica may take it over once it passes. */
  @Column({ name: 'claimed_until', type: 'datetime', precision: 3, nullable: true })
  claimedUntil!: Date | null;
}

import type { TypeormStore } from '../persistence';
import { MessageEntity, MessageItemEntity } from '../persistence/entities';
import type { TransferItem } from './transfer-items';

export type MessageDirection = 'out' | 'in' | 'relay' | 'refused';

export interface LoggedMessage {
  messageId: string;
  direction: MessageDirection;
  sender: string;
  receiver: string;
  at: Date;
  outcome: 'delivered' | 'refused' | 'failed';
  reason?: string;
  envelope: string;
  items: Array<{ item: TransferItem; outcome: string; reason?: string }>;
}

/** One line of a case's trace: a hand-over or a result, between two departments. */
export interface TraceEntry {
  at: Date;
  direction: MessageDirection;
  from: string;
  to: string;
  kind: string;
  activityId?: string;
  itemId: string;
  messageId: string;
  outcome: string;
  reason?: string;
}

/**
 * The message log (X-Road style): every inter-department message this node sends, receives or
 * relays, kept with its signed envelope as evidence. Written outside the engine's transactions:
 * it records what crossed the wire, whatever the engine then did with it.
 */
export class MessageLog {
  constructor(private readonly store: TypeormStore) {}

  private get dataSource() {
    return this.store.dataSource;
  }

  async record(m: LoggedMessage): Promise<void> {
    const logId = `${m.direction}:${m.messageId}:${m.at.getTime()}`;
    await this.store.managed(async (manager) => {
      await manager.insert(MessageEntity, {
        logId,
        messageId: m.messageId,
        direction: m.direction,
        sender: m.sender,
        receiver: m.receiver,
        at: m.at,
        outcome: m.outcome,
        reason: m.reason ?? null,
        envelope: m.envelope,
      });
      if (m.items.length) {
        await manager.insert(
          MessageItemEntity,
          m.items.map(({ item, outcome, reason }) => ({
            logId,
            itemId: item.itemId,
            caseId: item.caseId,
            kind: item.kind,
            activityId: item.kind === 'hand-over' ? item.activityId : item.kind === 'publish' ? item.packageId : null,
            outcome,
            reason: reason ?? null,
          })),
        );
      }
    });
  }

  /** The hand-overs and results of one case that passed through this node, oldest first. */
  async trace(caseId: string): Promise<TraceEntry[]> {
    const rows = (await this.dataSource
      .createQueryBuilder(MessageItemEntity, 'i')
      .innerJoin(MessageEntity, 'm', 'm.logId = i.logId')
      .select(['i.itemId AS itemId', 'i.kind AS kind', 'i.activityId AS activityId', 'i.outcome AS outcome', 'i.reason AS reason',
        'm.messageId AS messageId', 'm.direction AS direction', 'm.sender AS sender', 'm.receiver AS receiver', 'm.at AS at'])
      .where('i.caseId = :caseId', { caseId })
      .orderBy('m.at', 'ASC')
      .getRawMany()) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      at: r.at instanceof Date ? r.at : new Date(String(r.at).replace(' ', 'T') + (String(r.at).endsWith('Z') ? '' : 'Z')),
      direction: r.direction as MessageDirection,
      from: String(r.sender),
      to: String(r.receiver),
      kind: String(r.kind),
      ...(r.activityId ? { activityId: String(r.activityId) } : {}),
      itemId: String(r.itemId),
      messageId: String(r.messageId),
      outcome: String(r.outcome),
      ...(r.reason ? { reason: String(r.reason) } : {}),
    }));
  }

  /** The signed envelopes of a case's messages, to verify again afterwards. */
  async envelopes(caseId: string): Promise<Array<{ messageId: string; direction: string; sender: string; envelope: string }>> {
    const rows = await this.dataSource
      .createQueryBuilder(MessageEntity, 'm')
      .where((qb) => `m.logId IN ${qb.subQuery().select('i.logId').from(MessageItemEntity, 'i').where('i.caseId = :caseId').getQuery()}`)
      .setParameter('caseId', caseId)
      .orderBy('m.at', 'ASC')
      .getMany();
    return rows.map((r) => ({ messageId: r.messageId, direction: r.direction, sender: r.sender, envelope: r.envelope }));
  }
}

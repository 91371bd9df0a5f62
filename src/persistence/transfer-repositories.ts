import { In } from 'typeorm';
import type { TypeormStore } from './typeorm-store';
import type { TypeormStoreTx } from './typeorm-store-tx';
import { HeldPackageEntity, MessageEntity, MessageItemEntity } from './entities';
import { Len } from './schema-types';
import { toDate } from './mappers';
import type {
  HeldPackageRepository,
  HeldPackageRow,
  HeldState,
  MessageItemRow,
  MessageItemView,
  MessageLogRepository,
  MessageRow,
  TransferRepositories,
} from '../transfer';

/** The transfer layer's repositories (src/transfer/repository.ts) on the engine's database. */
export function transferRepositories(store: TypeormStore): TransferRepositories {
  return { messages: new TypeormMessageLogRepository(store), heldPackages: new TypeormHeldPackageRepository(store) };
}

const ITEM_WITH_MESSAGE = ['i.logId AS logId', 'i.itemId AS itemId', 'i.caseId AS caseId', 'i.kind AS kind', 'i.activityId AS activityId', 'i.outcome AS outcome', 'i.reason AS reason',
  'm.messageId AS messageId', 'm.direction AS direction', 'm.sender AS sender', 'm.receiver AS receiver', 'm.at AS at'];

function itemView(r: Record<string, unknown>): MessageItemView {
  return {
    logId: String(r.logId),
    itemId: String(r.itemId),
    caseId: String(r.caseId),
    kind: String(r.kind),
    activityId: r.activityId == null ? null : String(r.activityId),
    outcome: String(r.outcome),
    reason: r.reason == null ? null : String(r.reason),
    messageId: String(r.messageId),
    direction: String(r.direction),
    sender: String(r.sender),
    receiver: String(r.receiver),
    // Raw rows: a Date from MySQL, UTC text from SQLite.
    at: toDate(r.at),
  };
}

function messageRow(m: MessageEntity): MessageRow {
  return { logId: m.logId, messageId: m.messageId, direction: m.direction, sender: m.sender, receiver: m.receiver, at: toDate(m.at), outcome: m.outcome, reason: m.reason ?? null, envelope: m.envelope };
}

function itemRow(i: MessageItemEntity): MessageItemRow {
  return { logId: i.logId, itemId: i.itemId, caseId: i.caseId, kind: i.kind, activityId: i.activityId ?? null, outcome: i.outcome, reason: i.reason ?? null };
}

/**
 * The message log's tables. Written outside the engine's transactions: it records what crossed
 * the wire, whatever the engine then did with it.
 */
export class TypeormMessageLogRepository implements MessageLogRepository {
  readonly limits = { itemId: Len.id, caseId: Len.instanceId, name: Len.name };

  constructor(private readonly store: TypeormStore) {}

  private get dataSource() {
    return this.store.dataSource;
  }

  async insert(message: MessageRow, items: MessageItemRow[]): Promise<void> {
    await this.store.transaction(async (tx) => {
      await (tx as TypeormStoreTx).insertRows(MessageEntity, [message]);
      await (tx as TypeormStoreTx).insertRows(MessageItemEntity, items);
    });
  }

  async caseItems(caseId: string): Promise<MessageItemView[]> {
    const rows = (await this.dataSource
      .createQueryBuilder(MessageItemEntity, 'i')
      .innerJoin(MessageEntity, 'm', 'm.logId = i.logId')
      .select(ITEM_WITH_MESSAGE)
      .where('i.caseId = :caseId', { caseId })
      .orderBy('m.at', 'ASC')
      .getRawMany()) as Array<Record<string, unknown>>;
    return rows.map(itemView);
  }

  async caseMessages(caseId: string): Promise<MessageRow[]> {
    const rows = await this.dataSource
      .createQueryBuilder(MessageEntity, 'm')
      .where((qb) => `m.logId IN ${qb.subQuery().select('i.logId').from(MessageItemEntity, 'i').where('i.caseId = :caseId').getQuery()}`)
      .setParameter('caseId', caseId)
      .orderBy('m.at', 'ASC')
      .getMany();
    return rows.map(messageRow);
  }

  async refusedMessages(filter: { since?: Date; limit: number }): Promise<MessageRow[]> {
    const messages = this.dataSource
      .createQueryBuilder(MessageEntity, 'm')
      .where('m.direction = :refused', { refused: 'refused' })
      .orderBy('m.at', 'DESC')
      .limit(filter.limit);
    if (filter.since) messages.andWhere('m.at >= :since', { since: filter.since });
    return (await messages.getMany()).map(messageRow);
  }

  async itemsOf(logIds: string[]): Promise<MessageItemRow[]> {
    if (!logIds.length) return [];
    const rows = await this.dataSource.getRepository(MessageItemEntity).createQueryBuilder('i').where('i.logId IN (:...ids)', { ids: logIds }).getMany();
    return rows.map(itemRow);
  }

  async receivedItemsWithOutcome(outcomes: string[], filter: { since?: Date; limit: number }): Promise<MessageItemView[]> {
    const items = this.dataSource
      .createQueryBuilder(MessageItemEntity, 'i')
      .innerJoin(MessageEntity, 'm', 'm.logId = i.logId')
      .select(ITEM_WITH_MESSAGE)
      .where('m.direction = :in', { in: 'in' })
      .andWhere('i.outcome IN (:...outcomes)', { outcomes })
      .orderBy('m.at', 'DESC')
      .limit(filter.limit);
    if (filter.since) items.andWhere('m.at >= :since', { since: filter.since });
    return ((await items.getRawMany()) as Array<Record<string, unknown>>).map(itemView);
  }

  async countBefore(before: Date): Promise<{ messages: number; items: number }> {
    const messages = await this.dataSource.createQueryBuilder(MessageEntity, 'm').where('m.at < :before', { before }).getCount();
    const items = await this.dataSource
      .createQueryBuilder(MessageItemEntity, 'i')
      .innerJoin(MessageEntity, 'm', 'm.logId = i.logId')
      .where('m.at < :before', { before })
      .getCount();
    return { messages, items };
  }

  async purgeBatch(before: Date, batch: number): Promise<{ messages: number; items: number } | undefined> {
    return this.store.managed(async (manager) => {
      const ids = (await manager
        .createQueryBuilder(MessageEntity, 'm')
        .select('m.logId', 'logId')
        .where('m.at < :before', { before })
        .orderBy('m.at', 'ASC')
        .limit(batch)
        .getRawMany()) as Array<{ logId: string }>;
      if (!ids.length) return undefined;
      const logIds = ids.map((r) => r.logId);
      const items = await manager.delete(MessageItemEntity, { logId: In(logIds) });
      const messages = await manager.delete(MessageEntity, { logId: In(logIds) });
      return { messages: messages.affected ?? logIds.length, items: items.affected ?? 0 };
    });
  }
}

function heldRow(r: HeldPackageEntity): HeldPackageRow {
  return {
    id: r.id,
    packageId: r.packageId,
    sender: r.sender,
    receivedAt: toDate(r.receivedAt),
    state: r.state as HeldState,
    source: r.source,
    decidedBy: r.decidedBy ?? null,
    decidedAt: r.decidedAt ? toDate(r.decidedAt) : null,
    reason: r.reason ?? null,
  };
}

/** The packages held for an administrator (if_held_package). */
export class TypeormHeldPackageRepository implements HeldPackageRepository {
  constructor(private readonly store: TypeormStore) {}

  async insertIfAbsent(row: HeldPackageRow): Promise<boolean> {
    return this.store.managed(async (m) => {
      if (await m.findOneBy(HeldPackageEntity, { id: row.id })) return false;
      await m.insert(HeldPackageEntity, row);
      return true;
    });
  }

  async list(filter: { state?: HeldState }): Promise<HeldPackageRow[]> {
    const rows = await this.store.dataSource.getRepository(HeldPackageEntity).find({ where: filter.state ? { state: filter.state } : {}, order: { receivedAt: 'DESC' } });
    return rows.map(heldRow);
  }

  async get(id: string): Promise<HeldPackageRow | undefined> {
    const row = await this.store.dataSource.getRepository(HeldPackageEntity).findOneBy({ id });
    return row ? heldRow(row) : undefined;
  }

  async decide(id: string, decision: { state: HeldState; decidedBy: string; decidedAt: Date; reason: string | null }): Promise<void> {
    await this.store.managed((m) => m.update(HeldPackageEntity, { id }, decision));
  }
}

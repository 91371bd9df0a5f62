import { DefinitionEntity } from './definition.entity';
import { HistoryEntity } from './history.entity';
import { InboxEntity } from './inbox.entity';
import { InstanceEntity } from './instance.entity';
import { OutboxEntity } from './outbox.entity';
import { TimerEntity } from './timer.entity';
import { WorkItemEntity } from './work-item.entity';

export { DefinitionEntity, HistoryEntity, InboxEntity, InstanceEntity, OutboxEntity, TimerEntity, WorkItemEntity };

export const ENTITIES = [
  DefinitionEntity,
  InstanceEntity,
  WorkItemEntity,
  HistoryEntity,
  OutboxEntity,
  InboxEntity,
  TimerEntity,
];

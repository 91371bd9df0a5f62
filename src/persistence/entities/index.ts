import { DefinitionEntity } from './definition.entity';
import { HistoryEntity } from './history.entity';
import { InboxEntity } from './inbox.entity';
import { InstanceEntity } from './instance.entity';
import { MessageEntity, MessageItemEntity } from './message.entity';
import { OutboxEntity } from './outbox.entity';
import { TimerEntity } from './timer.entity';
import { UddiAuthTokenEntity } from './uddi-auth-token.entity';
import { UddiEntityEntity } from './uddi-entity.entity';
import { UddiKeyedReferenceEntity } from './uddi-keyed-reference.entity';
import { UddiNameEntity } from './uddi-name.entity';
import { UddiPublisherEntity } from './uddi-publisher.entity';
import { UddiTModelInstanceEntity } from './uddi-tmodel-instance.entity';
import { WorkItemEntity } from './work-item.entity';
import { HeldPackageEntity } from './held-package.entity';

export { DefinitionEntity, HistoryEntity, InboxEntity, InstanceEntity, OutboxEntity, TimerEntity, WorkItemEntity, MessageEntity, MessageItemEntity, HeldPackageEntity };
export { UddiAuthTokenEntity, UddiEntityEntity, UddiKeyedReferenceEntity, UddiNameEntity, UddiPublisherEntity, UddiTModelInstanceEntity };

export const ENTITIES = [
  DefinitionEntity,
  InstanceEntity,
  WorkItemEntity,
  HistoryEntity,
  OutboxEntity,
  InboxEntity,
  TimerEntity,
  UddiEntityEntity,
  UddiNameEntity,
  UddiKeyedReferenceEntity,
  UddiTModelInstanceEntity,
  UddiPublisherEntity,
  UddiAuthTokenEntity,
  MessageEntity,
  MessageItemEntity,
  HeldPackageEntity,
];

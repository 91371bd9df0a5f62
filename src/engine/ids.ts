import { randomUUID } from 'node:crypto';

/**
 * Case ids are random UUIDs: unique across the federation without asking a central server, so a
 * department can start cases while the hub is unreachable (patent: "globally unique process ID").
 */
export interface IdGenerator {
  instanceId(): string;
  workItemId(): string;
  messageId(): string;
}

export const uuidIds: IdGenerator = {
  instanceId: () => randomUUID(),
  workItemId: () => randomUUID(),
  messageId: () => randomUUID(),
};

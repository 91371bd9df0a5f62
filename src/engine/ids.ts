import { randomFillSync } from 'node:crypto';

/**
 * Case ids are UUIDs made here: unique across the federation without asking a central server, so
 * a department can start cases while the hub is unreachable (patent: "globally unique process ID").
 */
export interface IdGenerator {
  instanceId(): string;
  workItemId(): string;
  messageId(): string;
}

/** Random bytes for 256 ids at a time: one call into the CSPRNG instead of one per id. */
const pool = Buffer.alloc(16 * 256);
let poolUsed = pool.length;

/**
 * A version 7 UUID (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits. Ids
 * made one after another sort one after another, so a new case's row, its history's index entries
 * and its work items land on the pages the previous case wrote, instead of on a random page of
 * every index: a version 4 UUID made each commit write (and later checkpoint) pages all over the
 * file. 74 random bits per millisecond keep ids unique across departments and unguessable.
 */
export function uuidV7(now = Date.now()): string {
  if (poolUsed === pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  const b = pool.subarray(poolUsed, poolUsed + 16);
  poolUsed += 16;
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const uuidIds: IdGenerator = {
  instanceId: () => uuidV7(),
  workItemId: () => uuidV7(),
  messageId: () => uuidV7(),
};

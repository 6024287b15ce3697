import DataLoader from 'dataloader';
import { inArray } from 'drizzle-orm';
import { alignByKey } from '../common/batch.js';
import type { Db } from '../db/client.js';
import { messages, type MessageRow } from '../db/schema.js';

export function createMessageLoaders(db: Db) {
  return {
    messageById: new DataLoader<number, MessageRow | null>(async (ids) => {
      const rows = await db.select().from(messages).where(inArray(messages.id, [...ids]));
      return alignByKey(ids, rows, (r) => r.id);
    }),
  };
}

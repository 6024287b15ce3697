import DataLoader from 'dataloader';
import { asc, inArray } from 'drizzle-orm';
import { alignByKey } from '../common/batch.js';
import type { Db } from '../db/client.js';
import { messageEdits, messages, type MessageEditRow, type MessageRow } from '../db/schema.js';

export function createMessageLoaders(db: Db) {
  return {
    messageById: new DataLoader<number, MessageRow | null>(async (ids) => {
      const rows = await db.select().from(messages).where(inArray(messages.id, [...ids]));
      return alignByKey(ids, rows, (r) => r.id);
    }),
    /** Earlier versions, oldest first. */
    editsByMessage: new DataLoader<number, MessageEditRow[]>(async (ids) => {
      const rows = await db
        .select()
        .from(messageEdits)
        .where(inArray(messageEdits.messageId, [...ids]))
        .orderBy(asc(messageEdits.id));
      return ids.map((id) => rows.filter((r) => r.messageId === id));
    }),
  };
}

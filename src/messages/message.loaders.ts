import DataLoader from 'dataloader';
import { and, asc, inArray, sql } from 'drizzle-orm';
import { asOfKey, asOfKeyColumns, asOfKeys, listsByKey, presentAt, type AsOfKey } from '../chatlog/as-of-rows.js';
import { alignByKey } from '../common/batch.js';
import type { Db } from '../db/client.js';
import { executePlain } from '../db/plain-sql.js';
import { rowOf } from '../db/rows.js';
import { messageEdits, messageMentions, messages, type MessageEditRow, type MessageRow } from '../db/schema.js';
import { MESSAGE_COLUMNS } from './message-log.js';

export function createMessageLoaders(db: Db) {
  return {
    // Loaded for every batch of log entries an instance hands out: one statement text for any
    // number of ids (one prepared statement), sent without drizzle compiling it.
    messageById: new DataLoader<number, MessageRow | null>(async (ids) => {
      const raw = await executePlain<Record<string, unknown>>(db, sql`select ${MESSAGE_COLUMNS} from messages m where m.id = any(${sql.param([...ids])}::bigint[])`);
      return alignByKey(ids, raw.map((r) => rowOf(messages, r)), (r) => r.id);
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
    /** Who a message mentions (now, or as of an entry), in the order they were mentioned. */
    mentionsByMessage: new DataLoader<AsOfKey, number[], string>(
      async (keys) => {
        const m = messageMentions;
        const rows = await db
          .select({ ...asOfKeyColumns(), userId: m.userId })
          .from(asOfKeys(keys))
          .innerJoin(m, and(sql`${m.messageId} = k.id`, presentAt(m, sql`k.as_of`)))
          .orderBy(asc(m.addedLogId), asc(m.id));
        return listsByKey(keys, rows, (row) => row.userId);
      },
      { cacheKeyFn: asOfKey },
    ),
  };
}

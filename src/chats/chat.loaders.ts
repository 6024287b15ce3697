import DataLoader from 'dataloader';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { alignByKey } from '../common/batch.js';
import type { Db } from '../db/client.js';
import { executePlain } from '../db/plain-sql.js';
import { columnsOf, rowOf } from '../db/rows.js';
import { chatMemberships, chatParticipants, chats, messages, type ChatRow, type MembershipRow, type ParticipantRow } from '../db/schema.js';
import { countsAsUnread, mentionsParticipant } from './unread.js';

/** A chat's unread count for the viewer, counting messages up to `upTo` (all when null). */
export interface UnreadKey {
  chatId: number;
  upTo: number | null;
  /** The entry the chat is seen through: mentions as they were then (now when null). */
  logId?: number | null;
}

// Loaded for every batch of log entries an instance hands out (see message.loaders.ts).
const CHAT_COLUMNS = columnsOf(chats, 'c', '');

/** Batched reads behind the Chat type's fields: a page of chats costs a few statements. */
export function createChatLoaders(db: Db, viewerId: number | null) {
  return {
    chatById: new DataLoader<number, ChatRow | null>(async (ids) => {
      const raw = await executePlain<Record<string, unknown>>(db, sql`select ${CHAT_COLUMNS} from chats c where c.id = any(${sql.param([...ids])}::int[])`);
      return alignByKey(ids, raw.map((r) => rowOf(chats, r)), (r) => r.id);
    }),
    participantsByChat: new DataLoader<number, ParticipantRow[]>(async (chatIds) => {
      const rows = await db
        .select()
        .from(chatParticipants)
        .where(inArray(chatParticipants.chatId, [...chatIds]))
        .orderBy(asc(chatParticipants.joinedAt), asc(chatParticipants.id));
      return chatIds.map((id) => rows.filter((r) => r.chatId === id));
    }),
    /** Every membership period of a chat, for who was in it at a log entry. */
    membershipsByChat: new DataLoader<number, MembershipRow[]>(async (chatIds) => {
      const rows = await db
        .select()
        .from(chatMemberships)
        .where(inArray(chatMemberships.chatId, [...chatIds]))
        .orderBy(asc(chatMemberships.joinedAt), asc(chatMemberships.id));
      return chatIds.map((id) => rows.filter((r) => r.chatId === id));
    }),
    /** Messages that count as unread for the viewer (src/chats/unread.ts). */
    unreadCountByChat: new DataLoader<UnreadKey, number, string>((keys) => countUnread(db, viewerId, keys), { cacheKeyFn: (k) => unreadKey(k) }),
    /** Of those, the ones that mention the viewer. */
    unreadMentionsByChat: new DataLoader<UnreadKey, number, string>((keys) => countUnread(db, viewerId, keys, true), { cacheKeyFn: (k) => unreadKey(k) }),
  };
}

const unreadKey = (k: UnreadKey) => `${k.chatId}:${k.upTo ?? ''}:${k.logId ?? ''}`;

/** Per key, the viewer's unread messages up to `upTo` (all when null); with `mentions`, those mentioning them. */
async function countUnread(db: Db, viewerId: number | null, keys: readonly UnreadKey[], mentions = false): Promise<number[]> {
  if (viewerId === null) return keys.map(() => 0);
  const rows = await db
    .select({ chatId: sql<number>`k.chat_id`, upTo: sql<number | null>`k.up_to`, logId: sql<number | null>`k.log_id`, count: sql<number>`count(${messages.id})::int` })
    .from(
      sql`unnest(${sql.param(keys.map((k) => k.chatId))}::int[], ${sql.param(keys.map((k) => k.upTo))}::bigint[], ${sql.param(keys.map((k) => k.logId))}::bigint[]) as k(chat_id, up_to, log_id)`,
    )
    .innerJoin(chatParticipants, and(sql`${chatParticipants.chatId} = k.chat_id`, eq(chatParticipants.userId, viewerId)))
    .innerJoin(
      messages,
      and(
        sql`${messages.chatId} = k.chat_id`,
        sql`(k.up_to is null or ${messages.id} <= k.up_to)`,
        countsAsUnread(),
        mentions ? mentionsParticipant(sql`k.log_id`) : undefined,
      ),
    )
    .groupBy(sql`k.chat_id`, sql`k.up_to`, sql`k.log_id`);
  const counts = new Map(rows.map((r) => [unreadKey({ chatId: r.chatId, upTo: r.upTo === null ? null : Number(r.upTo), logId: r.logId === null ? null : Number(r.logId) }), r.count]));
  return keys.map((k) => counts.get(unreadKey(k)) ?? 0);
}

import DataLoader from 'dataloader';
import { and, asc, eq, gt, inArray, isNull, ne, notExists, sql } from 'drizzle-orm';
import { alignByKey } from '../common/batch.js';
import type { Db } from '../db/client.js';
import { chatMemberships, chatParticipants, chats, contacts, messages, type ChatRow, type MembershipRow, type ParticipantRow } from '../db/schema.js';

/** A chat's unread count for the viewer, counting messages up to `upTo` (all when null). */
export interface UnreadKey {
  chatId: number;
  upTo: number | null;
}

/** Batched reads behind the Chat type's fields: a page of chats costs a few statements. */
export function createChatLoaders(db: Db, viewerId: number | null) {
  return {
    chatById: new DataLoader<number, ChatRow | null>(async (ids) => {
      const rows = await db.select().from(chats).where(inArray(chats.id, [...ids]));
      return alignByKey(ids, rows, (r) => r.id);
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
    /**
     * Messages after the viewer's read marker that count as unread: from others, not SYSTEM,
     * not deleted. Edits change no id, so an edited message never counts again.
     */
    unreadCountByChat: new DataLoader<UnreadKey, number, string>(
      async (keys) => {
        if (viewerId === null) return keys.map(() => 0);
        const rows = await db
          .select({ chatId: sql<number>`k.chat_id`, upTo: sql<number | null>`k.up_to`, count: sql<number>`count(${messages.id})::int` })
          .from(sql`unnest(${sql.param(keys.map((k) => k.chatId))}::int[], ${sql.param(keys.map((k) => k.upTo))}::bigint[]) as k(chat_id, up_to)`)
          .innerJoin(chatParticipants, and(sql`${chatParticipants.chatId} = k.chat_id`, eq(chatParticipants.userId, viewerId)))
          .innerJoin(
            messages,
            and(
              sql`${messages.chatId} = k.chat_id`,
              sql`(k.up_to is null or ${messages.id} <= k.up_to)`,
              gt(messages.id, sql`coalesce(${chatParticipants.lastReadMessageId}, 0)`),
              ne(messages.senderId, viewerId),
              ne(messages.messageType, 'SYSTEM'),
              isNull(messages.deletedAt),
              // The viewer hears nothing from someone they blocked, so it is not unread either.
              notExists(
                db
                  .select({ one: sql`1` })
                  .from(contacts)
                  .where(and(eq(contacts.userId, viewerId), eq(contacts.contactId, messages.senderId), eq(contacts.status, 'BLOCKED'))),
              ),
            ),
          )
          .groupBy(sql`k.chat_id`, sql`k.up_to`);
        const counts = new Map(rows.map((r) => [unreadKey({ chatId: r.chatId, upTo: r.upTo === null ? null : Number(r.upTo) }), r.count]));
        return keys.map((k) => counts.get(unreadKey(k)) ?? 0);
      },
      { cacheKeyFn: (k) => unreadKey(k) },
    ),
  };
}

const unreadKey = (k: UnreadKey) => `${k.chatId}:${k.upTo ?? ''}`;

import DataLoader from 'dataloader';
import { and, asc, eq, gt, inArray, ne, sql } from 'drizzle-orm';
import { alignByKey } from '../common/batch.js';
import type { Db } from '../db/client.js';
import { chatParticipants, chats, messages, type ChatRow, type ParticipantRow } from '../db/schema.js';

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
    /** Messages from others after the viewer's read marker. */
    unreadCountByChat: new DataLoader<number, number>(async (chatIds) => {
      if (viewerId === null) return chatIds.map(() => 0);
      const rows = await db
        .select({ chatId: messages.chatId, count: sql<number>`count(*)::int` })
        .from(messages)
        .innerJoin(chatParticipants, and(eq(chatParticipants.chatId, messages.chatId), eq(chatParticipants.userId, viewerId)))
        .where(
          and(
            inArray(messages.chatId, [...chatIds]),
            ne(messages.senderId, viewerId),
            gt(messages.id, sql`coalesce(${chatParticipants.lastReadMessageId}, 0)`),
          ),
        )
        .groupBy(messages.chatId);
      const counts = new Map(rows.map((r) => [r.chatId, r.count]));
      return chatIds.map((id) => counts.get(id) ?? 0);
    }),
  };
}

import { and, eq, isNull, lte, ne, or, sql } from 'drizzle-orm';
import { countsAsUnread, mentionsParticipant } from '../chats/unread.js';
import { badInput, notFound } from '../common/errors.js';
import { parseIntId } from '../common/ids.js';
import type { Db } from '../db/client.js';
import { chatParticipants, chats, messages, type ChatRow, type ParticipantRow } from '../db/schema.js';
import type { NotificationLevel } from './notification.types.js';

export interface UnreadSummaryData {
  chats: number;
  messages: number;
  mentions: number;
}

/** A mute that is still running, or null: once its time has passed, the chat counts again. */
export const runningMute = (p: Pick<ParticipantRow, 'mutedUntil'>, now = new Date()): Date | null =>
  p.mutedUntil !== null && p.mutedUntil > now ? p.mutedUntil : null;

/**
 * Per-chat notification settings of a participant: a standing level (ALL, MENTIONS, NONE) and an
 * optional mute until a time, during which the chat counts as NONE. They are the viewer's own:
 * nobody else sees them, so they are not entries of the chat log.
 */
export class NotificationsService {
  constructor(private readonly db: Db) {}

  async set(viewerId: number, chatIdArg: string, level: NotificationLevel, mutedUntil: Date | null | undefined): Promise<ChatRow> {
    const chatId = parseIntId(chatIdArg, 'chatId');
    if (mutedUntil != null && !(mutedUntil.getTime() > Date.now())) throw badInput('mutedUntil', 'mutedUntil must be in the future');
    const [updated] = await this.db
      .update(chatParticipants)
      .set({ notificationLevel: level, mutedUntil: mutedUntil ?? null })
      .where(and(eq(chatParticipants.chatId, chatId), eq(chatParticipants.userId, viewerId)))
      .returning({ id: chatParticipants.id });
    if (!updated) throw notFound('Chat');
    const [chat] = await this.db.select().from(chats).where(eq(chats.id, chatId));
    return chat!;
  }

  /**
   * Over the viewer's chats that count now (not NONE, no running mute): chats with something
   * unread, unread messages, and unread mentions. A MENTIONS chat counts only the messages that
   * mention the viewer.
   */
  async summary(viewerId: number): Promise<UnreadSummaryData> {
    const now = new Date();
    const rows = await this.db
      .select({
        level: chatParticipants.notificationLevel,
        messages: sql<number>`count(*)::int`,
        mentions: sql<number>`(count(*) filter (where ${mentionsParticipant()}))::int`,
      })
      .from(chatParticipants)
      .innerJoin(messages, and(eq(messages.chatId, chatParticipants.chatId), countsAsUnread()))
      .where(
        and(
          eq(chatParticipants.userId, viewerId),
          ne(chatParticipants.notificationLevel, 'NONE'),
          or(isNull(chatParticipants.mutedUntil), lte(chatParticipants.mutedUntil, now)),
        ),
      )
      .groupBy(chatParticipants.id);
    const summary: UnreadSummaryData = { chats: 0, messages: 0, mentions: 0 };
    for (const row of rows) {
      const counted = row.level === 'MENTIONS' ? row.mentions : row.messages;
      if (counted > 0) summary.chats++;
      summary.messages += counted;
      summary.mentions += row.mentions;
    }
    return summary;
  }
}

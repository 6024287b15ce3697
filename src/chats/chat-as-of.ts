import type { AsOf, ChatView } from '../chatlog/views.js';
import type { ParticipantRow } from '../db/schema.js';
import type { createChatLoaders, UnreadKey } from './chat.loaders.js';

type ChatLoaders = ReturnType<typeof createChatLoaders>;

/**
 * The participants of a chat: now, or — seen through a log entry — those who were members at
 * that entry, with read markers no further than the chat had got then.
 */
export async function participantsOf(chat: ChatView, loaders: Pick<ChatLoaders, 'participantsByChat' | 'membershipsByChat'>): Promise<ParticipantRow[]> {
  const current = await loaders.participantsByChat.load(chat.id);
  if (!chat.asOf) return current;
  const asOf = chat.asOf;
  const periods = (await loaders.membershipsByChat.load(chat.id)).filter(
    (p) => p.fromLogId <= asOf.logId && (p.untilLogId === null || asOf.logId <= p.untilLogId),
  );
  const byUser = new Map(current.map((p) => [p.userId, p]));
  return periods.map((period) => {
    const now = byUser.get(period.userId);
    return {
      id: now?.id ?? -period.id,
      chatId: chat.id,
      userId: period.userId,
      role: now?.role ?? 'MEMBER',
      joinedAt: period.joinedAt,
      lastReadMessageId: clamp(now?.lastReadMessageId ?? null, asOf),
      lastReadAt: now?.lastReadAt ?? null,
      notificationLevel: now?.notificationLevel ?? 'ALL',
      mutedUntil: now?.mutedUntil ?? null,
    };
  });
}

/** The viewer's unread count now, or as of the entry the chat is seen through. */
export const unreadKeyOf = (chat: ChatView): UnreadKey => ({
  chatId: chat.id,
  upTo: chat.asOf ? (chat.asOf.topMessageId ?? 0) : null,
  logId: chat.asOf?.logId ?? null,
});

/** A marker seen through an entry points no further than the newest message at that entry. */
export function clamp(marker: number | null, asOf: AsOf | undefined): number | null {
  if (marker === null || !asOf) return marker;
  return Math.min(marker, asOf.topMessageId ?? 0) || null;
}

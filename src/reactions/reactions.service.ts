import { and, eq, isNull, sql } from 'drizzle-orm';
import { appendChatEntry } from '../chatlog/write.js';
import { badInput } from '../common/errors.js';
import type { Db, Tx } from '../db/client.js';
import { messageReactions, type MessageRow } from '../db/schema.js';
import type { RateLimits } from '../limits/rate-limits.js';
import { requireNoBlock } from '../chats/chat-access.js';
import { changeMessage } from '../messages/message-access.js';
import { parseEmoji } from './emoji.js';

/** Different emoji one message can carry. */
export const MAX_EMOJI_PER_MESSAGE = 20;

/**
 * Reactions: one per user, emoji and message. Both changes are idempotent (adding what is there
 * or removing what is not writes nothing) and run under the chat's lock, so any number of people
 * reacting at once end with exact counts and the 20-emoji cap holds.
 */
export class ReactionsService {
  constructor(
    private readonly db: Db,
    private readonly limits: RateLimits,
  ) {}

  async add(viewerId: number, messageIdArg: string, emojiArg: string): Promise<MessageRow> {
    await this.limits.consume('reaction', viewerId);
    const emoji = parseEmoji(emojiArg);
    return changeMessage(this.db, viewerId, messageIdArg, 'messageId', async (tx, message, membership) => {
      requireReactable(message);
      requireNoBlock(membership);
      const state = await reactionState(tx, message.id, emoji, viewerId);
      if (state.mine) return message;
      if (!state.used && state.emojiCount >= MAX_EMOJI_PER_MESSAGE) {
        throw badInput('emoji', `A message takes at most ${MAX_EMOJI_PER_MESSAGE} different reactions`);
      }
      const entry = await appendChatEntry(tx, message.chatId, { kind: 'REACTIONS_CHANGED', messageId: message.id, userId: viewerId });
      await tx.insert(messageReactions).values({ messageId: message.id, userId: viewerId, emoji, addedLogId: entry.id });
      return message;
    });
  }

  async remove(viewerId: number, messageIdArg: string, emojiArg: string): Promise<MessageRow> {
    await this.limits.consume('reaction', viewerId);
    const emoji = parseEmoji(emojiArg);
    return changeMessage(this.db, viewerId, messageIdArg, 'messageId', async (tx, message) => {
      requireReactable(message);
      if (!(await reactionState(tx, message.id, emoji, viewerId)).mine) return message;
      const entry = await appendChatEntry(tx, message.chatId, { kind: 'REACTIONS_CHANGED', messageId: message.id, userId: viewerId });
      await tx
        .update(messageReactions)
        .set({ removedLogId: entry.id })
        .where(
          and(
            eq(messageReactions.messageId, message.id),
            eq(messageReactions.emoji, emoji),
            eq(messageReactions.userId, viewerId),
            isNull(messageReactions.removedLogId),
          ),
        );
      return message;
    });
  }
}

function requireReactable(message: MessageRow): void {
  if (message.deletedAt) throw badInput('messageId', 'A deleted message takes no reactions');
}

/** The message's reactions now: how many different emoji, whether `emoji` is one, and the viewer's. */
async function reactionState(tx: Tx, messageId: number, emoji: string, viewerId: number) {
  const r = messageReactions;
  const [row] = await tx
    .select({
      emojiCount: sql<number>`count(distinct ${r.emoji})::int`,
      used: sql<boolean>`coalesce(bool_or(${r.emoji} = ${emoji}), false)`,
      mine: sql<boolean>`coalesce(bool_or(${r.emoji} = ${emoji} and ${r.userId} = ${viewerId}), false)`,
    })
    .from(r)
    .where(and(eq(r.messageId, messageId), isNull(r.removedLogId)));
  return row!;
}

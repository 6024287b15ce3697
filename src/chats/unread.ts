import { and, gt, isNull, ne, not, sql, type SQL } from 'drizzle-orm';
import { presentAt } from '../chatlog/as-of-rows.js';
import { chatParticipants, messageMentions, messages } from '../db/schema.js';
import { hasBlocked } from '../contacts/blocks.js';

/**
 * The one rule for what is unread, for the participant a query joins `chat_participants` on:
 * messages from others after their read marker, neither SYSTEM nor deleted, nor from someone
 * they blocked (whose doings never reach them). Edits change no id, so an edited message never
 * counts again.
 */
export const countsAsUnread = (): SQL =>
  and(
    gt(messages.id, sql`coalesce(${chatParticipants.lastReadMessageId}, 0)`),
    ne(messages.senderId, chatParticipants.userId),
    ne(messages.messageType, 'SYSTEM'),
    isNull(messages.deletedAt),
    not(hasBlocked(chatParticipants.userId, messages.senderId)),
  )!;

/**
 * The message mentions that participant (now, or as of the entry `asOfLogId` when not null).
 * A mention is one row per message and user, so an edit that names someone again adds nothing.
 */
export const mentionsParticipant = (asOfLogId: SQL = sql`null`): SQL => sql`exists (
  select 1 from ${messageMentions}
  where ${messageMentions.messageId} = ${messages.id} and ${messageMentions.userId} = ${chatParticipants.userId}
    and ${presentAt(messageMentions, asOfLogId)})`;

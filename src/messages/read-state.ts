import { and, eq, gt, lte, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { chatParticipants, messages } from '../db/schema.js';

/**
 * The one rule for `Message.isRead`: read once every participant other than its sender has read
 * it. Settles the chat's unread messages with ids in (after, upTo] — those a reader's marker just
 * passed, or (without `upTo`) those a departing participant may have been the last to hold back.
 */
export async function settleReadState(tx: Tx, chatId: number, after: number, upTo?: number): Promise<void> {
  await tx
    .update(messages)
    .set({ isRead: true })
    .where(
      and(
        eq(messages.chatId, chatId),
        gt(messages.id, after),
        upTo === undefined ? undefined : lte(messages.id, upTo),
        eq(messages.isRead, false),
        sql`not exists (
          select 1 from ${chatParticipants} p
          where p.chat_id = ${messages.chatId} and p.user_id <> ${messages.senderId}
            and coalesce(p.last_read_message_id, 0) < ${messages.id})`,
      ),
    );
}

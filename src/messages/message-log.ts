import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { chats, messages, type MessageRow } from '../db/schema.js';
import { publish } from '../realtime/events.js';

export type MessageKind = MessageRow['messageType'];

/**
 * Appends a message to a chat whose row the caller has locked (see requireMember), so that
 * within a chat id order is commit order. Moves the chat's activity and announces the
 * message, both in the caller's transaction.
 */
export async function appendMessage(
  tx: Tx,
  entry: { chatId: number; senderId: number; content: string; messageType: MessageKind; clientMessageId?: string | null },
): Promise<MessageRow> {
  const [message] = await tx
    .insert(messages)
    .values({
      chatId: entry.chatId,
      senderId: entry.senderId,
      content: entry.content,
      messageType: entry.messageType,
      clientMessageId: entry.clientMessageId ?? null,
    })
    .returning();
  await tx
    .update(chats)
    .set({ lastMessageId: message!.id, lastActivityAt: message!.sentAt, activitySeq: sql`nextval('chat_activity_seq')` })
    .where(eq(chats.id, entry.chatId));
  await publish(tx, { type: 'message.added', chatId: entry.chatId, messageId: message!.id, senderId: entry.senderId });
  return message!;
}

import { eq, sql } from 'drizzle-orm';
import { appendChatEntry } from '../chatlog/write.js';
import type { Tx } from '../db/client.js';
import { chats, messages, type MessageRow } from '../db/schema.js';
import { applyMentions } from './mentions.js';

export type MessageKind = MessageRow['messageType'];

/** Messages one transaction may write: its ids are `xid * PER_TRANSACTION + n`. */
const PER_TRANSACTION = 256;

/**
 * A message's id is its transaction's id times 256 plus its place among that transaction's
 * messages. The chat log delivers in (transaction id, entry) order, so ids grow in exactly the
 * order every stream delivers messages, across all chats: the highest id a client has seen is
 * an exact place to resume from. Only the writing transaction uses its range, so the next free
 * id is the one after its own newest.
 */
const NEXT_MESSAGE_ID = sql`(
  with x as (select (pg_current_xact_id()::text)::bigint * ${PER_TRANSACTION} as base)
  select x.base + coalesce((select max(m.id) - x.base + 1 from messages m where m.id >= x.base and m.id < x.base + ${PER_TRANSACTION}), 0)
  from x)`;

/**
 * Appends a message to a chat whose lock the caller holds (see lockAsMember), so that within a
 * chat id order is commit order. Moves the chat's activity and logs the message, both in the
 * caller's transaction.
 */
export async function appendMessage(
  tx: Tx,
  entry: {
    chatId: number;
    senderId: number;
    content: string;
    messageType: MessageKind;
    clientMessageId?: string | null;
    /** A message of the same chat (checked by the caller). */
    replyToId?: number | null;
    /** Participants of the chat (checked by the caller). */
    mentionIds?: number[];
  },
): Promise<MessageRow> {
  const [message] = await tx
    .insert(messages)
    .values({
      id: NEXT_MESSAGE_ID,
      chatId: entry.chatId,
      senderId: entry.senderId,
      content: entry.content,
      messageType: entry.messageType,
      clientMessageId: entry.clientMessageId ?? null,
      replyToId: entry.replyToId ?? null,
    })
    .returning();
  await tx
    .update(chats)
    .set({ lastMessageId: message!.id, lastActivityAt: message!.sentAt, activitySeq: sql`nextval('chat_activity_seq')` })
    .where(eq(chats.id, entry.chatId));
  const added = await appendChatEntry(tx, entry.chatId, { kind: 'MESSAGE_ADDED', messageId: message!.id, userId: entry.senderId });
  if (entry.mentionIds?.length) await applyMentions(tx, message!.id, { added: entry.mentionIds, removed: [] }, added.id);
  return message!;
}

import { eq } from 'drizzle-orm';
import { lockAsMember, type Membership } from '../chats/chat-access.js';
import { notFound } from '../common/errors.js';
import { parseId } from '../common/ids.js';
import type { Db, Tx } from '../db/client.js';
import { messages, type MessageRow } from '../db/schema.js';
import { transaction } from '../db/transaction.js';

/**
 * Runs a change to one message under its chat's lock, with the message read again after the
 * lock (it may have changed meanwhile). Outsiders learn nothing: NOT_FOUND.
 */
export async function changeMessage<T>(
  db: Db,
  viewerId: number,
  idArg: string,
  field: string,
  change: (tx: Tx, message: MessageRow, membership: Membership) => Promise<T>,
): Promise<T> {
  const id = parseId(idArg, field);
  const [found] = await db.select({ chatId: messages.chatId }).from(messages).where(eq(messages.id, id));
  if (!found) throw notFound('Message');
  return transaction(db, async (tx) => {
    const membership = await lockAsMember(tx, found.chatId, viewerId, 'Message');
    const [message] = await tx.select().from(messages).where(eq(messages.id, id));
    return change(tx, message!, membership);
  });
}

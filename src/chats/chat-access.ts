import { and, eq } from 'drizzle-orm';
import { badInput, forbidden, notFound } from '../common/errors.js';
import type { DbOrTx } from '../db/client.js';
import { chatParticipants, chats, type ChatRow, type ParticipantRow } from '../db/schema.js';

export interface Membership {
  chat: ChatRow;
  participant: ParticipantRow;
}

/**
 * The one authorisation rule for chats: only participants see a chat or anything in it, and to
 * everyone else it does not exist. With `lock`, the chat row is locked for the transaction,
 * which serialises messages and membership changes per chat.
 */
export async function requireMember(db: DbOrTx, chatId: number, userId: number, options: { lock?: boolean } = {}): Promise<Membership> {
  const query = db
    .select({ chat: chats, participant: chatParticipants })
    .from(chats)
    .innerJoin(chatParticipants, and(eq(chatParticipants.chatId, chats.id), eq(chatParticipants.userId, userId)))
    .where(eq(chats.id, chatId));
  const [row] = options.lock ? await query.for('update', { of: chats }) : await query;
  if (!row) throw notFound('Chat');
  return row;
}

/** Group administration: only the owner renames, adds and removes. */
export function requireGroupOwner(m: Membership): void {
  requireGroup(m);
  if (m.participant.role !== 'OWNER') throw forbidden('Only the group owner can do this');
}

export function requireGroup(m: Membership): void {
  if (!m.chat.isGroup) throw badInput('chatId', 'Direct chats always have exactly two participants');
}

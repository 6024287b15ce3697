import { and, eq } from 'drizzle-orm';
import { badInput, forbidden, notFound } from '../common/errors.js';
import { blockedAmong } from '../contacts/blocks.js';
import type { DbOrTx, Tx } from '../db/client.js';
import { lockChat } from '../db/locks.js';
import { chatParticipants, chats, type ChatRow, type ParticipantRow } from '../db/schema.js';

export interface Membership {
  chat: ChatRow;
  participant: ParticipantRow;
}

/**
 * The one authorisation rule for chats: only participants see a chat or anything in it, and to
 * everyone else it does not exist.
 */
export async function requireMember(db: DbOrTx, chatId: number, userId: number, what = 'Chat'): Promise<Membership> {
  const [row] = await db
    .select({ chat: chats, participant: chatParticipants })
    .from(chats)
    .innerJoin(chatParticipants, and(eq(chatParticipants.chatId, chats.id), eq(chatParticipants.userId, userId)))
    .where(eq(chats.id, chatId));
  if (!row) throw notFound(what);
  return row;
}

/**
 * For a change to a chat: takes the chat's lock, then reads the membership. The read comes after
 * the lock is granted, so it sees every change committed before — a member removed meanwhile is
 * refused, and a role passed on meanwhile is the one checked.
 */
export async function lockAsMember(tx: Tx, chatId: number, userId: number, what = 'Chat'): Promise<Membership> {
  // Sent together (one round trip), run in order: the read's snapshot is taken once the lock is held.
  const [, membership] = await Promise.all([lockChat(tx, chatId), requireMember(tx, chatId, userId, what)]);
  return membership;
}

/**
 * A block works both ways in a direct chat: neither side may write there (send, edit, type).
 * The chat still exists for both; groups are unaffected (their deliveries are filtered instead).
 */
export async function requireNoBlock(db: DbOrTx, m: Membership): Promise<void> {
  if (m.chat.isGroup || !m.chat.directKey) return;
  const other = m.chat.directKey.split(':').map(Number).find((id) => id !== m.participant.userId)!;
  if ((await blockedAmong(db, m.participant.userId, [other])).size) throw forbidden('You cannot write in this chat: there is a block between you');
}

/** Group administration: only the owner renames, adds and removes. */
export function requireGroupOwner(m: Membership): void {
  requireGroup(m);
  if (m.participant.role !== 'OWNER') throw forbidden('Only the group owner can do this');
}

export function requireGroup(m: Membership): void {
  if (!m.chat.isGroup) throw badInput('chatId', 'Direct chats always have exactly two participants');
}

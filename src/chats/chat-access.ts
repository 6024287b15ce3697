import { sql } from 'drizzle-orm';
import { badInput, forbidden, notFound } from '../common/errors.js';
import type { DbOrTx, Tx } from '../db/client.js';
import { lockChat } from '../db/locks.js';
import { columnsOf, rowOf } from '../db/rows.js';
import { chatParticipants, chats, type ChatRow, type ParticipantRow } from '../db/schema.js';
import { executePlain, type Slot } from '../db/plain-sql.js';

export interface Membership {
  chat: ChatRow;
  participant: ParticipantRow;
  /** A direct chat whose two sides have a block between them, either way. */
  blocked: boolean;
}

// The chat and the participant side by side, built once: this check runs on nearly every request.
const CHAT_COLUMNS = columnsOf(chats, 'c', 'c_');
const PARTICIPANT_COLUMNS = columnsOf(chatParticipants, 'p', 'p_');

/** The other side of a direct chat, from its key ("<smaller id>:<larger id>"). */
const otherSide = (userId: Slot<number>) =>
  sql`(case when split_part(c.direct_key, ':', 1)::int = ${userId} then split_part(c.direct_key, ':', 2) else split_part(c.direct_key, ':', 1) end)::int`;

/** A direct chat `c` whose two sides have a block between them, either way. */
const blockedFor = (userId: Slot<number>) => sql`(not c.is_group and exists (
  select 1 from contacts k where k.status = 'BLOCKED'
    and ((k.user_id = ${userId} and k.contact_id = ${otherSide(userId)}) or (k.user_id = ${otherSide(userId)} and k.contact_id = ${userId}))))`;

/** The chat `c` with the user as its participant `p`. */
const asParticipant = (chatId: Slot<number>, userId: Slot<number>) =>
  sql`chats c join chat_participants p on p.chat_id = c.id and p.user_id = ${userId} where c.id = ${chatId}`;

/**
 * The one authorisation rule for chats: only participants see a chat or anything in it, and to
 * everyone else it does not exist. Read in the same statement: whether a block stands between
 * the two sides of a direct chat.
 */
export async function requireMember(db: DbOrTx, chatId: number, userId: number, what = 'Chat'): Promise<Membership> {
  const [row] = await executePlain<Record<string, unknown>>(db, sql`
    select ${CHAT_COLUMNS}, ${PARTICIPANT_COLUMNS}, ${blockedFor(userId)} as blocked from ${asParticipant(chatId, userId)}`);
  if (!row) throw notFound(what);
  return { chat: rowOf(chats, row, 'c_'), participant: rowOf(chatParticipants, row, 'p_'), blocked: row.blocked === true };
}

/**
 * The same rule as SQL, for a write that checks it in its own statement: the user is a
 * participant and no block stands in the way (`requireMember` + `requireNoBlock`).
 */
export const mayWrite = (chatId: Slot<number>, userId: Slot<number>) =>
  sql`exists (select 1 from ${asParticipant(chatId, userId)} and not ${blockedFor(userId)})`;

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
 * A block works both ways in a direct chat: neither side may write there (send, edit, type,
 * react). The chat still exists for both; groups are unaffected (their deliveries are filtered).
 */
export function requireNoBlock(m: Membership): void {
  if (m.blocked) throw forbidden('You cannot write in this chat: there is a block between you');
}

/** Group administration: only the owner renames, adds and removes. */
export function requireGroupOwner(m: Membership): void {
  requireGroup(m);
  if (m.participant.role !== 'OWNER') throw forbidden('Only the group owner can do this');
}

export function requireGroup(m: Membership): void {
  if (!m.chat.isGroup) throw badInput('chatId', 'Direct chats always have exactly two participants');
}

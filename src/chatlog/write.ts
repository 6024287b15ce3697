import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { rowOf } from '../db/rows.js';
import { chatLog, chatMemberships, type LogRow } from '../db/schema.js';
import { metrics } from '../observability/metrics.js';
import { announcementsOf } from '../db/transaction.js';
import type { EntryData, LogKind } from './kinds.js';

type NewEntry<K extends LogKind> = { kind: K; userId?: number | null; messageId?: number | null } & (EntryData[K] extends null
  ? { data?: null }
  : { data: EntryData[K] });

/**
 * Appends an entry about a chat, with the chat as it is after the change (its name, newest
 * visible message, newest message), and wakes the instances serving its members when the
 * transaction commits. The caller holds the chat's lock (src/db/locks.ts) and has already made
 * the change.
 */
export async function appendChatEntry<K extends LogKind>(tx: Tx, chatId: number, entry: NewEntry<K>): Promise<LogRow> {
  wakeUp(tx, 'chats', chatId);
  const rows = await tx.execute(sql`
    insert into chat_log (chat_id, user_id, kind, message_id, data, chat_name, last_message_id, last_activity_at, top_message_id)
    select c.id, ${entry.userId ?? null}, ${entry.kind}, ${entry.messageId ?? null}, ${json(entry.data)}, c.name, c.last_message_id, c.last_activity_at,
           (select max(m.id) from messages m where m.chat_id = c.id)
    from chats c where c.id = ${chatId}
    returning *`);
  if (rows.length !== 1) throw new Error(`Chat ${chatId} not found for a log entry`);
  metrics.eventsPublished.inc({ type: entry.kind });
  return rowOf(chatLog, rows[0]!);
}

/** Appends an entry that only `userId` hears (their contact entries). */
export async function appendUserEntry<K extends LogKind>(tx: Tx, userId: number, entry: NewEntry<K>): Promise<LogRow> {
  wakeUp(tx, 'users', userId);
  const rows = await tx.execute(sql`insert into chat_log (user_id, kind, data) values (${userId}, ${entry.kind}, ${json(entry.data)}) returning *`);
  metrics.eventsPublished.inc({ type: entry.kind });
  return rowOf(chatLog, rows[0]!);
}

/** Users become members as of entry `logId` (the one that lets them in, included). */
export async function openMemberships(tx: Tx, chatId: number, userIds: number[], logId: number): Promise<void> {
  if (userIds.length === 0) return;
  // Their instances may not follow this chat yet: they hear of it through the users.
  for (const userId of userIds) announcementsOf(tx).users.add(userId);
  await tx.insert(chatMemberships).values(userIds.map((userId) => ({ chatId, userId, fromLogId: logId })));
}

/** A membership ends with entry `logId` (the one that lets the user out, included). */
export async function closeMembership(tx: Tx, chatId: number, userIds: number[], logId: number): Promise<void> {
  for (const userId of userIds) announcementsOf(tx).users.add(userId);
  await tx
    .update(chatMemberships)
    .set({ untilLogId: logId })
    .where(and(eq(chatMemberships.chatId, chatId), inArray(chatMemberships.userId, userIds), isNull(chatMemberships.untilLogId)));
}

/**
 * Records what an entry wakes: the instances serving the chat's members (or the user) hear of
 * it once the transaction commits (src/db/transaction.ts). Every writer of chat_log calls this.
 */
export function wakeUp(tx: Tx, index: 'chats' | 'users', id: number): void {
  announcementsOf(tx)[index].add(id);
}

const json = (data: unknown) => (data == null ? null : sql`${JSON.stringify(data)}::jsonb`);

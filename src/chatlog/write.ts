import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { rowOf } from '../db/rows.js';
import { chatLog, chatMemberships, type LogRow } from '../db/schema.js';
import { metrics } from '../observability/metrics.js';
import { announcementsOf } from '../db/transaction.js';
import { EVENTS_CHANNEL, WAKE } from '../realtime/bus/postgres.js';
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
  const wake = wakeUp(tx, 'chats', chatId);
  const rows = await tx.execute(sql`
    with e as (
      insert into chat_log (chat_id, user_id, kind, message_id, data, chat_name, last_message_id, last_activity_at, top_message_id)
      select c.id, ${entry.userId ?? null}, ${entry.kind}, ${entry.messageId ?? null}, ${json(entry.data)}, c.name, c.last_message_id, c.last_activity_at,
             (select max(m.id) from messages m where m.chat_id = c.id)
      from chats c where c.id = ${chatId}
      returning *
    )
    select e.*${wake} from e`);
  if (rows.length !== 1) throw new Error(`Chat ${chatId} not found for a log entry`);
  metrics.eventsPublished.inc({ type: entry.kind });
  return rowOf(chatLog, rows[0]!);
}

/** Appends an entry that only `userId` hears (their contact entries). */
export async function appendUserEntry<K extends LogKind>(tx: Tx, userId: number, entry: NewEntry<K>): Promise<LogRow> {
  const wake = wakeUp(tx, 'users', userId);
  const rows = await tx.execute(sql`
    with e as (
      insert into chat_log (user_id, kind, data) values (${userId}, ${entry.kind}, ${json(entry.data)})
      returning *
    )
    select e.*${wake} from e`);
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
 * Records what an entry wakes, and gives the NOTIFY for the entry's own statement when the
 * wake-up goes inside the transaction (`, pg_notify(...)`: no extra round trip); otherwise it
 * is published after the commit, and the insert takes no NOTIFY lock. Every statement that
 * inserts into chat_log selects this.
 */
export function wakeUp(tx: Tx, index: 'chats' | 'users', id: number) {
  return wakes(tx, index, id) ? WAKE_UP : sql``;
}

/** `wakeUp` for a statement built once (src/db/plain-sql.ts): whether it must select WAKE_UP. */
export function wakes(tx: Tx, index: 'chats' | 'users', id: number): boolean {
  const unit = announcementsOf(tx);
  unit[index].add(id);
  return unit.hook.inTransaction;
}

export const WAKE_UP = sql`, pg_notify(${EVENTS_CHANNEL}, ${WAKE})`;

const json = (data: unknown) => (data == null ? null : sql`${JSON.stringify(data)}::jsonb`);

import { sql } from 'drizzle-orm';
import type { Tx } from './client.js';
import { PlainStatement, slot } from './plain-sql.js';

/**
 * Transaction-level advisory locks that put writers of one chat (or one user's contacts) in
 * line. Take them before the transaction's first write, on purpose: PostgreSQL gives a
 * transaction its id at its first write (a row lock counts), and the chat log orders entries by
 * transaction id (src/chatlog/position.ts). A writer that waits here before it has an id gets a
 * larger one than every writer that went before it, so for one chat or one user, log order is
 * commit order. Advisory locks take no transaction id; `SELECT ... FOR UPDATE` would.
 */
const CHAT = 1;
const USER = 2;
const PRESENCE = 3;
const SENDER = 4;

const LOCK_CHAT = new PlainStatement<'chatId'>(sql`select pg_advisory_xact_lock(${CHAT}, ${slot('chatId')})`);

export async function lockChat(tx: Tx, chatId: number): Promise<void> {
  await LOCK_CHAT.execute(tx, { chatId });
}

/** Locks several chats, in id order (see lockUsers), before the transaction's first write. */
export async function lockChats(tx: Tx, chatIds: number[]): Promise<void> {
  await LOCK_EACH.execute(tx, { space: CHAT, ids: sortedIds(chatIds) });
}

/** Locks several users, in id order so that two writers never wait on each other crosswise. */
export async function lockUsers(tx: Tx, userIds: number[]): Promise<void> {
  await LOCK_EACH.execute(tx, { space: USER, ids: sortedIds(userIds) });
}

/**
 * Locks the senders of a batch of messages (src/messages/chat-write-line.ts), in id order,
 * before any of their budgets is taken. A message takes its sender's budget rows, held until
 * the commit; two batches in two chats with the same senders in opposite orders would each
 * hold one's rows and wait for the other's. A transaction that writes one sender's messages
 * does not take this: it holds at most one sender's rows. (It can still meet a batch crosswise
 * on a retry key both insert; PostgreSQL then rolls one back, 40P01, and writePlain writes that
 * batch's messages alone.)
 */
export async function lockSenders(tx: Tx, senderIds: number[]): Promise<void> {
  await LOCK_EACH.execute(tx, { space: SENDER, ids: sortedIds(senderIds) });
}

/** Takes the lock of each of `ids` (sorted, distinct) in key space `space`, in that order. */
const LOCK_EACH = new PlainStatement<'space' | 'ids'>(
  sql`select count(pg_advisory_xact_lock(${slot('space')}::int, u)) from (select unnest(${slot('ids')}::int[]) as u order by 1) as ordered`,
);

const sortedIds = (ids: number[]) => [...new Set(ids)].sort((a, b) => a - b);

/**
 * Puts every change of who is online in one line, across instances: lease writes and the sweep
 * of expired leases. Each is one short transaction, so the line moves fast; in exchange, "a
 * user with a lease is online" holds between any two of them (src/presence/presence.store.ts).
 */
export async function lockPresence(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${PRESENCE}, 1)`);
}

/** One sweeper at a time: the instance that finds this taken skips its round. */
export async function tryLockPresenceSweep(tx: Tx): Promise<boolean> {
  const [row] = await tx.execute<{ locked: boolean }>(sql`select pg_try_advisory_xact_lock(${PRESENCE}, 2) as locked`);
  return row!.locked;
}

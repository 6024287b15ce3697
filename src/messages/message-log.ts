import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { PlainStatement, slot } from '../db/plain-sql.js';
import { columnsOf, rowOf } from '../db/rows.js';
import { messages, type MessageRow } from '../db/schema.js';
import { metrics } from '../observability/metrics.js';
import { wakeUp } from '../chatlog/write.js';
import { applyMentions } from './mentions.js';

export type MessageKind = MessageRow['messageType'];

/** Messages one transaction may write: its ids are `xid * PER_TRANSACTION + n`. */
const PER_TRANSACTION = 256;

/**
 * A message's own columns under alias `m`, built once: `m.*` would ship its search columns too
 * (generated, and large). Every hand-written statement that returns messages selects these.
 */
export const MESSAGE_COLUMNS = columnsOf(messages, 'm', '');

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

export interface NewMessage {
  chatId: number;
  senderId: number;
  content: string;
  messageType: MessageKind;
  clientMessageId?: string | null;
  /** A message of the same chat (checked by the caller). */
  replyToId?: number | null;
  /** Participants of the chat (checked by the caller). */
  mentionIds?: number[];
}

/**
 * Appends a message to a chat whose lock the caller holds (see lockAsMember), so that within a
 * chat id order is commit order. Moves the chat's activity and logs the message, both in the
 * caller's transaction.
 */
export async function appendMessage(tx: Tx, entry: NewMessage): Promise<MessageRow> {
  const message = await appendMessageIf(tx, entry, UNGUARDED);
  if (!message) throw new Error(`Chat ${entry.chatId} not found for a message`);
  return message;
}

/**
 * What else a message's statement checks and takes (see appendMessageIf): the statement, built
 * once (messageStatement), and what fills the guard's own slots.
 */
export interface MessageGuard {
  statement: PlainStatement;
  values: Record<string, unknown>;
}

/** The slots a guard may use that the message itself fills. */
export const MESSAGE_SLOTS = { chatId: slot('chatId'), senderId: slot('senderId'), clientMessageId: slot('clientMessageId') };

const UNGUARDED: MessageGuard = { statement: new PlainStatement(messageStatement(sql`true`, undefined)), values: {} };

/**
 * `appendMessage`, if the guard's condition holds when the statement runs (null when it does
 * not, and nothing is written). The caller can then send it right behind the statements that
 * take the lock and read what it needs, in the same round trip, and check their answers
 * afterwards.
 */
export async function appendMessageIf(tx: Tx, entry: NewMessage, guard: MessageGuard): Promise<MessageRow | null> {
  wakeUp(tx, 'chats', entry.chatId);
  const own = {
    chatId: entry.chatId,
    senderId: entry.senderId,
    content: entry.content,
    messageType: entry.messageType,
    clientMessageId: entry.clientMessageId ?? null,
    replyToId: entry.replyToId ?? null,
  };
  const [raw] = await guard.statement.execute(tx, own, guard.values);
  if (!raw) return null;
  metrics.eventsPublished.inc({ type: 'MESSAGE_ADDED' });
  const message = rowOf(messages, raw);
  if (entry.mentionIds?.length) await applyMentions(tx, message.id, { added: entry.mentionIds, removed: [] }, Number(raw._logId));
  return message;
}

/**
 * The statement of a message (with slots for it: `chatId`, `senderId`, `content`,
 * `messageType`, `clientMessageId`, `replyToId`), written if `condition` holds when it runs.
 * One statement: the message, the chat's activity, and the log entry with the chat as it is
 * after the change (what appendChatEntry writes for every other change) — one round trip.
 * `budget` (RateLimits.budget) is taken in the same statement, always, and before the condition
 * is looked at: the condition is asked through the budget's row, so that it cannot be hoisted
 * into a filter that PostgreSQL evaluates first.
 */
export function messageStatement(condition: SQL, budget: SQL | undefined): SQL {
  const s = MESSAGE_SLOTS;
  return sql`
    with ${budget ? sql`${budget}, ` : sql``}m as (
      insert into messages (id, chat_id, sender_id, content, message_type, client_message_id, reply_to_id)
      select ${NEXT_MESSAGE_ID}, ${s.chatId}::int, ${s.senderId}::int, ${slot('content')}::text, ${slot('messageType')}::message_type,
             ${s.clientMessageId}::varchar, ${slot('replyToId')}::bigint
      ${budget ? sql`from budget where case when budget.taken then ${condition} end` : sql`where ${condition}`}
      returning *
    ), c as (
      update chats set last_message_id = m.id, last_activity_at = m.sent_at, activity_seq = nextval('chat_activity_seq')
      from m where chats.id = m.chat_id
      returning chats.id, chats.name, chats.last_message_id, chats.last_activity_at
    ), e as (
      insert into chat_log (chat_id, user_id, kind, message_id, chat_name, last_message_id, last_activity_at, top_message_id)
      select c.id, m.sender_id, 'MESSAGE_ADDED', m.id, c.name, c.last_message_id, c.last_activity_at, m.id from c, m
      returning id
    )
    select ${MESSAGE_COLUMNS}, e.id as "_logId" from m, e`;
}

import { and, asc, eq, getTableName, inArray, isNull, lt, not, or, sql, type Table } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { columnCount, columnIndex, columnsText, rowAt, type ReadRow } from '../db/rows.js';
import { chatLog, chatMemberships, chats, messages, users, type LogRow } from '../db/schema.js';
import { CHAT_KINDS, type LogKind } from './kinds.js';
import { HIGH_WATER, markPosition, type Position } from './position.js';
import type { Related } from './views.js';
import { hasBlocked } from '../contacts/blocks.js';
import { PlainStatement, slot, type Slot, type Slotted } from '../db/plain-sql.js';

/** The one rule for who sees an entry: whoever was in its chat when it was written. */
const memberAtEntry = (viewerId: number) =>
  and(
    eq(chatMemberships.chatId, chatLog.chatId),
    eq(chatMemberships.userId, viewerId),
    sql`${chatLog.id} >= ${chatMemberships.fromLogId}`,
    or(isNull(chatMemberships.untilLogId), sql`${chatLog.id} <= ${chatMemberships.untilLogId}`),
  );

/** The high-water mark now: every entry below it is final. */
export async function highWater(db: DbOrTx): Promise<number> {
  const [row] = await db.execute<{ hw: string }>(sql`select ${HIGH_WATER} as hw`);
  return Number(row!.hw);
}

/** The position of "everything final now": what a client reads before it loads its state. */
export async function currentPosition(db: DbOrTx): Promise<Position> {
  return markPosition(await highWater(db));
}

/**
 * "Now" for a subscription to what happens from now on: the mark, and which transactions at
 * or past it had committed already. Their entries become final only once the transactions
 * before them end, but they happened before "now": a client that loaded its state just now has
 * them, and a subscriber must not get them again.
 */
export interface Now {
  position: Position;
  /** Transactions from this id on are all after "now". */
  horizon: number;
  /** Whether a transaction's entries came before "now". */
  committedBefore(xid: number): boolean;
}

export async function currentNow(db: DbOrTx): Promise<Now> {
  const [row] = await db.execute<{ xmin: string; xmax: string; running: string[] | null }>(sql`
    select pg_snapshot_xmin(s)::text as xmin, pg_snapshot_xmax(s)::text as xmax,
           (select array_agg(x::text) from pg_snapshot_xip(s) x) as running
    from (select pg_current_snapshot() as s) now`);
  const xmin = Number(row!.xmin);
  const xmax = Number(row!.xmax);
  const running = new Set((row!.running ?? []).map(Number));
  return { position: markPosition(xmin), horizon: xmax, committedBefore: (xid) => xid >= xmin && xid < xmax && !running.has(xid) };
}

export interface Batch {
  /** Final entries after the position asked for, in log order. */
  entries: LogRow[];
  highWater: number;
  /** Committed entries wait behind a transaction still running: read again soon. */
  heldBack: boolean;
  /** What the entries show, when asked for with them. */
  related: Related | null;
}

/**
 * What an instance reads next: every final entry after `from`, whoever it is for. Whether
 * committed entries wait behind the mark is asked as "is the newest visible entry at or past
 * it", which the (xid, id) index answers from its last page: asked as EXISTS, the planner may
 * expect an early match and scan the whole log, on every read, when there is none.
 *
 * With `related`, each entry comes with the rows its view shows (its message, its chat, a new
 * message's sender), in the same statement: an instance with subscribers would load them next,
 * one more round trip between an entry's commit and its frames.
 */
export async function readBatch(db: DbOrTx, from: Position, limit: number, related = false): Promise<Batch> {
  // Arrays, not objects: with the rows it shows, an entry is some fifty columns (see rowAt).
  const rows = await (related ? READ_BATCH_WITH_ROWS : READ_BATCH).values(db, { xid: from.xid, id: from.id, limit });
  const first = rows[0]!;
  const entries = rows.filter((r) => r[ENTRY.idAt] != null);
  return {
    entries: entries.map((r) => rowAt(chatLog, r, ENTRY.at)),
    highWater: Number(first[0]),
    heldBack: Boolean(first[1]),
    related: related ? relatedOf(entries) : null,
  };
}

/** The entries after `from` below the mark, as `l`, beside the mark and whether entries wait behind it. */
const batchFrom = (from: Slotted<Position>, limit: Slot<number>) => sql`
    from (select ${HIGH_WATER} as hw) h left join lateral (
      select * from chat_log
      where (xid, id) > (${from.xid}, ${from.id}) and xid < h.hw
      order by xid, id
      limit ${limit}
    ) l on true`;
/** The mark and whether entries wait behind it: a row's first two values. */
const BATCH_HEAD = `h.hw as "_hw", coalesce((select max(b.xid) from chat_log b) >= h.hw, false) as "_held"`;

/** A table's columns in a batch's rows (`columns`, as listed by columnsText): where they start, and each row of it once. */
function columnsAt<T extends Table>(table: T, columns: string, at: number) {
  const idAt = at + columnIndex(table, 'id');
  return {
    at,
    /** Where its `id` is: null in a row without one (a batch without entries, an entry showing no such row). */
    idAt,
    end: at + columnCount(table),
    columns,
    /** Each row once, however many of the batch's entries show it. */
    rowsOf(rows: unknown[][]): ReadRow<T>[] {
      const seen = new Set<unknown>();
      const out: ReadRow<T>[] = [];
      for (const r of rows) {
        const key = r[idAt];
        if (key == null || seen.has(key)) continue;
        seen.add(key);
        out.push(rowAt(table, r, at));
      }
      return out;
    },
  };
}

// Listed, not `l.*`: a table's own order of columns is the order its migrations added them in.
const ENTRY = columnsAt(chatLog, columnsText(chatLog, 'l', ''), 2);

export const readBatchStatement = (from: Slotted<Position>, limit: Slot<number>) =>
  sql`select ${sql.raw(BATCH_HEAD)}, ${sql.raw(ENTRY.columns)} ${batchFrom(from, limit)}`;

/**
 * Rows of `table` an entry's view shows, read with the entry, their columns after those of what
 * comes before: looked up by primary key for that entry alone (OFFSET 0 keeps the planner from
 * turning the lookup into a join that reads the whole table).
 */
function readAlong<T extends Table>(table: T, alias: string, on: string, after: { end: number }) {
  return {
    ...columnsAt(table, `${alias}.*`, after.end),
    join: `left join lateral (select ${columnsText(table, alias, `${alias}.`)} from ${getTableName(table)} ${alias} where ${on} offset 0) ${alias} on true`,
  };
}

const MESSAGE = readAlong(messages, 'm', 'm.id = l.message_id', ENTRY);
const CHAT = readAlong(chats, 'c', 'c.id = l.chat_id', MESSAGE);
// A new message's sender only (no other entry's view shows its author's row).
const SENDER = readAlong(users, 'u', "u.id = l.user_id and l.kind = 'MESSAGE_ADDED'", CHAT);
const ALONG = [MESSAGE, CHAT, SENDER];

export const readBatchWithRowsStatement = (from: Slotted<Position>, limit: Slot<number>) =>
  sql`select ${sql.raw([BATCH_HEAD, ENTRY.columns, ...ALONG.map((a) => a.columns)].join(', '))} ${batchFrom(from, limit)} ${sql.raw(ALONG.map((a) => a.join).join(' '))} order by l.xid, l.id`;

// Built once (src/db/plain-sql.ts): an instance reads the log about once for every few entries written.
const BATCH_SLOTS = [{ xid: slot('xid'), id: slot('id') }, slot('limit')] as const;
const READ_BATCH = new PlainStatement<'xid' | 'id' | 'limit'>(readBatchStatement(...BATCH_SLOTS));
const READ_BATCH_WITH_ROWS = new PlainStatement<'xid' | 'id' | 'limit'>(readBatchWithRowsStatement(...BATCH_SLOTS));

function relatedOf(rows: unknown[][]): Related {
  return { messages: MESSAGE.rowsOf(rows), chats: CHAT.rowsOf(rows), senders: SENDER.rowsOf(rows) };
}

export interface ViewerRead {
  after: Position;
  /** Read no further than this (a feed's replay stops where live delivery took over). */
  upTo?: Position;
  /** The high-water mark to read below; the current one when omitted. */
  below?: number;
  chatId?: number | null;
  kinds: readonly LogKind[];
  limit: number;
}

/**
 * Final entries `viewerId` hears, after a position, in log order: entries of a chat while they
 * were in it (the entry that let them out included), and entries about them alone.
 */
export async function readForViewer(db: DbOrTx, viewerId: number, read: ViewerRead): Promise<LogRow[]> {
  const below = read.below ?? (await highWater(db));
  const window = and(
    sql`(${chatLog.xid}, ${chatLog.id}) > (${read.after.xid}, ${read.after.id})`,
    read.upTo ? sql`(${chatLog.xid}, ${chatLog.id}) <= (${read.upTo.xid}, ${read.upTo.id})` : undefined,
    lt(chatLog.xid, below),
    inArray(chatLog.kind, [...read.kinds]),
  );
  const chatKinds = read.kinds.some((k) => CHAT_KINDS.includes(k));
  const userKinds = read.kinds.some((k) => !CHAT_KINDS.includes(k)) && read.chatId == null;
  const queries: Promise<LogRow[]>[] = [];
  if (chatKinds) {
    queries.push(
      db
        .select({ entry: chatLog })
        .from(chatLog)
        .innerJoin(chatMemberships, memberAtEntry(viewerId))
        .where(
          and(
            window,
            read.chatId == null ? undefined : eq(chatLog.chatId, read.chatId),
            // Nothing a user did reaches someone who blocked them.
            not(hasBlocked(viewerId, chatLog.userId)),
          ),
        )
        .orderBy(asc(chatLog.xid), asc(chatLog.id))
        .limit(read.limit)
        .then((rows) => rows.map((r) => r.entry)),
    );
  }
  if (userKinds) {
    queries.push(
      db
        .select()
        .from(chatLog)
        .where(and(window, isNull(chatLog.chatId), eq(chatLog.userId, viewerId)))
        .orderBy(asc(chatLog.xid), asc(chatLog.id))
        .limit(read.limit),
    );
  }
  const results = await Promise.all(queries);
  if (results.length === 1) return results[0]!;
  return results
    .flat()
    .sort((a, b) => a.xid - b.xid || a.id - b.id)
    .slice(0, read.limit);
}

/**
 * Where a message's entry stands in the log, for a viewer who was in its chat when it was sent
 * (every message their stream ever handed them): `messageAdded(after:)` resumes from there. For
 * anyone else it does not exist, like an id that was never used.
 */
export async function positionOfMessage(db: DbOrTx, messageId: number, viewerId: number): Promise<Position | null> {
  const [row] = await db
    .select({ xid: chatLog.xid, id: chatLog.id })
    .from(chatLog)
    .innerJoin(chatMemberships, memberAtEntry(viewerId))
    .where(and(eq(chatLog.kind, 'MESSAGE_ADDED'), eq(chatLog.messageId, messageId)))
    .limit(1);
  return row ?? null;
}

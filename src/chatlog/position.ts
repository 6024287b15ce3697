import { sql } from 'drizzle-orm';
import { badInput } from '../common/errors.js';

/**
 * A position in the chat log: entries are ordered by (xid, id), the writing transaction's id
 * and the entry's own. Transaction ids are not commit order, so a reader only ever consumes
 * entries below the high-water mark: the oldest transaction still running. Every transaction
 * with a smaller id has ended, so no entry can ever appear behind the mark, and "everything
 * after position P" is exact — across chats and instances, whatever order transactions commit in.
 *
 * Within a chat, writers hold the chat's lock from before their first write (src/db/locks.ts),
 * so there transaction ids, entry ids and message ids all follow commit order.
 *
 * The price: a transaction that stays open holds the mark back, and with it every delivery. The
 * pool's connections have statement and idle-in-transaction timeouts (src/db/client.ts) that
 * bound how long one of Parley's own transactions can do that.
 */
export interface Position {
  xid: number;
  id: number;
}

export const ORIGIN: Position = { xid: 0, id: 0 };

/** The high-water mark, as SQL: entries with a smaller xid are final. */
export const HIGH_WATER = sql`(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint`;

export function compare(a: Position, b: Position): number {
  return a.xid - b.xid || a.id - b.id;
}

export const isAfter = (a: Position, b: Position) => compare(a, b) > 0;

/** Everything strictly below the mark: the position reached when every final entry was read. */
export const markPosition = (highWater: number): Position => ({ xid: highWater, id: 0 });

export const positionOf = (entry: { xid: number; id: number }): Position => ({ xid: entry.xid, id: entry.id });

const PREFIX = 'log';

/** Cursors are opaque to clients. */
export function encodePosition(p: Position): string {
  return Buffer.from(`${PREFIX}:${p.xid}:${p.id}`).toString('base64url');
}

export function decodePosition(cursor: string, field: string): Position {
  const match = /^log:(\d{1,18}):(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || cursor.length > 80) throw badInput(field, `${field} is not a valid cursor`);
  return { xid: Number(match[1]), id: Number(match[2]) };
}

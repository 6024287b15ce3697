import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * Rows that come and go with log entries (reactions, mentions) keep the entry that added them
 * and the entry that removed them. Now, the present ones are those not removed; seen through
 * entry L, those added at or before L and not removed by then — so nobody learns, through an
 * entry, of a reaction or mention that came or went after it.
 */
export function presentAt(row: { addedLogId: AnyPgColumn; removedLogId: AnyPgColumn }, asOfLogId: SQL): SQL {
  return sql`(case when ${asOfLogId} is null then ${row.removedLogId} is null
    else ${row.addedLogId} <= ${asOfLogId} and (${row.removedLogId} is null or ${row.removedLogId} > ${asOfLogId}) end)`;
}

/** DataLoader keys for state as of an entry: a row id and the entry's log id (null: now). */
export interface AsOfKey {
  id: number;
  asOf: number | null;
}

export const asOfKey = (k: AsOfKey) => `${k.id}:${k.asOf ?? ''}`;

/** The keys as an SQL relation `k(id, as_of)`, to join rows with. */
export function asOfKeys(keys: readonly AsOfKey[]): SQL {
  return sql`unnest(${sql.param(keys.map((k) => k.id))}::bigint[], ${sql.param(keys.map((k) => k.asOf))}::bigint[]) as k(id, as_of)`;
}

/** The key columns to select beside a row's own, as numbers. */
export const asOfKeyColumns = () => ({ id: sql<number>`k.id`.mapWith(Number), asOf: sql<number | null>`k.as_of`.mapWith(Number) });

/** Lines rows up with the keys they were loaded for: one list per key, in row order. */
export function listsByKey<R extends AsOfKey, V>(keys: readonly AsOfKey[], rows: R[], value: (row: R) => V): V[][] {
  const lists = new Map<string, V[]>();
  for (const row of rows) {
    const key = asOfKey(row);
    let list = lists.get(key);
    if (!list) lists.set(key, (list = []));
    list.push(value(row));
  }
  return keys.map((k) => lists.get(asOfKey(k)) ?? []);
}

import { getTableColumns, getTableName, sql, type Column, type SQL, type Table } from 'drizzle-orm';

/**
 * A row as the driver returned it for a hand-written statement (column names, int8 as text)
 * mapped the way drizzle maps its own queries: property names and each column's own decoding.
 * `prefix` reads columns selected with `columnsOf(table, alias, prefix)`. Like those, it leaves
 * out the fields no hand-written read selects (UNREAD).
 */
export function rowOf<T extends Table>(table: T, raw: Record<string, unknown>, prefix = ''): ReadRow<T> {
  const row: Record<string, unknown> = {};
  for (const [key, name, column] of fieldsOf(table, prefix)) row[key] = fromDriver(column, raw[name]);
  return row as ReadRow<T>;
}

/**
 * A row of a statement read as arrays (see `PlainStatement.values`), whose columns from `offset`
 * on are `table`'s as `columnsText` lists them, mapped as `rowOf` maps them. The driver builds a
 * row object property by property; past a score of columns V8 keeps such an object as a hash
 * table, slower to read and several times larger to collect. An array of values stays compact.
 */
export function rowAt<T extends Table>(table: T, values: readonly unknown[], offset: number): ReadRow<T> {
  const row: Record<string, unknown> = {};
  const fields = fieldsOf(table, '');
  for (let i = 0; i < fields.length; i++) {
    const [key, , column] = fields[i]!;
    row[key] = fromDriver(column, values[offset + i]);
  }
  return row as ReadRow<T>;
}

/** How many columns `columnsText(table, …)` lists: where the next table's columns start in a row read as values. */
export const columnCount = (table: Table): number => fieldsOf(table, '').length;

/** Where field `key` is among the columns `columnsText(table, …)` lists. */
export function columnIndex(table: Table, key: string): number {
  const index = fieldsOf(table, '').findIndex(([field]) => field === key);
  if (index < 0) throw new Error(`${key} is not a column of ${getTableName(table)}`);
  return index;
}

/** A column's value as drizzle gives it: decoded by the column, null when absent. */
const fromDriver = (column: Column, value: unknown): unknown => (value === null || value === undefined ? null : column.mapFromDriverValue(value));

/**
 * Fields no hand-written read selects, whatever the table: a password hash is read by the sign-in
 * code alone (src/auth), never along with a user that is shown, loaded or delivered.
 */
const UNREAD_FIELDS = ['password'] as const;
const UNREAD = new Set<string>(UNREAD_FIELDS);

type Unread = (typeof UNREAD_FIELDS)[number];

/** A row as the hand-written reads here give it: without the fields they never read (UNREAD). */
export type ReadRow<T extends Table> = Omit<T['$inferSelect'], Unread>;

/** A table's columns but the fields no read selects (UNREAD): for a drizzle `select()` or `returning()` too. */
export function readColumns<T extends Table>(table: T): Omit<T['_']['columns'], Unread> {
  return Object.fromEntries(Object.entries(getTableColumns(table)).filter(([key]) => !UNREAD.has(key))) as Omit<T['_']['columns'], Unread>;
}

type Field = [key: string, name: string, column: Column];
const fieldLists = new WeakMap<Table, Map<string, Field[]>>();

/** A table's properties and the names its columns arrive under, worked out once (pages map thousands of rows). */
function fieldsOf(table: Table, prefix: string): Field[] {
  let byPrefix = fieldLists.get(table);
  if (!byPrefix) fieldLists.set(table, (byPrefix = new Map()));
  let fields = byPrefix.get(prefix);
  if (!fields) {
    const read = Object.entries(readColumns(table) as Record<string, Column>);
    byPrefix.set(prefix, (fields = read.map(([key, column]): Field => [key, prefix + column.name, column])));
  }
  return fields;
}

/**
 * Every column of `table` under `alias`, each named `prefix` + its name, as one piece of SQL:
 * two tables' rows from one hand-written statement, without names colliding. Built once, where
 * a hot statement is defined; a drizzle query builder would build its SQL again on every call.
 */
export function columnsOf(table: Table, alias: string, prefix: string): SQL {
  return sql.raw(columnsText(table, alias, prefix));
}

/** `columnsOf`'s text, for a statement put together as text. */
export function columnsText(table: Table, alias: string, prefix: string): string {
  return fieldsOf(table, '')
    .map(([, name]) => `"${alias}"."${name}" as "${prefix}${name}"`)
    .join(', ');
}

import { getTableColumns, type Table } from 'drizzle-orm';

/**
 * A row as the driver returned it for a hand-written statement (column names, int8 as text)
 * mapped the way drizzle maps its own queries: property names and each column's own decoding.
 */
export function rowOf<T extends Table>(table: T, raw: Record<string, unknown>): T['$inferSelect'] {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T['$inferSelect'];
}

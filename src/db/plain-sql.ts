import { SQL, StringChunk } from 'drizzle-orm';
import type { DbOrTx } from './client.js';

export interface PlainQuery {
  text: string;
  params: unknown[];
}

/**
 * The statement drizzle would send for `query` (text with `$n` and its parameters) when `query`
 * is made only of text, nested `sql` and plain values; null when it holds anything else
 * (columns, tables, arrays, encoded or inlined parameters), which only drizzle compiles.
 *
 * drizzle compiles a statement anew on every call, checking each piece of it against every kind
 * of piece it knows: for the message insert, a large statement assembled from fragments, that
 * cost more Node.js time than anything else in sendMessage's own work.
 */
export function plainQuery(query: SQL): PlainQuery | null {
  const params: unknown[] = [];
  let text = '';
  const walk = (chunks: readonly unknown[]): boolean => {
    for (const chunk of chunks) {
      if (chunk instanceof StringChunk) text += chunk.value.join('');
      else if (chunk instanceof SQL) {
        // (`sql.inlineParams()` marks a fragment whose values drizzle writes into the text.)
        if ((chunk as unknown as { shouldInlineParams: boolean }).shouldInlineParams || !walk(chunk.queryChunks)) return false;
      } else if (chunk === undefined) continue;
      else if (chunk === null || chunk instanceof Date || (typeof chunk !== 'object' && typeof chunk !== 'function' && typeof chunk !== 'symbol')) {
        params.push(chunk);
        text += `$${params.length}`;
      } else return false;
    }
    return true;
  };
  return walk(query.queryChunks) ? { text, params } : null;
}

type Unsafe = (text: string, params: unknown[]) => Promise<unknown>;

/**
 * `db.execute(query)`, sending a plain query (see plainQuery) without drizzle compiling it: to
 * the same postgres.js client drizzle would give it to (prepared and counted, prepared-client.ts),
 * with the same result.
 */
export function executePlain<T extends Record<string, unknown>>(db: DbOrTx, query: SQL): Promise<T[]> {
  const plain = plainQuery(query);
  // drizzle keeps its postgres.js client on the session (not in its typed API).
  const client = (db as unknown as { session?: { client?: { unsafe?: Unsafe } } }).session?.client;
  if (!plain || typeof client?.unsafe !== 'function') return db.execute<T>(query) as unknown as Promise<T[]>;
  return client.unsafe(plain.text, plain.params) as Promise<T[]>;
}

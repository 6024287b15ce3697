import { noopEncoder, Param, SQL, StringChunk } from 'drizzle-orm';
import type { DbOrTx } from './client.js';

export interface PlainQuery {
  text: string;
  params: unknown[];
}

/**
 * The statement drizzle would send for `query` (text with `$n` and its parameters) when `query`
 * is made only of text, nested `sql`, plain values and `sql.param(value)`; null when it holds
 * anything else (columns, tables, bare arrays, encoded or inlined parameters), which only
 * drizzle compiles.
 *
 * drizzle compiles a statement anew on every call, checking each piece of it against every kind
 * of piece it knows: for the message insert, a large statement assembled from fragments, that
 * cost more Node.js time than anything else in sendMessage's own work.
 */
export function plainQuery(query: SQL): PlainQuery | null {
  const out: PlainQuery = { text: '', params: [] };
  return addChunks(query.queryChunks, out) ? out : null;
}

function addChunks(chunks: readonly unknown[], out: PlainQuery): boolean {
  for (const chunk of chunks) {
    if (chunk instanceof StringChunk) out.text += chunk.value.join('');
    else if (chunk instanceof SQL) {
      // (`sql.inlineParams()` marks a fragment whose values drizzle writes into the text.)
      if ((chunk as unknown as { shouldInlineParams: boolean }).shouldInlineParams || !addChunks(chunk.queryChunks, out)) return false;
    } else if (chunk instanceof Param && chunk.encoder === noopEncoder) {
      // `sql.param(value)`: the value as it is (an array for `= any($1::int[])`, say).
      out.params.push(chunk.value);
      out.text += `$${out.params.length}`;
    } else if (chunk === undefined) continue;
    else if (chunk === null || chunk instanceof Date || (typeof chunk !== 'object' && typeof chunk !== 'function' && typeof chunk !== 'symbol')) {
      out.params.push(chunk);
      out.text += `$${out.params.length}`;
    } else return false;
  }
  return true;
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

import { noopEncoder, Param, Placeholder, SQL, sql, StringChunk } from 'drizzle-orm';
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

/**
 * Adds `chunks` to `out`. With `slots`, a placeholder (`sql.placeholder(name)`) is a parameter
 * too, its name kept at its index; without, it is something only drizzle compiles.
 */
function addChunks(chunks: readonly unknown[], out: PlainQuery, slots?: Map<number, string>): boolean {
  for (const chunk of chunks) {
    if (chunk instanceof StringChunk) out.text += chunk.value.join('');
    else if (chunk instanceof SQL) {
      // (`sql.inlineParams()` marks a fragment whose values drizzle writes into the text.)
      if ((chunk as unknown as { shouldInlineParams: boolean }).shouldInlineParams || !addChunks(chunk.queryChunks, out, slots)) return false;
    } else if (chunk instanceof Placeholder) {
      if (!slots) return false;
      slots.set(out.params.length, chunk.name);
      out.params.push(undefined);
      out.text += `$${out.params.length}`;
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

/** postgres.js's query, pending: a promise of its rows, or of arrays of their values. */
type Unsafe = (text: string, params: unknown[]) => Promise<unknown> & { values(): Promise<unknown[][]> };

/** The postgres.js client drizzle keeps on its session (not in its typed API), if it has one. */
const clientOf = (db: DbOrTx) => (db as unknown as { session?: { client?: { unsafe?: Unsafe } } }).session?.client;

/** A named slot of a statement (see PlainStatement). */
export const slot = (name: string): Placeholder => sql.placeholder(name);

/** A value, or the slot it goes in: what a fragment that a PlainStatement uses takes. */
export type Slot<T> = T | Placeholder;

/** An object whose fields may be slots. */
export type Slotted<T> = { [K in keyof T]: Slot<T[K]> };

/**
 * A statement whose text is always the same: written once with drizzle's `sql` and named slots
 * (`slot(name)`), flattened once, then sent with each call's values in the slots' places. The
 * statements of every message sent are built this way: assembling them from their fragments
 * and flattening them again on every call cost more than anything else of Parley's own in
 * sendMessage. Values written into the template itself are sent as they are, every time.
 */
export class PlainStatement<K extends string = string> {
  private readonly text: string;
  private readonly params: unknown[];
  private readonly slots: [index: number, name: K][];

  constructor(query: SQL) {
    const out: PlainQuery = { text: '', params: [] };
    const slots = new Map<number, string>();
    if (!addChunks(query.queryChunks, out, slots)) throw new Error('A PlainStatement is made of text, nested sql, plain values and slots only');
    this.text = out.text;
    this.params = out.params;
    this.slots = [...slots] as [number, K][];
  }

  /**
   * The text and parameters sent for the slots' values, each taken from the first of `values`
   * that has it (null is a value; undefined is none).
   */
  query(...values: Readonly<Partial<Record<K, unknown>>>[]): PlainQuery {
    const params = this.params.slice();
    for (const [index, name] of this.slots) {
      let value: unknown;
      for (let i = 0; value === undefined && i < values.length; i++) value = values[i]![name];
      if (value === undefined) throw new Error(`No value for the statement's slot "${name}"`);
      params[index] = value;
    }
    return { text: this.text, params };
  }

  execute<T extends Record<string, unknown> = Record<string, unknown>>(db: DbOrTx, ...values: Readonly<Partial<Record<K, unknown>>>[]): Promise<T[]> {
    return this.send(db, values) as Promise<T[]>;
  }

  /** The same, each row as the array of its columns' values, in the statement's order (see rowAt). */
  values(db: DbOrTx, ...values: Readonly<Partial<Record<K, unknown>>>[]): Promise<unknown[][]> {
    return this.send(db, values).values();
  }

  private send(db: DbOrTx, values: Readonly<Partial<Record<K, unknown>>>[]) {
    const { text, params } = this.query(...values);
    const client = clientOf(db);
    if (typeof client?.unsafe !== 'function') throw new Error('A PlainStatement runs on a postgres.js client');
    return client.unsafe(text, params);
  }
}

/**
 * `db.execute(query)`, sending a plain query (see plainQuery) without drizzle compiling it: to
 * the same postgres.js client drizzle would give it to (prepared and counted, prepared-client.ts),
 * with the same result.
 */
export function executePlain<T extends Record<string, unknown>>(db: DbOrTx, query: SQL): Promise<T[]> {
  const plain = plainQuery(query);
  const client = clientOf(db);
  if (!plain || typeof client?.unsafe !== 'function') return db.execute<T>(query) as unknown as Promise<T[]>;
  return client.unsafe(plain.text, plain.params) as Promise<T[]>;
}

/** PlainStatements built on first use, by key: where a statement's text depends on a few choices. */
export class Statements {
  private readonly built = new Map<string, PlainStatement>();

  get(key: string, build: () => SQL): PlainStatement {
    let statement = this.built.get(key);
    if (!statement) this.built.set(key, (statement = new PlainStatement(build())));
    return statement;
  }
}

import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { preparedClient } from './prepared-client.js';

/**
 * Without the schema: Parley never uses drizzle's relational queries, and with a schema every
 * transaction builds one of their query builders per table.
 */
export type Db = PostgresJsDatabase;
/** A transaction handle; services accept either so they compose inside one transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  sql: postgres.Sql;
  /** Statements sent since start; lets tests and benchmarks prove a bounded query count. */
  readonly queryCount: number;
  close(): Promise<void>;
}

/**
 * How every connection meets a database that went away: a connection attempt gives up after
 * 5 s (not 30), and after failed attempts the next one waits at most 1 s (postgres.js waits up
 * to 20 s by default, holding the query that asked for it all that time). Requests fail fast
 * while the database is down and are served as soon as it is back.
 */
export const FAIL_FAST = {
  connect_timeout: 5,
  backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
} as const;

export interface ConnectOptions {
  max?: number;
  applicationName?: string;
  /**
   * Caps on one statement and on a transaction left idle. A transaction that stays open holds
   * back the chat log's high-water mark and with it every delivery (src/chatlog/position.ts),
   * so none of Parley's may stay open for long.
   */
  statementTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
  /**
   * Prepared statements always run their generic plan, made once per connection (and again when
   * their tables' statistics change). PostgreSQL otherwise plans a statement afresh on every run
   * for as long as its generic plan looks dearer than the plans made for each run's values.
   */
  genericPlans?: boolean;
}

export function connectDatabase(url: string, options: ConnectOptions = {}): Database {
  const counter = { count: 0 };
  const sql = postgres(url, {
    ...FAIL_FAST,
    max: options.max ?? 10,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? 'parley',
      statement_timeout: options.statementTimeoutMs ?? 15_000,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 15_000,
      ...(options.genericPlans ? { plan_cache_mode: 'force_generic_plan' } : {}),
    },
  });
  const client = preparedClient(sql, counter);
  const db = drizzle(client);
  return {
    db,
    sql: client,
    get queryCount() {
      return counter.count;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

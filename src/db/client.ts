import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Db = PostgresJsDatabase<typeof schema>;
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
}

export function connectDatabase(url: string, options: ConnectOptions = {}): Database {
  let queryCount = 0;
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    debug: () => {
      queryCount += 1;
    },
    connection: {
      application_name: options.applicationName ?? 'parley',
      statement_timeout: options.statementTimeoutMs ?? 15_000,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 15_000,
    },
  });
  const db = drizzle(sql, { schema });
  return {
    db,
    sql,
    get queryCount() {
      return queryCount;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

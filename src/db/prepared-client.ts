import type postgres from 'postgres';

/** Counts the statements sent through a client; see `preparedClient`. */
export interface StatementCounter {
  count: number;
}

type Sql = postgres.Sql | postgres.TransactionSql;

/**
 * The postgres.js client drizzle is given: every statement drizzle sends becomes a named
 * prepared statement, and every statement is counted.
 *
 * drizzle sends a query it did not `.prepare()` as an unnamed statement, which PostgreSQL parses
 * and plans again on every call (and postgres.js describes again): on a hot path such as
 * sendMessage or the chat log's reader that costs more than the work itself. postgres.js keeps
 * each connection's statements by their text, so the text of every query is parsed once per
 * connection; connections are recycled (`max_lifetime`), which bounds what they keep.
 *
 * Counting here rather than with postgres.js's `debug` hook: that hook makes the driver capture
 * a stack trace for every query. BEGIN and COMMIT (or ROLLBACK, or a savepoint's pair) count as
 * two statements for each transaction.
 */
export function preparedClient<T extends Sql>(sql: T, counter: StatementCounter): T {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe') {
        return (query: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) => {
          counter.count += 1;
          return target.unsafe(query, params as never, { ...options, prepare: true });
        };
      }
      if (prop === 'begin' || prop === 'savepoint') {
        return (...args: unknown[]) => {
          counter.count += 2;
          const work = args.pop() as (tx: postgres.TransactionSql) => unknown;
          return (target as unknown as Record<string, (...a: unknown[]) => unknown>)[prop]!(...args, (tx: postgres.TransactionSql) => work(preparedClient(tx, counter)));
        };
      }
      return Reflect.get(target, prop, receiver);
    },
    apply(target, thisArg, args) {
      // A tagged query (`sql\`select 1\``); drizzle never sends these.
      counter.count += 1;
      return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, thisArg, args);
    },
  });
}

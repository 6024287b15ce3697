/**
 * What a failed database call tells, read safely. Errors from the driver travel wrapped (drizzle
 * puts the SQL and every parameter in its message), so callers look through the wrappers here
 * instead of logging or matching the outer error.
 */

/** The fields of a PostgreSQL error (postgres.js names) that never carry a parameter value. */
export interface PgErrorFields {
  code: string;
  message: string;
  severity?: string;
  constraint_name?: string;
  table_name?: string;
  column_name?: string;
}

/** The error and the errors it wraps, outermost first (GraphQL's originalError and `cause`). */
export function* errorChain(err: unknown): Generator<object> {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e && typeof e === 'object' && !seen.has(e) && seen.size < 8; ) {
    seen.add(e);
    yield e;
    const next: unknown = (e as { originalError?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
    e = next;
  }
}

/** The PostgreSQL error (a five-character SQLSTATE) inside `err`, if any. */
export function pgErrorOf(err: unknown): PgErrorFields | undefined {
  for (const e of errorChain(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return e as PgErrorFields;
  }
  return undefined;
}

/** Lost or refused connections, as the driver (postgres.js) and Node's sockets name them. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs after which the same request may well succeed: the connection or server went away
 * (class 08, 57P0x), too many connections, or the transaction lost a race (40001, 40P01). The
 * transaction was rolled back, so nothing of it was written.
 */
const TRANSIENT_SQLSTATES = /^(08...|57P0[1-5]|53300|40001|40P01|25P03)$/;

/** The transaction was chosen to break a deadlock, and rolled back. */
export function isDeadlock(err: unknown): boolean {
  return pgErrorOf(err)?.code === '40P01';
}

/** The database could not answer this time; retrying the request is safe and may work. */
export function isTransientDatabaseError(err: unknown): boolean {
  for (const e of errorChain(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (CONNECTION_CODES.has(code) || TRANSIENT_SQLSTATES.test(code)) return true;
  }
  return false;
}

/** Whether `err` came from the database at all (a driver, query or connection error). */
function isDatabaseError(err: unknown): boolean {
  for (const e of errorChain(err)) {
    const name = e.constructor?.name;
    if (name === 'DrizzleQueryError' || name === 'PostgresError') return true;
  }
  return pgErrorOf(err) !== undefined || isTransientDatabaseError(err);
}

/**
 * A database error fit for a log line: its code, PostgreSQL's own message and the constraint,
 * table and column it names. Never the SQL, the parameters, `detail` (which quotes row values)
 * nor the wrapper's message (which lists the parameters). Undefined for other errors.
 */
export function describeDatabaseError(err: unknown): Record<string, unknown> | undefined {
  if (!isDatabaseError(err)) return undefined;
  const pg = pgErrorOf(err);
  if (pg) {
    return {
      type: 'DatabaseError',
      code: pg.code,
      message: pg.message,
      severity: pg.severity,
      constraint: pg.constraint_name,
      table: pg.table_name,
      column: pg.column_name,
    };
  }
  // A connection error: the driver's code and its message ("write CONNECTION_CLOSED host:port").
  for (const e of errorChain(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) {
      return { type: 'DatabaseConnectionError', code, message: (e as { message?: string }).message };
    }
  }
  // Something else failed inside a query wrapper: name it, without a message that may quote values.
  const inner = [...errorChain(err)].pop();
  return { type: 'DatabaseError', cause: inner?.constructor?.name };
}

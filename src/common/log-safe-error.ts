import pino from 'pino';
import { describeDatabaseError } from '../db/errors.js';

/**
 * An error as it may appear in a log line. Database errors are reduced to their code, message
 * and the names they mention (their wrappers quote the SQL and every parameter: password hashes,
 * message text, emails); everything else gets pino's standard error serialisation.
 */
export function logSafeError(err: unknown): unknown {
  const db = describeDatabaseError(err);
  if (db) return db;
  return err instanceof Error ? pino.stdSerializers.err(err) : err;
}

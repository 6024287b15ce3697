import { createHash } from 'node:crypto';
import { badInput } from '../common/errors.js';

/** A place in a ranked result list: results come by score, then newest first. */
export interface SearchPosition {
  score: number;
  id: number;
}

/**
 * Cursors are opaque to clients. Each names the search it came from (a digest of the query and
 * chat), so that a cursor of one search is refused by another instead of silently skipping.
 */
export function searchFingerprint(query: string, chatId: number | null): string {
  return createHash('sha256').update(`${chatId ?? ''}\n${query}`).digest('base64url').slice(0, 10);
}

export function encodeSearchCursor(fingerprint: string, position: SearchPosition): string {
  return Buffer.from(`search:${fingerprint}:${position.score}:${position.id}`).toString('base64url');
}

export function decodeSearchCursor(cursor: string, fingerprint: string, field = 'after'): SearchPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^search:([\w-]{10}):(\d+(?:\.\d+)?(?:e-?\d+)?):(\d{1,19})$/.exec(text);
  const score = match ? Number(match[2]) : NaN;
  const id = match ? Number(match[3]) : NaN;
  if (!Number.isFinite(score) || !Number.isSafeInteger(id)) throw badInput(field, `${field} is not a valid cursor`);
  if (match![1] !== fingerprint) throw badInput(field, `${field} is a cursor of another search`);
  return { score, id };
}

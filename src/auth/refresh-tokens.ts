import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.js';
import { refreshTokens, sessions } from '../db/schema.js';
import type { RevokedBatch } from './revocation-channel.js';
import { lockSession, revokeSessions } from './sessions.js';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Issues the next refresh token of a session (its family); the session's expiry follows it. */
export async function issueRefreshToken(db: DbOrTx, sessionId: string, userId: number, ttlSeconds: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.insert(refreshTokens).values({
    userId,
    familyId: sessionId,
    tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + ttlSeconds * 1000),
  });
  return token;
}

export type RotationOutcome =
  | { ok: true; userId: number; sessionId: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' }
  | { ok: false; reason: 'reused'; revoked: RevokedBatch };

/**
 * Marks a refresh token used. The row lock makes two concurrent uses of one token see each
 * other: the second is a reuse, and a reuse revokes the whole session. The session's lock
 * orders a refresh against a revocation of the same session.
 */
export async function consumeRefreshToken(tx: Tx, token: string): Promise<RotationOutcome> {
  const [row] = await tx
    .select()
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, hashToken(token)))
    .for('update');
  if (!row) return { ok: false, reason: 'unknown' };
  const session = await lockSession(tx, row.familyId);
  if (!session || session.revokedAt) return { ok: false, reason: 'revoked' };
  if (row.usedAt) return { ok: false, reason: 'reused', revoked: await revokeSessions(tx, eq(sessions.id, row.familyId)) };
  if (row.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
  await tx.update(refreshTokens).set({ usedAt: new Date() }).where(eq(refreshTokens.id, row.id));
  return { ok: true, userId: row.userId, sessionId: row.familyId };
}

/** The session a refresh token belongs to, used or not. */
export async function sessionOfToken(db: DbOrTx, token: string) {
  const [row] = await db
    .select({ sessionId: refreshTokens.familyId, userId: refreshTokens.userId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, hashToken(token)));
  return row;
}

import { randomUUID } from 'node:crypto';
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.js';
import { sessions } from '../db/schema.js';
import { announceRevocations, type RevokedBatch } from './revocation-channel.js';

/** Where a sign-in or refresh came from, as shown in `sessions`. */
export interface ClientInfo {
  ip: string;
  userAgent: string | null;
}

const clientColumns = (client: ClientInfo) => ({ ip: client.ip.slice(0, 100), userAgent: client.userAgent?.slice(0, 500) ?? null });

export async function openSession(tx: DbOrTx, userId: number, ttlSeconds: number, client: ClientInfo, id: string = randomUUID()): Promise<string> {
  await tx.insert(sessions).values({ id, userId, expiresAt: new Date(Date.now() + ttlSeconds * 1000), ...clientColumns(client) });
  return id;
}

/** A refresh: the session was used now, from there, and lives on with its new refresh token. */
export async function renewSession(tx: DbOrTx, id: string, ttlSeconds: number, client: ClientInfo): Promise<void> {
  await tx
    .update(sessions)
    .set({ lastUsedAt: new Date(), expiresAt: new Date(Date.now() + ttlSeconds * 1000), ...clientColumns(client) })
    .where(eq(sessions.id, id));
}

/**
 * Locks a session row: a refresh and a revocation of one session take turns, so a refresh
 * either finishes before the revocation (whose token list then includes it) or sees it.
 */
export async function lockSession(tx: DbOrTx, id: string) {
  const [row] = await tx.select().from(sessions).where(eq(sessions.id, id)).for('update');
  return row;
}

/**
 * Revokes the live sessions matching `where` and announces them with the caller's transaction
 * (opened by transaction(), src/db/transaction.ts): every instance learns of it on commit, and
 * never of a rolled-back one.
 */
export async function revokeSessions(tx: Tx, where: SQL | undefined): Promise<RevokedBatch> {
  const rows = await tx
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(isNull(sessions.revokedAt), where))
    .returning({ id: sessions.id, revokedAt: sessions.revokedAt });
  return announceRevocations(tx, rows.map((r) => ({ id: r.id, revokedAt: r.revokedAt! })));
}

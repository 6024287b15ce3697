import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import { badInput, notFound } from '../common/errors.js';
import type { Db } from '../db/client.js';
import { sessions, type SessionRow } from '../db/schema.js';
import type { RevocationPropagation, RevokedBatch } from './revocation-channel.js';
import type { RevokedSessions } from './revoked-sessions.js';
import { revokeSessions } from './sessions.js';
import { transaction } from '../db/transaction.js';

export type SessionView = SessionRow & { current: boolean };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The viewer's sessions, and the one way a revocation takes effect everywhere. */
export class SessionsService {
  constructor(
    private readonly db: Db,
    private readonly revoked: RevokedSessions,
    private readonly propagation: RevocationPropagation,
  ) {}

  /** Live sessions (neither revoked nor expired), most recently used first. */
  async list(viewerId: number, currentId: string | null): Promise<SessionView[]> {
    const rows = await this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, viewerId), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date())))
      .orderBy(desc(sessions.lastUsedAt), desc(sessions.createdAt));
    return rows.map((row) => ({ ...row, current: row.id === currentId }));
  }

  /** Ends one of the viewer's sessions (the current one too); someone else's is NOT_FOUND. */
  async revoke(viewerId: number, idArg: string): Promise<boolean> {
    if (!UUID.test(idArg)) throw badInput('id', 'id is not a valid session id');
    const revocations = await transaction(this.db, async (tx) => {
      const [own] = await tx.select({ id: sessions.id }).from(sessions).where(and(eq(sessions.id, idArg), eq(sessions.userId, viewerId)));
      if (!own) throw notFound('Session');
      return revokeSessions(tx, eq(sessions.id, idArg));
    });
    await this.enforce(revocations);
    return true;
  }

  /**
   * After the revoking transaction committed: this instance refuses the sessions' tokens and
   * closes their sockets at once, and the call returns once the other instances have too.
   */
  async enforce(batch: RevokedBatch): Promise<void> {
    if (batch.sessions.length === 0) return;
    this.revoked.add(batch.sessions);
    await this.propagation.propagated(batch);
  }
}

import { and, gt, isNotNull } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { sessions } from '../db/schema.js';

// Clocks of instances and database may differ a little; keep revocations this much longer.
const CLOCK_SKEW_MS = 60_000;

export interface Revocation {
  id: string;
  revokedAt: Date;
}

type Listener = (sessionIds: string[]) => void;

/**
 * The sessions revoked recently enough that one of their access tokens may not have expired
 * yet, kept in memory so that checking a token stays CPU-only (no query per request). Every
 * instance learns of revocations on the event bus (see revocation-channel.ts) and reloads
 * them from the `sessions` table at start and whenever its bus connection comes back, so a
 * lost notice lets a revoked token through for no longer than the reconnection takes.
 */
export class RevokedSessions {
  /** Session id -> when the last access token it could hold expires (ms). */
  private readonly until = new Map<string, number>();
  private readonly listeners = new Set<Listener>();

  constructor(private readonly accessTokenTtlSeconds: number) {}

  has(sessionId: string): boolean {
    const until = this.until.get(sessionId);
    return until !== undefined && until > Date.now();
  }

  /** Records revocations; listeners hear of the sessions this instance did not know yet. */
  add(revocations: Revocation[]): void {
    const now = Date.now();
    const fresh: string[] = [];
    for (const { id, revokedAt } of revocations) {
      const until = revokedAt.getTime() + this.accessTokenTtlSeconds * 1000 + CLOCK_SKEW_MS;
      if (until <= now || this.until.has(id)) continue;
      this.until.set(id, until);
      fresh.push(id);
    }
    for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
    if (fresh.length) for (const listener of this.listeners) listener(fresh);
  }

  /** `listener` hears of every newly known revoked session (to close its sockets, say). */
  onRevoked(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads every revocation whose tokens may still be alive, or only those of the last
   * `withinMs` (give or take the clocks' skew); adds, never replaces.
   */
  async reload(db: DbOrTx, withinMs = this.accessTokenTtlSeconds * 1000): Promise<void> {
    const since = new Date(Date.now() - withinMs - CLOCK_SKEW_MS);
    const rows = await db
      .select({ id: sessions.id, revokedAt: sessions.revokedAt })
      .from(sessions)
      .where(and(isNotNull(sessions.revokedAt), gt(sessions.revokedAt, since)));
    this.add(rows.map((r) => ({ id: r.id, revokedAt: r.revokedAt! })));
  }
}

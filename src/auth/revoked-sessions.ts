import { and, gt, isNotNull } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { sessions } from '../db/schema.js';

/** The PostgreSQL channel on which every instance learns of revoked sessions. */
export const REVOCATIONS_CHANNEL = 'parley_session_revocations';

// Clocks of instances and database may differ a little; keep revocations this much longer.
const CLOCK_SKEW_MS = 60_000;
const ECHO_MEMORY_MS = 10_000;

export interface Revocation {
  id: string;
  revokedAt: Date;
}

type Listener = (sessionIds: string[]) => void;

/**
 * The sessions revoked recently enough that one of their access tokens may not have expired
 * yet, kept in memory so that checking a token stays CPU-only (no query per request). Every
 * instance learns of revocations through PostgreSQL NOTIFY and reloads them from the `sessions`
 * table at start and whenever its LISTEN connection comes back, so a lost notification lets a
 * revoked token through for no longer than that reconnection takes.
 */
export class RevokedSessions {
  /** Session id -> when the last access token it could hold expires (ms). */
  private readonly until = new Map<string, number>();
  private readonly listeners = new Set<Listener>();
  private readonly echoes = new Map<string, Set<() => void>>();
  /** Sessions whose notification arrived lately, for an `echoed` that asks after it came. */
  private readonly heard = new Map<string, number>();

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

  /** Reads every revocation whose tokens may still be alive; adds, never replaces. */
  async reload(db: DbOrTx): Promise<void> {
    const since = new Date(Date.now() - this.accessTokenTtlSeconds * 1000 - CLOCK_SKEW_MS);
    const rows = await db
      .select({ id: sessions.id, revokedAt: sessions.revokedAt })
      .from(sessions)
      .where(and(isNotNull(sessions.revokedAt), gt(sessions.revokedAt, since)));
    this.add(rows.map((r) => ({ id: r.id, revokedAt: r.revokedAt! })));
  }

  /** A notification on REVOCATIONS_CHANNEL (see `announceRevocations`). */
  receive(payload: string): void {
    const { ids, at } = JSON.parse(payload) as { ids: string[]; at: string };
    this.add(ids.map((id) => ({ id, revokedAt: new Date(at) })));
    const now = Date.now();
    for (const [id, heardAt] of this.heard) if (heardAt < now - ECHO_MEMORY_MS) this.heard.delete(id);
    for (const id of ids) {
      this.heard.set(id, now);
      for (const resolve of this.echoes.get(id) ?? []) resolve();
      this.echoes.delete(id);
    }
  }

  /**
   * Resolves once the notifications for these sessions came back through this instance's own
   * LISTEN connection: PostgreSQL tells every listening instance at the same moment, so by then
   * the others know too. Gives up after `timeoutMs` (the connection may be down; it reloads then).
   */
  async echoed(sessionIds: string[], timeoutMs: number): Promise<void> {
    const waiting = sessionIds.filter((id) => !this.heard.has(id));
    const resolvers: [string, () => void][] = [];
    const all = Promise.all(
      waiting.map(
        (id) =>
          new Promise<void>((resolve) => {
            resolvers.push([id, resolve]);
            this.echoes.set(id, (this.echoes.get(id) ?? new Set()).add(resolve));
          }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    for (const [id, resolve] of resolvers) {
      const set = this.echoes.get(id);
      set?.delete(resolve);
      if (set?.size === 0) this.echoes.delete(id);
    }
  }
}

import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db, DbOrTx } from '../db/client.js';
import { ChannelListener } from '../db/listener.js';
import type { Revocation, RevokedSessions } from './revoked-sessions.js';

/** The PostgreSQL channel on which instances tell each other of revoked sessions. */
export const REVOCATIONS_CHANNEL = 'parley_session_revocations';
/** Every instance's connection on the channel is named so: counting them says who must answer. */
const LISTENER_PREFIX = 'parley-revocations-';
// 100 ids of 36 characters keep a notice far below PostgreSQL's 8000-byte payload limit.
const IDS_PER_NOTICE = 100;
const ACK_MEMORY_MS = 10_000;

/** The sessions one call revoked, and the notice under which instances acknowledge them. */
export interface RevokedBatch {
  sessions: Revocation[];
  notice: string;
}

/** A notice (its last part says so: the one to acknowledge), or an acknowledgement. */
type Message = { ids: string[]; at: string; notice: string; last: boolean } | { ack: string; by: string };

/** Announces revocations in the caller's transaction: instances hear of them on commit only. */
export async function announceRevocations(tx: DbOrTx, sessions: Revocation[]): Promise<RevokedBatch> {
  const notice = randomUUID();
  for (let i = 0; i < sessions.length; i += IDS_PER_NOTICE) {
    const chunk = sessions.slice(i, i + IDS_PER_NOTICE);
    await notify(tx, { ids: chunk.map((s) => s.id), at: chunk[0]!.revokedAt.toISOString(), notice, last: i + IDS_PER_NOTICE >= sessions.length });
  }
  return { sessions, notice };
}

/** What makes a revocation take effect beyond this process (nothing, for scripts). */
export interface RevocationPropagation {
  propagated(batch: RevokedBatch): Promise<void>;
}

/**
 * One instance's end of the revocation channel. Every notice is applied to the instance's
 * RevokedSessions (which closes the sessions' sockets) and acknowledged; the instance that
 * revoked waits for the acknowledgements of every other instance on the channel, so that when
 * a logout or a revocation returns, the tokens are refused everywhere. An instance that does
 * not answer in time (its LISTEN connection lost, say) reloads from the database when it comes
 * back.
 */
export class RevocationChannel implements RevocationPropagation {
  readonly connectionName: string;
  private readonly listener: ChannelListener;
  /** Acknowledgements by notice: who answered, and the wait for them, if any. */
  private readonly acks = new Map<string, { by: Set<string>; at: number; check?: () => void }>();

  constructor(
    url: string,
    private readonly db: Db,
    private readonly revoked: RevokedSessions,
    private readonly log: Logger,
    instance: string,
    private readonly timeoutMs = 2000,
  ) {
    this.connectionName = `${LISTENER_PREFIX}${instance}`;
    this.listener = new ChannelListener(url, REVOCATIONS_CHANNEL, { onNotify: (p) => this.receive(p), onListen: () => revoked.reload(db) }, log, this.connectionName);
  }

  get connected(): boolean {
    return this.listener.connected;
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }

  async propagated(batch: RevokedBatch): Promise<void> {
    if (batch.sessions.length === 0) return;
    // The revocation has committed: from here on, trouble only means waiting for nobody.
    const expected = await this.otherInstances().catch((err: unknown) => {
      this.log.warn({ err }, 'could not count the instances to wait for');
      return 0;
    });
    const entry = this.entry(batch.notice);
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      entry.check = () => entry.by.size >= expected && resolve();
      entry.check();
      timer = setTimeout(() => {
        this.log.warn({ notice: batch.notice, expected, answered: entry.by.size }, 'not every instance acknowledged a revocation in time');
        resolve();
      }, this.timeoutMs);
    });
    clearTimeout(timer);
    this.acks.delete(batch.notice);
  }

  private async otherInstances(): Promise<number> {
    const [row] = await this.db.execute<{ n: number }>(
      sql`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name like ${`${LISTENER_PREFIX}%`} and application_name <> ${this.connectionName}`,
    );
    return row?.n ?? 0;
  }

  private receive(payload: string): void {
    const message = JSON.parse(payload) as Message;
    if ('ack' in message) {
      if (message.by === this.connectionName) return;
      const entry = this.entry(message.ack);
      entry.by.add(message.by);
      entry.check?.();
      return;
    }
    this.revoked.add(message.ids.map((id) => ({ id, revokedAt: new Date(message.at) })));
    // One transaction's notices arrive in order: after the last, all of them are applied.
    if (!message.last) return;
    notify(this.db, { ack: message.notice, by: this.connectionName }).catch((err: unknown) =>
      this.log.warn({ err }, 'could not acknowledge a revocation'),
    );
  }

  private entry(notice: string) {
    const now = Date.now();
    for (const [key, e] of this.acks) if (!e.check && e.at < now - ACK_MEMORY_MS) this.acks.delete(key);
    let entry = this.acks.get(notice);
    if (!entry) this.acks.set(notice, (entry = { by: new Set(), at: now }));
    return entry;
  }
}

async function notify(db: DbOrTx, message: Message): Promise<void> {
  await db.execute(sql`select pg_notify(${REVOCATIONS_CHANNEL}, ${JSON.stringify(message)})`);
}

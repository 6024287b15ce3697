import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, Tx } from '../db/client.js';
import { announce } from '../db/transaction.js';
import type { EventBus } from '../realtime/bus/bus.js';
import { ALL, type SignalData } from '../realtime/bus/signals.js';
import type { Revocation, RevokedSessions } from './revoked-sessions.js';

// 100 ids of 36 characters keep a notice far below PostgreSQL's 8000-byte payload limit.
const IDS_PER_NOTICE = 100;
const ACK_MEMORY_MS = 10_000;

/** The sessions one call revoked, and the notice under which instances acknowledge them. */
export interface RevokedBatch {
  sessions: Revocation[];
  notice: string;
}

/**
 * Announces revocations with the caller's transaction (src/db/transaction.ts): instances hear
 * of them on commit only, inside it (NOTIFY) or right after it (NATS).
 */
export async function announceRevocations(tx: Tx, sessions: Revocation[]): Promise<RevokedBatch> {
  const notice = randomUUID();
  for (let i = 0; i < sessions.length; i += IDS_PER_NOTICE) {
    const chunk = sessions.slice(i, i + IDS_PER_NOTICE);
    const data = { ids: chunk.map((s) => s.id), at: chunk[0]!.revokedAt.toISOString(), notice, last: i + IDS_PER_NOTICE >= sessions.length };
    await announce(tx, { kind: 'revocation', topic: ALL, data });
  }
  return { sessions, notice };
}

/** What makes a revocation take effect beyond this process (nothing, for scripts). */
export interface RevocationPropagation {
  propagated(batch: RevokedBatch): Promise<void>;
}

/**
 * One instance's end of the revocations on the event bus. Every notice is applied to the
 * instance's RevokedSessions (which closes the sessions' sockets) and acknowledged; the
 * instance that revoked waits for the acknowledgements of every other instance on the bus, so
 * that when a logout or a revocation returns, the tokens are refused everywhere. An instance
 * that does not answer in time (its bus connection lost, say) reads the revocations from the
 * database when it comes back. When the bus announces after the commit (NATS), a notice that
 * was never sent (the revoking process died in between) is found by reading the recent
 * revocations every `sweepMs`.
 */
export class RevocationChannel implements RevocationPropagation {
  /** Acknowledgements by notice: who answered, and the wait for them, if any. */
  private readonly acks = new Map<string, { by: Set<string>; at: number; check?: () => void }>();
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly db: Db,
    private readonly revoked: RevokedSessions,
    private readonly log: Logger,
    private readonly instanceId: string,
    private readonly options: { sweepMs: number; timeoutMs?: number },
  ) {
    bus.on('revocation', (notice) => this.receive(notice));
    bus.on('ack', (ack) => this.acknowledged(ack));
    bus.onReconnect(() => void this.reload(0));
  }

  /** Reads the revocations that may still matter; from then on the bus keeps them current. */
  async start(): Promise<void> {
    await this.revoked.reload(this.db);
    if (this.bus.commitHook.signalsInTransaction) return;
    this.sweep = setInterval(() => void this.reload(this.options.sweepMs), this.options.sweepMs);
    this.sweep.unref();
  }

  stop(): void {
    clearInterval(this.sweep);
  }

  async propagated(batch: RevokedBatch): Promise<void> {
    if (batch.sessions.length === 0) return;
    // The revocation has committed: from here on, trouble only means waiting for nobody.
    const expected = await this.bus.peers().catch((err: unknown) => {
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
      }, this.options.timeoutMs ?? 2000);
    });
    clearTimeout(timer);
    this.acks.delete(batch.notice);
  }

  /** Reads revocations again: all that may still matter, or those of the last `withinMs` (a sweep). */
  private async reload(withinMs: number): Promise<void> {
    await this.revoked.reload(this.db, withinMs || undefined).catch((err: unknown) => this.log.warn({ err }, 'could not read the revoked sessions'));
  }

  private receive(notice: SignalData['revocation']): void {
    this.revoked.add(notice.ids.map((id) => ({ id, revokedAt: new Date(notice.at) })));
    // One transaction's notices arrive in order: after the last, all of them are applied.
    if (!notice.last) return;
    this.bus
      .publish({ kind: 'ack', topic: ALL, data: { notice: notice.notice, by: this.instanceId } })
      .catch((err: unknown) => this.log.warn({ err }, 'could not acknowledge a revocation'));
  }

  private acknowledged(ack: SignalData['ack']): void {
    if (ack.by === this.instanceId) return;
    const entry = this.entry(ack.notice);
    entry.by.add(ack.by);
    entry.check?.();
  }

  private entry(notice: string) {
    const now = Date.now();
    for (const [key, e] of this.acks) if (!e.check && e.at < now - ACK_MEMORY_MS) this.acks.delete(key);
    let entry = this.acks.get(notice);
    if (!entry) this.acks.set(notice, (entry = { by: new Set(), at: now }));
    return entry;
  }
}

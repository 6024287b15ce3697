import type { Logger } from 'pino';
import { logSafeError } from '../common/log-safe-error.js';
import type { Db } from '../db/client.js';
import { writeLeases } from '../presence/presence.store.js';
import { publishPresence } from './presence-bus.js';
import { transaction } from '../db/transaction.js';

export interface LeaseTimes {
  leaseMs: number;
  graceMs: number;
  flushMs: number;
}

/**
 * This instance's leases on its connected users. Sockets opening and closing only mark users;
 * every `flushMs` one transaction writes what changed meanwhile (new leases, released ones) and
 * publishes the resulting changes, so a thousand sockets opening at once cost one statement,
 * and a socket closed and reopened in between costs nothing. Every third of a lease's life the
 * batch also renews the leases of every connected user, in the same statement.
 */
export class PresenceLeases {
  private readonly connected = new Set<number>();
  private opened = new Set<number>();
  private released = new Set<number>();
  private renewedAt = 0;
  private failures = 0;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly instanceId: string,
    private readonly times: LeaseTimes,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.times.flushMs);
    this.timer.unref();
  }

  /** The user's first socket on this instance opened. */
  open(userId: number): void {
    this.connected.add(userId);
    this.released.delete(userId);
    this.opened.add(userId);
  }

  /** The user's last socket on this instance closed. */
  close(userId: number): void {
    this.connected.delete(userId);
    this.opened.delete(userId);
    this.released.add(userId);
  }

  /** Nothing waits to be written (for tests and shutdown). */
  get idle(): boolean {
    return this.running === null && this.opened.size === 0 && this.released.size === 0;
  }

  /** Writes what changed since the last batch; one batch at a time. */
  flush(): Promise<void> {
    if (this.running) return this.running;
    const startedAt = Date.now();
    const renew = startedAt - this.renewedAt >= this.times.leaseMs / 3;
    if (!renew && this.opened.size === 0 && this.released.size === 0) return Promise.resolve();
    const held = renew ? [...this.connected] : [...this.opened];
    const released = [...this.released];
    if (held.length === 0 && released.length === 0) {
      this.renewedAt = startedAt;
      return Promise.resolve();
    }
    this.opened = new Set();
    this.released = new Set();
    this.running = transaction(this.db, async (tx) => {
        const changes = await writeLeases(tx, this.instanceId, { held, released }, this.times);
        await publishPresence(tx, changes);
      })
      .then(
        () => {
          if (renew) this.renewedAt = startedAt;
          this.failures = 0;
        },
        (err: unknown) => {
          // The database is away: the next batch tries again with whatever still holds.
          if (this.failures++ === 0) this.log.warn({ err: logSafeError(err) }, 'writing presence leases failed; retrying');
          for (const u of held) if (this.connected.has(u) && !this.released.has(u)) this.opened.add(u);
          for (const u of released) if (!this.connected.has(u)) this.released.add(u);
        },
      )
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** Stops the timer and writes the last batch: sockets closed by the shutdown start their grace period. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.flush();
  }
}

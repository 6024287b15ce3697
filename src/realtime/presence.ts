import type { Logger } from 'pino';
import type { PresenceConfig } from '../config.js';
import { logSafeError } from '../common/log-safe-error.js';
import type { Db } from '../db/client.js';
import { presenceChangesSince } from '../presence/presence.store.js';
import type { AsyncQueue } from './async-queue.js';
import { decodePresence } from './presence-bus.js';
import { PresenceFanout, type PresenceEventPayload } from './presence-fanout.js';
import { PresenceLeases } from './presence-leases.js';
import { PresenceSweeper } from './presence-sweeper.js';

/** Changes are re-read from this long before the LISTEN connection was lost: clocks differ a little. */
const RESYNC_MARGIN_MS = 30_000;

/** How often each instance looks for expired leases: going offline takes little longer than the grace period or the lease. */
export const sweepInterval = (config: PresenceConfig) => Math.min(5000, Math.max(250, Math.min(config.graceMs, config.leaseMs) / 4));

export interface PresenceOptions {
  /** The instance's realtime connections (lease writes, sweeps, audience reads), apart from requests'. */
  db: Db;
  instanceId: string;
  config: PresenceConfig;
  log: Logger;
}

/**
 * Presence on one instance: its leases on the users whose sockets it holds (written in batches),
 * the sweep of expired leases (any instance's), and the delivery of changes to its subscribers.
 * ONLINE while a lease of the user is live on any instance; OFFLINE once the last one expired:
 * `graceMs` after the last socket closed, or `leaseMs` after an instance stopped renewing.
 */
export class PresenceRuntime {
  readonly fanout: PresenceFanout;
  private readonly leases: PresenceLeases;
  private readonly sweeper: PresenceSweeper;

  constructor(private readonly options: PresenceOptions) {
    const { config, log } = options;
    this.leases = new PresenceLeases(options.db, options.instanceId, config, log);
    this.sweeper = new PresenceSweeper(options.db, sweepInterval(config), log);
    this.fanout = new PresenceFanout(options.db, config.coalesceMs, log);
  }

  start(): void {
    this.leases.start();
    this.sweeper.start();
  }

  /** Socket registry hooks: the user's first socket on this instance opened, their last one closed. */
  readonly sockets = {
    firstOpened: (userId: number) => this.leases.open(userId),
    lastClosed: (userId: number) => this.leases.close(userId),
  };

  /** A presence signal from the bus. */
  receive(data: { changes: unknown }): void {
    const changes = decodePresence(data);
    if (changes) this.fanout.receive(changes);
    else this.options.log.warn('unreadable presence notification');
  }

  /**
   * The bus connection was lost at `lostAt` and is back: the changes made meanwhile are read
   * from the database (those already delivered are recognised by their version and skipped).
   */
  resync(lostAt: number): void {
    presenceChangesSince(this.options.db, lostAt - RESYNC_MARGIN_MS).then(
      (changes) => this.fanout.receive(changes),
      (err: unknown) => this.options.log.warn({ err: logSafeError(err) }, 'reading missed presence changes failed'),
    );
  }

  subscribe(viewerId: number): AsyncQueue<PresenceEventPayload> {
    return this.fanout.subscribe(viewerId);
  }

  /** Nothing waits to be written or delivered here. */
  get idle(): boolean {
    return this.leases.idle && this.fanout.idle;
  }

  /** After the sockets closed: their leases start the grace period, so a deploy does not flap. */
  async stop(): Promise<void> {
    this.sweeper.stop();
    await this.leases.stop();
    this.fanout.close();
  }
}

import type { Logger } from 'pino';
import { logSafeError } from '../common/log-safe-error.js';
import type { Db } from '../db/client.js';
import { tryLockPresenceSweep } from '../db/locks.js';
import { hasExpiredLeases, sweepExpiredLeases } from '../presence/presence.store.js';
import { publishPresence } from './presence-bus.js';
import { transaction } from '../db/transaction.js';

/**
 * Every instance looks for expired leases now and then; the first to find some takes the sweep
 * lock and sends their users offline, the others skip the round. Leases of an instance that
 * died expire like any other, so its users go offline without it.
 */
export class PresenceSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private failures = 0;

  constructor(
    private readonly db: Db,
    private readonly everyMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const due = await hasExpiredLeases(this.db);
      this.failures = 0;
      if (!due) return;
      await transaction(this.db, async (tx) => {
        if (!(await tryLockPresenceSweep(tx))) return;
        await publishPresence(tx, await sweepExpiredLeases(tx));
      });
    } catch (err) {
      if (this.failures++ === 0) this.log.warn({ err: logSafeError(err) }, 'sweeping presence leases failed; retrying');
    } finally {
      this.running = false;
    }
  }
}

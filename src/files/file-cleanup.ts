import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { uploads } from '../db/schema.js';
import { keys, type FileStorage } from './storage.js';

/** A purge claimed this long ago by an instance that did not finish is taken over. */
const STALE_CLAIM = '5 minutes';
const BATCH = 200;

/**
 * Deletes files from storage, then their rows — in that order, so a failure leaves the row to
 * try again, and storage never keeps bytes that nothing points to. The periodic sweep takes the
 * files of deleted messages (and of chats or accounts that went with them) and uploads never
 * attached within the orphan age (and not before their upload URL has expired).
 */
export class FileCleanup {
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<number> | undefined;

  constructor(
    private readonly db: Db,
    private readonly storage: FileStorage,
    private readonly orphanTtlSeconds: number,
    private readonly log: Logger,
  ) {}

  async purge(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.storage.delete(ids.flatMap(keys.all));
    await this.db.delete(uploads).where(and(inArray(uploads.id, ids), eq(uploads.storage, this.storage.kind)));
  }

  /**
   * A pass that starts after this call (once the one running, if any, has ended: passes never
   * overlap on one instance); resolves with how many uploads it purged.
   */
  async sweep(): Promise<number> {
    while (this.running) await this.running.catch(() => {});
    this.running = this.sweepAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepAll(): Promise<number> {
    let total = 0;
    for (;;) {
      // Claimed in one short statement (SKIP LOCKED: a message being sent holds its uploads).
      const claimed = await this.db.execute<{ id: string }>(sql`
        update ${uploads} set purging_at = now()
        where id in (
          select id from ${uploads}
          where storage = ${this.storage.kind}
            and (purging_at is null or purging_at < now() - ${STALE_CLAIM}::interval)
            and ((message_id is null and attached_at is not null)
              -- Never while its upload URL still works: bytes PUT to a bucket later would be left behind.
              or (attached_at is null and expires_at < now() and created_at < now() - make_interval(secs => ${this.orphanTtlSeconds})))
          limit ${BATCH}
          for update skip locked)
        returning id`);
      const ids = [...claimed].map((r) => r.id);
      await this.purge(ids);
      total += ids.length;
      if (ids.length < BATCH) return total;
    }
  }

  /** Sweeps every `intervalMs` (and once soon after start); errors are logged and retried next time. */
  start(intervalMs: number): void {
    const tick = () => {
      this.sweep().then(
        (n) => n > 0 && this.log.info({ uploads: n }, 'files purged from storage'),
        (err: unknown) => this.log.warn({ err }, 'file sweep failed; retrying later'),
      );
    };
    this.timers = [setInterval(tick, intervalMs).unref(), setTimeout(tick, Math.min(intervalMs, 5000)).unref()];
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await this.running?.catch(() => {});
  }
}

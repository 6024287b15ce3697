import type { Logger } from 'pino';
import { readBatch } from '../chatlog/read.js';
import { isAfter, markPosition, positionOf, type Position } from '../chatlog/position.js';
import type { Db } from '../db/client.js';
import type { LogRow } from '../db/schema.js';
import type { Related } from '../chatlog/views.js';
import { metrics } from '../observability/metrics.js';

export interface FollowerOptions {
  batchSize: number;
  /** Read even without a wake-up this often: a lost NOTIFY costs at most this much latency. */
  sweepMs: number;
  /** Whether to read the rows entries show with them (see readBatch): while anyone here listens. */
  withRelated?: () => boolean;
  /**
   * A read and its hand-out that take longer than this have stalled: every statement they make
   * is bounded by the database's timeouts, so only a fault inside this process keeps them going.
   */
  stallMs?: number;
}

/** Called with each batch of entries, in log order, and the position they reach. */
export type OnEntries = (entries: LogRow[], reached: Position, related: Related | null) => Promise<void>;

const HELD_BACK_RETRY_MS = [5, 10, 20, 50, 100, 200];
const FAILURE_RETRY_MS = [100, 250, 500, 1000, 2000, 5000];

/**
 * An instance's reader of the chat log: from its position, it reads every final entry, in
 * order, one batch at a time, and hands each batch on before reading the next. Wake-ups (NOTIFY)
 * only make it read sooner: the log is the source of truth, so a lost wake-up, a dropped LISTEN
 * connection or a database outage costs latency, never an entry.
 */
export class LogFollower {
  private position: Position;
  private running = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private heldBackRounds = 0;
  private failures = 0;
  private readCount = 0;
  /** When the read under way (with its hand-out) began; 0 while none is. */
  private stepStartedAt = 0;
  private stallReported = false;

  constructor(
    private readonly db: Db,
    start: Position,
    private readonly onEntries: OnEntries,
    private readonly log: Logger,
    private readonly options: FollowerOptions,
  ) {
    this.position = start;
    this.sweep = setInterval(() => this.wake(), options.sweepMs);
    this.sweep.unref();
  }

  get reached(): Position {
    return this.position;
  }

  /** Reads of the log sent so far (parley_log_reads_total, for this follower alone). */
  get reads(): number {
    return this.readCount;
  }

  /** Reading now (a wake-up while it does asks for one more read behind it). */
  get busy(): boolean {
    return this.running;
  }

  /** Whether the read under way has taken longer than `stallMs`: nothing reaches subscribers here. */
  get stalled(): boolean {
    return this.stepStartedAt > 0 && Date.now() - this.stepStartedAt > (this.options.stallMs ?? Infinity);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      this.reportStall();
      return;
    }
    clearTimeout(this.timer);
    this.running = true;
    void this.pump().finally(() => {
      this.running = false;
      if (this.again) this.wake();
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.sweep);
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        this.endStall();
        this.stepStartedAt = Date.now();
        this.readCount++;
        metrics.logReads.inc();
        const batch = await readBatch(this.db, this.position, this.options.batchSize, this.options.withRelated?.() ?? false);
        const full = batch.entries.length === this.options.batchSize;
        const last = batch.entries.at(-1);
        let reached = last ? positionOf(last) : this.position;
        // Read to the end: every final entry is behind the mark, so the position may move to it.
        if (!full) reached = maxPosition(reached, markPosition(batch.highWater));
        if (batch.entries.length || isAfter(reached, this.position)) {
          await this.onEntries(batch.entries, reached, batch.related);
          this.position = reached;
        }
        if (full) this.again = true;
        else this.retryIfHeldBack(batch.heldBack);
        metrics.logEntriesRead.inc(batch.entries.length);
      } while (this.again && !this.stopped);
      if (this.failures) this.log.info({ failedReads: this.failures }, 'reading the chat log again');
      this.failures = 0;
    } catch (err) {
      // The database is away: try again, from the same position, for as long as it takes.
      const delay = FAILURE_RETRY_MS[Math.min(this.failures++, FAILURE_RETRY_MS.length - 1)]!;
      if (this.failures === 1) this.log.warn({ err: describe(err) }, 'reading the chat log failed; retrying');
      this.schedule(delay);
    } finally {
      this.endStall();
      this.stepStartedAt = 0;
    }
  }

  /** Said once per stall, when a wake-up (the sweep's, at least) finds the read still under way. */
  private reportStall(): void {
    if (this.stallReported || !this.stalled) return;
    this.stallReported = true;
    this.log.error({ stalledMs: Date.now() - this.stepStartedAt }, 'reading the chat log has stalled: no deliveries here until it ends');
  }

  private endStall(): void {
    if (this.stallReported) this.log.warn({ stalledMs: Date.now() - this.stepStartedAt }, 'reading the chat log goes on after a stall');
    this.stallReported = false;
  }

  /**
   * Committed entries wait behind an older transaction still running; nothing will wake us when
   * it ends if it writes no entry, so look again soon, backing off while it lasts.
   */
  private retryIfHeldBack(heldBack: boolean): void {
    if (!heldBack) {
      this.heldBackRounds = 0;
      return;
    }
    metrics.logHeldBack.inc();
    this.schedule(HELD_BACK_RETRY_MS[Math.min(this.heldBackRounds++, HELD_BACK_RETRY_MS.length - 1)]!);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), ms);
    this.timer.unref();
  }
}

const maxPosition = (a: Position, b: Position) => (isAfter(b, a) ? b : a);

/** Connection errors carry the failing query's parameters; log what went wrong, not the data. */
function describe(err: unknown) {
  const e = err as { code?: string; message?: string };
  return { code: e?.code, message: e?.message };
}

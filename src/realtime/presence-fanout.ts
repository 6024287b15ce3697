import type { Logger } from 'pino';
import { logSafeError } from '../common/log-safe-error.js';
import { createSharedLoaders } from '../context.js';
import type { Db } from '../db/client.js';
import { metrics } from '../observability/metrics.js';
import { sameState, type PresenceChange, type PresenceState } from '../presence/presence.model.js';
import { presenceAudience } from '../presence/presence.store.js';
import { AsyncQueue } from './async-queue.js';
import { shareAcrossSubscribers } from './event-scope.js';

/** What a `presenceChanged` subscriber receives. */
export interface PresenceEventPayload {
  userId: number;
  presence: PresenceState;
}

/** Notifications of one batch arrive one by one: wait this long to deliver them together. */
const GATHER_MS = 50;
const RETRY_MS = 1000;
/** How long a delivered state is remembered, to skip a change that came back to it. */
const REMEMBER_MS = 60_000;
/** A subscriber may hear a whole burst at once (every contact back after a restart). */
const QUEUE_LIMIT = 20_000;

/**
 * Hands presence changes to this instance's `presenceChanged` subscribers, indexed by user.
 * Coalesced: a user's changes reach subscribers at most once per `coalesceMs` (the newest wins,
 * and one that ends where the last delivered one did is dropped), and every change due at a
 * moment goes out as one batch. Audience: one statement per batch finds, among the local
 * subscribers, the accepted contacts and chat co-members of every changed user whom their
 * `lastSeen` setting and blocks allow (presence.store.ts) — read at delivery, so contacts,
 * memberships, settings and blocks are always current and nothing needs invalidating.
 */
export class PresenceFanout {
  private readonly subscribers = new Map<number, Set<AsyncQueue<PresenceEventPayload>>>();
  private count = 0;
  /** The newest change of each user not delivered yet. */
  private readonly pending = new Map<number, PresenceChange>();
  /** The last change delivered of each user, oldest delivery first. */
  private readonly delivered = new Map<number, { at: number; change: PresenceChange }>();
  private timer: NodeJS.Timeout | undefined;
  private delivering = false;
  private closed = false;
  private failures = 0;

  constructor(
    private readonly db: Db,
    private readonly coalesceMs: number,
    private readonly log: Logger,
  ) {}

  get subscriptions(): number {
    return this.count;
  }

  /** Nothing waits to be delivered. */
  get idle(): boolean {
    return this.pending.size === 0 && !this.delivering;
  }

  subscribe(userId: number): AsyncQueue<PresenceEventPayload> {
    const queue: AsyncQueue<PresenceEventPayload> = new AsyncQueue(() => this.remove(userId, queue), QUEUE_LIMIT);
    let set = this.subscribers.get(userId);
    if (!set) this.subscribers.set(userId, (set = new Set()));
    set.add(queue);
    this.count++;
    return queue;
  }

  /** Changes from any instance, in the order they were made. */
  receive(changes: PresenceChange[]): void {
    if (this.closed || this.subscribers.size === 0) return;
    for (const change of changes) {
      const newest = this.pending.get(change.userId) ?? this.delivered.get(change.userId)?.change;
      if (newest && change.version <= newest.version) continue;
      this.pending.set(change.userId, change);
    }
    this.schedule(GATHER_MS);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const set of [...this.subscribers.values()]) for (const queue of [...set]) void queue.return();
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.delivering || this.closed || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.deliver();
    }, delayMs);
    this.timer.unref();
  }

  private async deliver(): Promise<void> {
    this.delivering = true;
    const now = Date.now();
    const due: PresenceChange[] = [];
    for (const [userId, change] of this.pending) {
      const last = this.delivered.get(userId);
      if (last && now - last.at < this.coalesceMs) continue;
      this.pending.delete(userId);
      // Back where it was when last told (offline and online again within the window): nothing to tell.
      if (last && sameState(last.change.state, change.state)) last.change = change;
      else due.push(change);
    }
    let retry = false;
    try {
      if (due.length) await this.send(due);
      this.failures = 0;
    } catch (err) {
      if (this.failures++ === 0) this.log.warn({ err: logSafeError(err) }, 'presence delivery failed; retrying');
      for (const change of due) if (!this.pending.has(change.userId)) this.pending.set(change.userId, change);
      retry = true;
    } finally {
      this.delivering = false;
    }
    this.forget(Date.now() - Math.max(REMEMBER_MS, this.coalesceMs));
    this.schedule(retry ? RETRY_MS : this.untilNextDue());
  }

  private async send(due: PresenceChange[]): Promise<void> {
    const pairs = await presenceAudience(this.db, due.map((c) => c.userId), [...this.subscribers.keys()]);
    const hearers = new Map<number, number[]>();
    for (const { subject, viewer } of pairs) {
      const list = hearers.get(subject);
      if (list) list.push(viewer);
      else hearers.set(subject, [viewer]);
    }
    const at = Date.now();
    const loaders = createSharedLoaders(this.db);
    let frames = 0;
    for (const change of due) {
      // Deleted first, so the map stays in delivery order.
      this.delivered.delete(change.userId);
      this.delivered.set(change.userId, { at, change });
      const payload = shareAcrossSubscribers<PresenceEventPayload>({ userId: change.userId, presence: change.state }, loaders);
      for (const viewer of hearers.get(change.userId) ?? []) {
        for (const queue of this.subscribers.get(viewer) ?? []) {
          queue.push(payload);
          frames++;
        }
      }
    }
    if (frames) metrics.eventsDelivered.inc({ type: 'presence' }, frames);
  }

  /** When the earliest pending change may go out: at once for a user not told lately. */
  private untilNextDue(): number {
    const now = Date.now();
    let next = Infinity;
    for (const userId of this.pending.keys()) {
      const last = this.delivered.get(userId);
      next = Math.min(next, last ? last.at + this.coalesceMs : now);
      if (next <= now) break;
    }
    return Math.max(GATHER_MS, next - now);
  }

  private forget(before: number): void {
    for (const [userId, { at }] of this.delivered) {
      if (at >= before) break;
      this.delivered.delete(userId);
    }
  }

  private remove(userId: number, queue: AsyncQueue<PresenceEventPayload>): void {
    const set = this.subscribers.get(userId);
    if (!set?.delete(queue)) return;
    this.count--;
    if (set.size === 0) this.subscribers.delete(userId);
  }
}

import type { Logger } from 'pino';
import type { EntryOf, LogKind } from '../chatlog/kinds.js';
import { currentNow, readForViewer } from '../chatlog/read.js';
import { type Position } from '../chatlog/position.js';
import { primeRelated, viewEntries, type EntryView, type Related } from '../chatlog/views.js';
import { createSharedLoaders } from '../context.js';
import type { Db } from '../db/client.js';
import type { Announcements } from '../db/transaction.js';
import type { LogRow } from '../db/schema.js';
import { metrics } from '../observability/metrics.js';
import { Audience } from './audience.js';
import { BlockedUsers } from './blocks.js';
import { AsyncQueue } from './async-queue.js';
import { shareAcrossSubscribers } from './event-scope.js';
import type { EventBus } from './bus/bus.js';
import type { SignalData } from './bus/signals.js';
import { LogFeed, type FeedSpec, type ReplayPage } from './feed.js';
import { FeedIndex } from './feed-index.js';
import { Interest } from './interest.js';
import { LogFollower } from './log-follower.js';
import { TypingTimers } from './typing-timers.js';

export interface TypingPayload {
  chatId: number;
  userId: number;
  isTyping: boolean;
  at: Date;
}

interface TypingSubscriber {
  userId: number;
  chatId: number | null;
  queue: AsyncQueue<TypingPayload>;
}

export interface HubStats {
  subscriptions: number;
}

/** Subscriptions served beside the log's (presence): counted in `stats`, ended with the hub. */
export interface SideFeed {
  readonly subscriptions: number;
  close(): void;
}

export interface HubOptions {
  typingTimeoutMs: number;
  /** Reaction updates reach a subscriber at most this often (plus before other updates). */
  reactionIntervalMs?: number;
  batchSize?: number;
  /** Read the log at least this often, wake-up or not. */
  sweepMs?: number;
  /** A read of the log (with its hand-out) taking longer has stalled (see FollowerOptions). */
  stallMs?: number;
}

/**
 * Hands the chat log to this instance's subscribers. The follower reads each entry once per
 * instance; a batch's views are loaded once, with loaders its subscribers share; every entry
 * goes to exactly the users who were members of its chat at that entry, and to their
 * subscriptions of that chat or of every chat (feed-index.ts). Typing, which is not logged,
 * goes to the chat's current members.
 * The bus wakes it when entries exist and brings typing; with a bus that routes by topic, the
 * hub tells it which chats and users this instance serves (interest.ts).
 */
export class RealtimeHub {
  private readonly feeds = new FeedIndex();
  private readonly typers = new Map<number, Set<TypingSubscriber>>();
  private readonly sideFeeds: SideFeed[] = [];
  private readonly audience: Audience;
  private readonly blocks: BlockedUsers;
  private readonly interest: Interest;
  private readonly typing: TypingTimers;
  private follower: LogFollower | undefined;
  /** The position of the last batch handed out: a new feed replays up to it, then goes live. */
  private position: Position = { xid: 0, id: 0 };
  /**
   * Where the batch being handed out reaches. Its entries were matched to feeds before its views
   * were loaded, so a feed registered meanwhile is not among them: it replays up to here instead.
   */
  private handingOutTo: Position | null = null;
  /** A wake-up went unheeded (wake, ownCommit): the next subscriber has the follower read. */
  private behind = false;
  private count = 0;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly options: HubOptions,
  ) {
    this.audience = new Audience(db);
    this.blocks = new BlockedUsers(db);
    this.interest = new Interest(db, bus);
    bus.on('log', () => this.wake());
    bus.onOwnCommit((announced) => this.ownCommit(announced));
    bus.on('typing', (signal) => this.typingSignal(signal));
    // Wake-ups and typing sent while the bus was away are lost: the log has the entries.
    bus.onReconnect(() => this.wake());
    this.typing = new TypingTimers(options.typingTimeoutMs, (chatId, userId) =>
      this.deliverTyping({ chatId, userId, isTyping: false, at: new Date() }).catch((err: unknown) => this.log.error({ err }, 'typing delivery failed')),
    );
  }

  /** Whether this instance's reading of the log has stalled (for /readyz). */
  get stalled(): boolean {
    return this.follower?.stalled ?? false;
  }

  /** This instance's reads of the chat log so far. */
  get logReads(): number {
    return this.follower?.reads ?? 0;
  }

  get stats(): HubStats {
    return { subscriptions: this.sideFeeds.reduce((n, f) => n + f.subscriptions, this.count) };
  }

  attach(feed: SideFeed): void {
    this.sideFeeds.push(feed);
  }

  /** Starts following the log from `from` (where the instance joins: "now"), reading it through `reader`. */
  start(from: Position, reader: Db): void {
    this.position = from;
    this.follower = new LogFollower(reader, from, (entries, reached, related) => this.handOut(entries, reached, related), this.log, {
      batchSize: this.options.batchSize ?? 500,
      sweepMs: this.options.sweepMs ?? 1000,
      stallMs: this.options.stallMs,
      withRelated: () => !this.feeds.empty,
    });
    this.follower.wake();
  }

  /**
   * The bus said the log has new entries (or its connection came back). With nobody subscribed
   * here, nothing waits for them: the follower's sweep reads them, and the next subscriber
   * wakes it (subscribe). An instance that only answers requests then costs the database no read
   * per commit.
   */
  wake(): void {
    if (this.feeds.empty) this.behind = true;
    else this.follower?.wake();
  }

  /**
   * This instance committed: read at once if anyone subscribed here may hear of it (a user it
   * names, a member now of a chat it names whose subscriptions here take that chat's entries, or
   * a chat not loaded yet), or if the follower is reading already. Otherwise its entries come
   * with the next read, in order: another wake-up, a subscription that starts, or the sweep.
   * Whoever joins a chat is named by the commit that lets them in (openMemberships), so it wakes
   * the follower if they listen here.
   */
  private ownCommit(announced: Announcements): void {
    if (this.follower?.busy || this.mayHear(announced)) this.wake();
    else this.behind = true;
  }

  private mayHear({ chats, users }: Announcements): boolean {
    for (const userId of users) if (this.feeds.has(userId)) return true;
    for (const chatId of chats) if (this.audience.mayReach(chatId, (userId) => this.feeds.hears(userId, chatId))) return true;
    return false;
  }

  private typingSignal(signal: SignalData['typing']): void {
    if (signal.isTyping) this.typing.start(signal.chatId, signal.userId);
    else this.typing.stop(signal.chatId, signal.userId);
    this.deliverTyping({ ...signal, at: new Date(signal.at) }).catch((err: unknown) => this.log.error({ err }, 'typing delivery failed'));
  }

  /**
   * A subscription to log entries: replays those after `after` up to where live delivery
   * stands, then continues live. No gap, no duplicate: see LogFeed. Without `after` it starts
   * at the log's "now" (read.ts, Now) — not at this instance's position, which may trail it a
   * little and would hand out changes a client loading its state at this moment already has;
   * nor at the bare mark, behind which changes committed before "now" may still wait.
   */
  async subscribe<T>(userId: number, spec: FeedSpec<T>, after: Position | null): Promise<AsyncQueue<T>> {
    const now = after ? null : await currentNow(this.db);
    const start = after ?? now!.position;
    await this.blocks.track(userId);
    await this.follow(userId);
    const upTo = this.handingOutTo ?? this.position;
    const feed = new LogFeed<T>(userId, spec, start, () => this.removeFeed(feed as LogFeed), this.options.reactionIntervalMs, now);
    this.feeds.add(feed as LogFeed);
    this.count++;
    // Wake-ups went unheeded (wake, ownCommit): the follower catches up now.
    if (this.behind) {
      this.behind = false;
      this.follower?.wake();
    }
    const read: ReplayPage = async (from, to, limit) => {
      const entries = await readForViewer(this.db, userId, { after: from, upTo: to, below: to.xid + 1, chatId: spec.chatId, kinds: [...spec.kinds], limit });
      const loaders = createSharedLoaders(this.db);
      const views = await viewEntries(entries, loaders);
      for (const view of views) shareView(view, loaders);
      return views;
    };
    try {
      // The first page's failure is the subscription's own (the client is told at once); a
      // longer backlog follows it, a page at a time as the subscriber takes it.
      if (await feed.replayFirst(read, upTo)) {
        feed.replayRest(read, upTo).catch((err: unknown) => feed.queue.fail(err));
      }
    } catch (err) {
      void feed.queue.return();
      throw err;
    }
    return feed.queue;
  }

  async typingFeed(userId: number, chatId: number | null): Promise<AsyncQueue<TypingPayload>> {
    await this.blocks.track(userId);
    await this.follow(userId);
    const subscriber: TypingSubscriber = { userId, chatId, queue: new AsyncQueue(() => this.remove(this.typers, userId, subscriber)) };
    this.add(this.typers, userId, subscriber);
    return subscriber.queue;
  }

  close(): void {
    this.follower?.stop();
    this.typing.clear();
    for (const feed of this.sideFeeds) feed.close();
    for (const feed of [...this.feeds.all()]) void feed.queue.return();
    for (const set of this.typers.values()) for (const s of [...set]) void s.queue.return();
  }

  /**
   * Has the bus bring the user's chats here. Wake-ups sent before that reached no one here, so
   * the log is read once more: whatever they announced is found there.
   */
  private async follow(userId: number): Promise<void> {
    if (!this.bus.routesByTopic) return;
    await this.interest.track(userId);
    this.wake();
  }

  private async handOut(entries: LogRow[], reached: Position, related: Related | null): Promise<void> {
    this.handingOutTo = reached;
    try {
      await this.deliver(entries, reached, related);
    } finally {
      this.handingOutTo = null;
    }
  }

  private async deliver(entries: LogRow[], reached: Position, related: Related | null): Promise<void> {
    await this.audience.prepare(entries);
    this.followMemberships(entries);
    // Views are made only for entries someone here hears, once, with loaders all share, which
    // start with the rows read with the batch.
    const heard = entries.filter((e) => this.audience.of(e).some((userId) => this.feeds.has(userId)));
    const loaders = createSharedLoaders(this.db);
    if (related) primeRelated(loaders, related);
    const views = heard.length ? await viewEntries(heard, loaders) : [];
    // From here to the end nothing waits: a feed registered from now on starts at `reached`.
    // (One registered while this batch's views loaded replays up to `reached`: `handingOutTo`.)
    this.position = reached;
    const now = Date.now();
    const viewOf = new Map(views.map((v) => [v.entry.id, v]));
    for (const entry of entries) {
      if (entry.kind === 'BLOCKS_CHANGED') this.blocks.apply(entry as EntryOf<'BLOCKS_CHANGED'>);
      const view = viewOf.get(entry.id);
      if (!view) continue;
      shareView(view, loaders);
      let delivered = 0;
      for (const userId of this.audience.of(view.entry)) {
        if (this.blocks.hides(userId, view.userId)) continue;
        delivered += this.feeds.offer(userId, view);
      }
      if (delivered) {
        metrics.eventsDelivered.inc({ type: view.kind }, delivered);
        metrics.deliveryLag.observe(Math.max(0, now - view.at.getTime()) / 1000);
      }
    }
  }

  /** Memberships changed: the chats this instance watches follow its users' (see Interest). */
  private followMemberships(entries: LogRow[]): void {
    if (!this.bus.routesByTopic) return;
    const changed = new Set(entries.filter((e) => e.kind === 'CHAT_CHANGED' && e.chatId !== null).map((e) => e.chatId!));
    for (const chatId of changed) {
      this.interest.membershipChanged(chatId, this.audience.membersNow(chatId)).then(
        (watching) => watching && this.wake(),
        (err: unknown) => this.log.warn({ err, chatId }, 'could not watch a chat on the event bus'),
      );
    }
  }

  /** Typing signals, handed out one after another: a "stopped" never overtakes its "started". */
  private typingQueue: Promise<void> = Promise.resolve();

  private deliverTyping(payload: TypingPayload): Promise<void> {
    const next = this.typingQueue.then(() => this.deliverTypingNow(payload));
    this.typingQueue = next.catch(() => undefined);
    return next;
  }

  private async deliverTypingNow(payload: TypingPayload): Promise<void> {
    if (this.typers.size === 0) return;
    // Never one's own typing, nor a blocked user's: blocks as committed, as the log may not have
    // brought a block made a moment ago here yet.
    for (const userId of await this.audience.listeners(payload.chatId, payload.userId)) {
      if (userId === payload.userId || this.blocks.hides(userId, payload.userId)) continue;
      for (const s of this.typers.get(userId) ?? []) {
        if (s.chatId === null || s.chatId === payload.chatId) s.queue.push(payload);
      }
    }
  }

  private add<S>(index: Map<number, Set<S>>, userId: number, s: S): void {
    let set = index.get(userId);
    if (!set) index.set(userId, (set = new Set()));
    set.add(s);
    this.count++;
  }

  private remove<S>(index: Map<number, Set<S>>, userId: number, s: S): void {
    const set = index.get(userId);
    if (!set?.delete(s)) return;
    if (set.size === 0) index.delete(userId);
    this.removed(userId);
  }

  private removeFeed(feed: LogFeed): void {
    if (this.feeds.remove(feed)) this.removed(feed.userId);
  }

  /** A subscription of the user's ended: what the hub keeps for them goes with their last. */
  private removed(userId: number): void {
    this.count--;
    if (!this.feeds.has(userId) && !this.typers.has(userId)) {
      this.blocks.forget(userId);
      this.interest.forget(userId);
    }
  }
}

/** The view's payload objects share the batch's viewer-independent loaders. */
function shareView(view: EntryView, loaders: ReturnType<typeof createSharedLoaders>): void {
  for (const part of [view, view.message, view.receipt, view.chatEvent, view.contactEvent]) {
    if (part) shareAcrossSubscribers(part, loaders);
  }
}

export const feedKinds = (...kinds: LogKind[]): ReadonlySet<LogKind> => new Set(kinds);

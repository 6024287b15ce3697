import DataLoader from 'dataloader';
import { and, eq, inArray, max, sql } from 'drizzle-orm';
import { alignByKey } from '../common/batch.js';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { chatParticipants, chats, messages, type ChatRow, type MessageRow } from '../db/schema.js';
import { AsyncQueue } from './async-queue.js';
import { createSharedLoaders } from '../context.js';
import { metrics } from '../observability/metrics.js';
import { shareAcrossSubscribers } from './event-scope.js';
import type { ChatEventKind, ContactEventKind, ContactSnapshot, Published, RealtimeEvent } from './events.js';
import { MembershipCache } from './memberships.js';
import { MessageFeed } from './message-feed.js';
import { TypingTimers } from './typing-timers.js';

export interface TypingPayload {
  chatId: number;
  userId: number;
  isTyping: boolean;
  at: Date;
}
export interface ReadPayload {
  chatId: number;
  userId: number;
  lastReadMessageId: number | null;
  readAt: Date | null;
}
export interface ChatEventPayload {
  kind: ChatEventKind;
  chat: ChatRow;
  userId: number;
}
export interface ContactEventPayload {
  kind: ContactEventKind;
  contact: Omit<ContactSnapshot, 'createdAt' | 'updatedAt'> & { createdAt: Date; updatedAt: Date };
}

interface Subscriber<T> {
  userId: number;
  chatId: number | null;
  queue: AsyncQueue<T>;
}

export interface HubStats {
  subscriptions: number;
}

/**
 * Routes events from the bridge to this instance's subscribers. Events are handled one at a
 * time in arrival (commit) order; each row is loaded once per event, and every delivery is
 * authorised against the chat's membership at that moment.
 */
export class RealtimeHub {
  private readonly feeds = new Set<MessageFeed>();
  private readonly reads = new Set<Subscriber<ReadPayload>>();
  private readonly typers = new Set<Subscriber<TypingPayload>>();
  private readonly chatWatchers = new Set<Subscriber<ChatEventPayload>>();
  private readonly contactWatchers = new Set<Subscriber<ContactEventPayload>>();
  private readonly memberships: MembershipCache;
  private readonly messageRows: DataLoader<number, MessageRow | null>;
  private readonly typing: TypingTimers;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    options: { typingTimeoutMs: number },
  ) {
    this.memberships = new MembershipCache(db);
    this.messageRows = new DataLoader(
      async (ids) => alignByKey(ids, await db.select().from(messages).where(inArray(messages.id, [...ids])), (m) => m.id),
      { cache: false },
    );
    this.typing = new TypingTimers(options.typingTimeoutMs, (chatId, userId) =>
      this.enqueue(() => this.deliverTyping({ chatId, userId, isTyping: false, at: new Date() })),
    );
  }

  get stats(): HubStats {
    return { subscriptions: this.feeds.size + this.reads.size + this.typers.size + this.chatWatchers.size + this.contactWatchers.size };
  }

  /** From the bridge: queue the event behind the ones before it. */
  receive(event: Published): void {
    // Rows are fetched as events arrive, batched across a burst, while delivery keeps their order.
    const row = event.type === 'message.added' && this.feeds.size > 0 ? this.messageRows.load(event.messageId) : undefined;
    // Its failure is handled where delivery awaits it; until then it must not count as unhandled.
    row?.catch(() => {});
    this.enqueue(async () => {
      await this.handle(event, row);
      metrics.deliveryLag.observe(Math.max(0, Date.now() - event.ts) / 1000);
    });
  }

  private enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch((err: unknown) => this.log.error({ err }, 'event delivery failed'));
  }

  /** From the bridge, after the LISTEN connection came back: re-read what may have been missed. */
  recover(): void {
    this.memberships.clear();
    for (const feed of this.feeds) {
      feed.catchUp().catch((err: unknown) => {
        this.log.error({ err }, 'message feed recovery failed');
        feed.queue.fail(new Error('Lost events could not be recovered; subscribe again'));
      });
    }
  }

  /** `messageAdded`: replays stored messages after `after` (when given), then goes live. */
  async messageFeed(userId: number, chatId: number | null, after: number | null): Promise<AsyncQueue<MessageRow>> {
    const since = after ?? (await this.newestMessageId());
    const feed: MessageFeed = new MessageFeed(userId, chatId, since, (marks, from, limit) => this.readSince(userId, chatId, marks, from, limit), () =>
      this.feeds.delete(feed),
    );
    this.feeds.add(feed);
    try {
      await feed.catchUp();
    } catch (err) {
      void feed.queue.return();
      throw err;
    }
    return feed.queue;
  }

  readFeed(userId: number, chatId: number | null) {
    return this.watch(this.reads, userId, chatId);
  }

  typingFeed(userId: number, chatId: number | null) {
    return this.watch(this.typers, userId, chatId);
  }

  chatFeed(userId: number) {
    return this.watch(this.chatWatchers, userId, null);
  }

  contactFeed(userId: number) {
    return this.watch(this.contactWatchers, userId, null);
  }

  close(): void {
    this.typing.clear();
    for (const set of [this.feeds, this.reads, this.typers, this.chatWatchers, this.contactWatchers]) {
      for (const s of [...set]) void s.queue.return();
    }
  }

  private watch<T>(set: Set<Subscriber<T>>, userId: number, chatId: number | null): AsyncQueue<T> {
    const subscriber: Subscriber<T> = { userId, chatId, queue: new AsyncQueue<T>(() => set.delete(subscriber)) };
    set.add(subscriber);
    return subscriber.queue;
  }

  private async handle(event: RealtimeEvent, prefetched?: Promise<MessageRow | null>): Promise<void> {
    switch (event.type) {
      case 'message.added': {
        if (this.feeds.size === 0) return;
        const members = await this.memberships.members(event.chatId);
        const targets = [...this.feeds].filter((f) => (f.chatId === null || f.chatId === event.chatId) && members.has(f.userId));
        if (targets.length === 0) return;
        const row = await (prefetched ?? this.messageRows.load(event.messageId));
        if (!row) return;
        return this.handOut(event.type, row, targets.map((feed) => (message: MessageRow) => feed.deliver(message)));
      }
      case 'message.read': {
        if (this.reads.size === 0) return;
        const payload: ReadPayload = { ...event, readAt: new Date(event.readAt) };
        return this.fanOut(this.reads, event.type, event.chatId, payload, await this.memberships.members(event.chatId));
      }
      case 'typing': {
        const payload: TypingPayload = { ...event, at: new Date(event.at) };
        if (event.isTyping) this.typing.start(event.chatId, event.userId);
        else this.typing.stop(event.chatId, event.userId);
        return this.deliverTyping(payload);
      }
      case 'chat.updated': {
        this.memberships.invalidate(event.chatId);
        if (this.chatWatchers.size === 0) return;
        const [chat] = await this.db.select().from(chats).where(eq(chats.id, event.chatId));
        if (!chat) return;
        const audience = new Set(await this.memberships.members(event.chatId));
        // The one removed (or who left) hears of it too.
        audience.add(event.userId);
        return this.fanOut(this.chatWatchers, event.type, null, { kind: event.kind, chat, userId: event.userId }, audience);
      }
      case 'contact.updated': {
        const contact = { ...event.contact, createdAt: new Date(event.contact.createdAt), updatedAt: new Date(event.contact.updatedAt) };
        return this.fanOut(this.contactWatchers, event.type, null, { kind: event.kind, contact }, new Set([event.ownerId]));
      }
    }
  }

  private async deliverTyping(payload: TypingPayload): Promise<void> {
    if (this.typers.size === 0) return;
    return this.memberships.members(payload.chatId).then((members) => {
      // Never one's own typing.
      const audience = new Set([...members].filter((id) => id !== payload.userId));
      return this.fanOut(this.typers, 'typing', payload.chatId, payload, audience);
    });
  }

  private fanOut<T extends object>(set: Set<Subscriber<T>>, type: string, chatId: number | null, payload: T, audience: Set<number>): void {
    const targets = [...set].filter((s) => audience.has(s.userId) && (chatId === null || s.chatId === null || s.chatId === chatId));
    this.handOut(type, payload, targets.map((s) => (p: T) => s.queue.push(p)));
  }

  /** Gives one payload to its subscribers, who share the viewer-independent loaders for it. */
  private handOut<T extends object>(type: string, payload: T, targets: ((payload: T) => void)[]): void {
    if (targets.length === 0) return;
    shareAcrossSubscribers(payload, createSharedLoaders(this.db));
    for (const give of targets) give(payload);
    metrics.eventsDelivered.inc({ type }, targets.length);
  }

  private async newestMessageId(): Promise<number> {
    const [row] = await this.db.select({ id: max(messages.id) }).from(messages);
    return row?.id ?? 0;
  }

  /** Stored messages past the feed's marks, in chats the user belongs to now. */
  private readSince(userId: number, chatId: number | null, marks: ReadonlyMap<number, number>, since: number, limit: number) {
    const markedChats = [...marks.keys()];
    const markValues = [...marks.values()];
    const mark = markedChats.length
      ? sql`coalesce((select k.mark from unnest(${sql.param(markedChats)}::int[], ${sql.param(markValues)}::bigint[]) as k(chat_id, mark) where k.chat_id = ${messages.chatId}), ${since})`
      : sql`${since}`;
    return this.db
      .select({ message: messages })
      .from(messages)
      .innerJoin(chatParticipants, and(eq(chatParticipants.chatId, messages.chatId), eq(chatParticipants.userId, userId)))
      .where(and(chatId === null ? undefined : eq(messages.chatId, chatId), sql`${messages.id} > ${mark}`))
      .orderBy(messages.id)
      .limit(limit)
      .then((rows) => rows.map((r) => r.message));
  }
}

import type { LogFeed } from './feed.js';

/** One user's feeds: those of every chat, and those of one chat each, by chat. */
interface UserFeeds {
  everyChat: Set<LogFeed>;
  byChat: Map<number, Set<LogFeed>>;
}

/**
 * The hub's feeds by user, and within a user by the chat a feed is limited to. An entry of a
 * chat reaches only the feeds that can take it: a user following ten chats one subscription
 * each is offered an entry by one of them, not ten.
 */
export class FeedIndex {
  private readonly users = new Map<number, UserFeeds>();

  /** No feed at all. */
  get empty(): boolean {
    return this.users.size === 0;
  }

  has(userId: number): boolean {
    return this.users.has(userId);
  }

  /** Whether the user has a feed that takes a chat's entries: of every chat, or of this one. */
  hears(userId: number, chatId: number): boolean {
    const mine = this.users.get(userId);
    return mine !== undefined && (mine.everyChat.size > 0 || mine.byChat.has(chatId));
  }

  add(feed: LogFeed): void {
    let mine = this.users.get(feed.userId);
    if (!mine) this.users.set(feed.userId, (mine = { everyChat: new Set(), byChat: new Map() }));
    const chatId = feed.spec.chatId;
    if (chatId === null) return void mine.everyChat.add(feed);
    let chat = mine.byChat.get(chatId);
    if (!chat) mine.byChat.set(chatId, (chat = new Set()));
    chat.add(feed);
  }

  /** False when the feed was not here (removed before). */
  remove(feed: LogFeed): boolean {
    const mine = this.users.get(feed.userId);
    if (!mine) return false;
    const chatId = feed.spec.chatId;
    const set = chatId === null ? mine.everyChat : mine.byChat.get(chatId);
    if (!set?.delete(feed)) return false;
    if (chatId !== null && set.size === 0) mine.byChat.delete(chatId);
    if (mine.everyChat.size === 0 && mine.byChat.size === 0) this.users.delete(feed.userId);
    return true;
  }

  /** Offers `view` to the user's feeds that can take an entry of its chat; how many took it. */
  offer(userId: number, view: Parameters<LogFeed['offer']>[0]): number {
    const mine = this.users.get(userId);
    if (!mine) return 0;
    let taken = 0;
    for (const feed of mine.everyChat) if (feed.offer(view)) taken++;
    const chat = view.chatId === null ? undefined : mine.byChat.get(view.chatId);
    if (chat) for (const feed of chat) if (feed.offer(view)) taken++;
    return taken;
  }

  *all(): IterableIterator<LogFeed> {
    for (const mine of this.users.values()) {
      yield* mine.everyChat;
      for (const set of mine.byChat.values()) yield* set;
    }
  }
}

import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { chatParticipants } from '../db/schema.js';

const MAX_CACHED_CHATS = 10_000;

/**
 * Who belongs to each chat, cached per instance for authorising deliveries. Chat events
 * invalidate their chat; a lost LISTEN connection clears everything (events may be missed).
 */
export class MembershipCache {
  private readonly cache = new Map<number, Promise<Set<number>>>();

  constructor(private readonly db: Db) {}

  members(chatId: number): Promise<Set<number>> {
    let entry = this.cache.get(chatId);
    if (!entry) {
      if (this.cache.size >= MAX_CACHED_CHATS) this.cache.clear();
      entry = this.db
        .select({ userId: chatParticipants.userId })
        .from(chatParticipants)
        .where(eq(chatParticipants.chatId, chatId))
        .then((rows) => new Set(rows.map((r) => r.userId)));
      this.cache.set(chatId, entry);
      entry.catch(() => this.cache.delete(chatId));
    }
    return entry;
  }

  invalidate(chatId: number): void {
    this.cache.delete(chatId);
  }

  clear(): void {
    this.cache.clear();
  }
}

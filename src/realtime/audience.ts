import { and, eq, inArray, not } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { chatMemberships, chatParticipants, type LogRow, type MembershipRow } from '../db/schema.js';
import { hasBlocked } from '../contacts/blocks.js';

const MAX_CACHED_CHATS = 10_000;

/**
 * Who hears an entry: the members of its chat at that entry, from the membership periods. The
 * periods say when each membership began and ended in log positions, so an answer read at any
 * time is right for any entry; the cache only has to know every period that exists, and a batch
 * that changes a chat's membership reloads that chat before anything in it is delivered.
 */
export class Audience {
  private readonly periods = new Map<number, MembershipRow[]>();

  constructor(
    private readonly db: Db,
    private readonly maxCachedChats = MAX_CACHED_CHATS,
  ) {}

  /** Loads the periods a batch needs. */
  async prepare(entries: LogRow[]): Promise<void> {
    let stale = new Set<number>();
    for (const e of entries) {
      if (e.chatId !== null && (e.kind === 'CHAT_CHANGED' || !this.periods.has(e.chatId))) stale.add(e.chatId);
    }
    if (stale.size === 0) return;
    if (this.periods.size + stale.size > this.maxCachedChats) {
      // Starting afresh forgets the batch's other chats too: they are loaded again with the rest.
      this.periods.clear();
      stale = new Set(entries.flatMap((e) => (e.chatId === null ? [] : [e.chatId])));
    }
    const rows = await this.db.select().from(chatMemberships).where(inArray(chatMemberships.chatId, [...stale]));
    for (const chatId of stale) this.periods.set(chatId, []);
    for (const row of rows) this.periods.get(row.chatId)!.push(row);
  }

  /** The users who hear an entry (after `prepare` for its batch). */
  of(entry: LogRow): number[] {
    if (entry.chatId === null) return entry.userId === null ? [] : [entry.userId];
    const periods = this.periods.get(entry.chatId) ?? [];
    return periods.filter((p) => p.fromLogId <= entry.id && (p.untilLogId === null || entry.id <= p.untilLogId)).map((p) => p.userId);
  }

  /**
   * Whether a new entry of the chat may reach someone `listening`: true unless the chat is loaded
   * and none of its members now (as far as this instance has read) is.
   */
  mayReach(chatId: number, listening: (userId: number) => boolean): boolean {
    const periods = this.periods.get(chatId);
    return periods === undefined || periods.some((p) => p.untilLogId === null && listening(p.userId));
  }

  /** Members now, as far as this instance has read, of a chat `prepare` has loaded. */
  membersNow(chatId: number): Set<number> {
    return new Set((this.periods.get(chatId) ?? []).filter((p) => p.untilLogId === null).map((p) => p.userId));
  }

  /**
   * Who may hear `actorId` in a chat now, as committed: its members, less those who have blocked
   * the actor. For typing, which is not logged: not the periods and blocks this instance has
   * read, which trail the log's high-water mark, so that a member removed or a block made a
   * moment ago lets nothing more through.
   */
  async listeners(chatId: number, actorId: number): Promise<number[]> {
    const rows = await this.db
      .select({ userId: chatParticipants.userId })
      .from(chatParticipants)
      .where(and(eq(chatParticipants.chatId, chatId), not(hasBlocked(chatParticipants.userId, actorId))));
    return rows.map((r) => r.userId);
  }
}

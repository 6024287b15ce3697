import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { chatMemberships } from '../db/schema.js';
import type { EventBus } from './bus/bus.js';

/**
 * Which chats and users this instance must hear of, when the bus routes by topic (NATS): the
 * users it serves (their contact entries, blocks, and the chats they join) and every chat
 * those users belong to now. A user's chats are loaded when their first subscription here
 * starts, kept current from the log's membership changes, and dropped with their last
 * subscription. Interest only decides who is woken: a missing one delays entries by the sweep
 * at most (entries are read from the log) and loses that chat's typing, an extra one costs a
 * needless wake-up.
 */
export class Interest {
  /** The chats watched for each local user, once loaded. */
  private readonly chatsOf = new Map<number, Set<number>>();
  /** The local users who are members of each watched chat. */
  private readonly localMembers = new Map<number, Set<number>>();
  private readonly loading = new Map<number, Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
  ) {}

  /** Watches the user and their chats; resolves once the bus delivers them here. */
  track(userId: number): Promise<void> {
    if (!this.bus.routesByTopic) return Promise.resolve();
    let loading = this.loading.get(userId);
    if (!loading) {
      this.chatsOf.set(userId, new Set());
      loading = this.load(userId);
      this.loading.set(userId, loading);
      // A failed load is retried by the user's next subscription.
      loading.catch(() => this.forget(userId));
    }
    return loading;
  }

  forget(userId: number): void {
    const chats = this.chatsOf.get(userId);
    if (!chats) return;
    for (const chatId of chats) this.leave(userId, chatId);
    this.chatsOf.delete(userId);
    this.loading.delete(userId);
    this.bus.unwatch({ user: userId });
  }

  /**
   * A chat's membership changed (`members`: who belongs to it now). Resolves with whether a
   * chat is newly watched: its wake-ups reach this instance from then on, and the caller reads
   * the log once more for what was committed before.
   */
  async membershipChanged(chatId: number, members: ReadonlySet<number>): Promise<boolean> {
    if (!this.bus.routesByTopic) return false;
    for (const userId of [...(this.localMembers.get(chatId) ?? [])]) if (!members.has(userId)) this.leave(userId, chatId);
    const joins: Promise<boolean>[] = [];
    for (const userId of members) if (this.chatsOf.has(userId) && !this.chatsOf.get(userId)!.has(chatId)) joins.push(this.join(userId, chatId));
    return (await Promise.all(joins)).some(Boolean);
  }

  private async load(userId: number): Promise<void> {
    // Changes committed while this runs are handed out later and applied on top (see the hub).
    const rows = await this.db
      .select({ chatId: chatMemberships.chatId })
      .from(chatMemberships)
      .where(and(eq(chatMemberships.userId, userId), isNull(chatMemberships.untilLogId)));
    if (!this.chatsOf.has(userId)) return;
    await Promise.all([this.bus.watch({ user: userId }), ...rows.map((r) => this.join(userId, r.chatId))]);
  }

  private async join(userId: number, chatId: number): Promise<boolean> {
    this.chatsOf.get(userId)!.add(chatId);
    let members = this.localMembers.get(chatId);
    if (!members) this.localMembers.set(chatId, (members = new Set()));
    members.add(userId);
    if (members.size > 1) return false;
    await this.bus.watch({ chat: chatId });
    return true;
  }

  private leave(userId: number, chatId: number): void {
    this.chatsOf.get(userId)?.delete(chatId);
    const members = this.localMembers.get(chatId);
    if (!members?.delete(userId) || members.size > 0) return;
    this.localMembers.delete(chatId);
    this.bus.unwatch({ chat: chatId });
  }
}

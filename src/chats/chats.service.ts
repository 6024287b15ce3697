import { and, asc, desc, eq, inArray, lt } from 'drizzle-orm';
import { ChatEventKind } from '../chatlog/kinds.js';
import { appendChatEntry, closeMembership, openMemberships } from '../chatlog/write.js';
import { blockedAmong } from '../contacts/blocks.js';
import { badInput, notFound } from '../common/errors.js';
import { parseIntId, parseIntIds } from '../common/ids.js';
import { pageWindow, toPage, type Page, type WindowArgs } from '../common/pagination.js';
import { validate } from '../common/validation.js';
import type { Db, Tx } from '../db/client.js';
import type { RateLimits } from '../limits/rate-limits.js';
import { chatParticipants, chats, users, type ChatRow } from '../db/schema.js';
import { appendMessage } from '../messages/message-log.js';
import { settleReadState } from '../messages/read-state.js';
import { requireAudience } from '../users/privacy.js';
import { lockAsMember, requireGroup, requireGroupOwner, requireMember } from './chat-access.js';
import { CHAT_PAGE, directKey, groupName, listNames, MAX_GROUP_SIZE, participantIdsRule } from './chat.rules.js';
import { transaction } from '../db/transaction.js';

export class ChatsService {
  constructor(private readonly db: Db, private readonly limits: RateLimits) {}

  async get(viewerId: number, chatIdArg: string): Promise<ChatRow> {
    return (await requireMember(this.db, parseIntId(chatIdArg, 'id'), viewerId)).chat;
  }

  /** The viewer's chats, newest activity first. */
  async list(viewerId: number, args: WindowArgs): Promise<Page<ChatRow>> {
    if (args.last != null || args.before != null) throw badInput(args.last != null ? 'last' : 'before', 'chats pages forwards only');
    const window = pageWindow(args, CHAT_PAGE);
    const rows = await this.db
      .select({ chat: chats })
      .from(chats)
      .innerJoin(chatParticipants, and(eq(chatParticipants.chatId, chats.id), eq(chatParticipants.userId, viewerId)))
      .where(window.cursor === null ? undefined : lt(chats.activitySeq, window.cursor))
      .orderBy(desc(chats.activitySeq))
      .limit(window.limit + 1);
    return toPage(rows.map((r) => r.chat), window, (c) => c.activitySeq, CHAT_PAGE.kind);
  }

  /**
   * Idempotent: one direct chat per pair, kept unique by the database even under races. A new
   * one needs the other user's `directMessages` setting to allow the viewer; one that exists
   * keeps working whatever the settings say now.
   */
  async createDirect(viewerId: number, userIdArg: string): Promise<ChatRow> {
    const otherId = parseIntId(userIdArg, 'userId');
    if (otherId === viewerId) throw badInput('userId', 'A direct chat needs another user');
    return transaction(this.db, async (tx) => {
      await this.requireReachable(tx, viewerId, [otherId]);
      const key = directKey(viewerId, otherId);
      const [existing] = await tx.select().from(chats).where(eq(chats.directKey, key));
      if (existing) return existing;
      await requireAudience(tx, viewerId, [otherId], 'privacyDirectMessages', 'direct chats');
      const [created] = await tx.insert(chats).values({ isGroup: false, directKey: key }).onConflictDoNothing({ target: chats.directKey }).returning();
      if (!created) {
        // The other side created it meanwhile.
        const [theirs] = await tx.select().from(chats).where(eq(chats.directKey, key));
        return theirs!;
      }
      await tx.insert(chatParticipants).values([
        { chatId: created.id, userId: viewerId },
        { chatId: created.id, userId: otherId },
      ]);
      await this.announce(tx, ChatEventKind.CREATED, created.id, viewerId, [viewerId, otherId]);
      return created;
    });
  }

  async createGroup(viewerId: number, nameArg: string, participantIdsArg: readonly string[]): Promise<ChatRow> {
    await this.limits.consume('groupAdd', viewerId, participantIdsArg.length);
    const name = validate(groupName, nameArg, 'name');
    const memberIds = validate(participantIdsRule, parseIntIds(participantIdsArg, 'participantIds').filter((id) => id !== viewerId), 'participantIds');
    return transaction(this.db, async (tx) => {
      const names = await this.requireReachable(tx, viewerId, memberIds);
      await requireAudience(tx, viewerId, memberIds, 'privacyGroupAdds', 'group adds');
      const [chat] = await tx.insert(chats).values({ isGroup: true, name }).returning();
      await tx.insert(chatParticipants).values([
        { chatId: chat!.id, userId: viewerId, role: 'OWNER' as const },
        ...memberIds.map((userId) => ({ chatId: chat!.id, userId, role: 'MEMBER' as const })),
      ]);
      await this.announce(tx, ChatEventKind.CREATED, chat!.id, viewerId, [viewerId, ...memberIds]);
      const actor = await this.nameOf(tx, viewerId);
      await this.systemMessage(tx, chat!.id, viewerId, `${actor} created the group "${name}"`);
      if (memberIds.length) await this.systemMessage(tx, chat!.id, viewerId, `${actor} added ${listNames(memberIds.map((id) => names.get(id)!))}`);
      return (await this.reload(tx, chat!.id))!;
    });
  }

  async rename(viewerId: number, chatIdArg: string, nameArg: string): Promise<ChatRow> {
    const chatId = parseIntId(chatIdArg, 'chatId');
    const name = validate(groupName, nameArg, 'name');
    return transaction(this.db, async (tx) => {
      requireGroupOwner(await lockAsMember(tx, chatId, viewerId));
      await tx.update(chats).set({ name }).where(eq(chats.id, chatId));
      await this.announce(tx, ChatEventKind.RENAMED, chatId, viewerId);
      await this.systemMessage(tx, chatId, viewerId, `${await this.nameOf(tx, viewerId)} renamed the group to "${name}"`);
      return (await this.reload(tx, chatId))!;
    });
  }

  async addParticipants(viewerId: number, chatIdArg: string, userIdsArg: readonly string[]): Promise<ChatRow> {
    await this.limits.consume('groupAdd', viewerId, userIdsArg.length);
    const chatId = parseIntId(chatIdArg, 'chatId');
    const requested = parseIntIds(userIdsArg, 'userIds');
    if (requested.length === 0) throw badInput('userIds', 'userIds must not be empty');
    return transaction(this.db, async (tx) => {
      const membership = await lockAsMember(tx, chatId, viewerId);
      requireGroupOwner(membership);
      const { chat } = membership;
      const current = await tx.select({ userId: chatParticipants.userId }).from(chatParticipants).where(eq(chatParticipants.chatId, chatId));
      const present = new Set(current.map((p) => p.userId));
      const added = requested.filter((id) => !present.has(id));
      if (added.length === 0) return chat;
      if (present.size + added.length > MAX_GROUP_SIZE) throw badInput('userIds', `A group holds at most ${MAX_GROUP_SIZE} participants`);
      const names = await this.requireReachable(tx, viewerId, added);
      await requireAudience(tx, viewerId, added, 'privacyGroupAdds', 'group adds');
      // History before joining does not count as unread for newcomers.
      await tx.insert(chatParticipants).values(added.map((userId) => ({ chatId, userId, lastReadMessageId: chat.lastMessageId })));
      for (const userId of added) await this.announce(tx, ChatEventKind.PARTICIPANT_ADDED, chatId, userId, [userId]);
      await this.systemMessage(tx, chatId, viewerId, `${await this.nameOf(tx, viewerId)} added ${listNames(added.map((id) => names.get(id)!))}`);
      return (await this.reload(tx, chatId))!;
    });
  }

  async removeParticipant(viewerId: number, chatIdArg: string, userIdArg: string): Promise<ChatRow> {
    const chatId = parseIntId(chatIdArg, 'chatId');
    const userId = parseIntId(userIdArg, 'userId');
    if (userId === viewerId) throw badInput('userId', 'Use leaveChat to leave a chat');
    return transaction(this.db, async (tx) => {
      requireGroupOwner(await lockAsMember(tx, chatId, viewerId));
      const [removed] = await tx
        .delete(chatParticipants)
        .where(and(eq(chatParticipants.chatId, chatId), eq(chatParticipants.userId, userId)))
        .returning();
      if (!removed) throw notFound('Participant');
      await settleReadState(tx, chatId, removed.lastReadMessageId ?? 0);
      await this.announce(tx, ChatEventKind.PARTICIPANT_REMOVED, chatId, userId, [], [userId]);
      await this.systemMessage(tx, chatId, viewerId, `${await this.nameOf(tx, viewerId)} removed ${await this.nameOf(tx, userId)}`);
      return (await this.reload(tx, chatId))!;
    });
  }

  /**
   * Any member may leave a group; an owner who leaves hands ownership to the longest-standing
   * member. The last one out deletes the group and its history; the log keeps only that they left.
   */
  async leave(viewerId: number, chatIdArg: string): Promise<boolean> {
    const chatId = parseIntId(chatIdArg, 'chatId');
    return transaction(this.db, async (tx) => {
      const membership = await lockAsMember(tx, chatId, viewerId);
      requireGroup(membership);
      await tx.delete(chatParticipants).where(eq(chatParticipants.id, membership.participant.id));
      const [heir] = await tx
        .select()
        .from(chatParticipants)
        .where(eq(chatParticipants.chatId, chatId))
        .orderBy(asc(chatParticipants.joinedAt), asc(chatParticipants.id))
        .limit(1);
      if (heir) await settleReadState(tx, chatId, membership.participant.lastReadMessageId ?? 0);
      if (heir && membership.participant.role === 'OWNER') {
        await tx.update(chatParticipants).set({ role: 'OWNER' }).where(eq(chatParticipants.id, heir.id));
      }
      await this.announce(tx, ChatEventKind.PARTICIPANT_LEFT, chatId, viewerId, [], [viewerId]);
      if (heir) await this.systemMessage(tx, chatId, viewerId, `${await this.nameOf(tx, viewerId)} left`);
      else await tx.delete(chats).where(eq(chats.id, chatId));
      return true;
    });
  }

  /** Users must exist and have no block with the viewer (either way); answers their first names. */
  private async requireReachable(tx: Tx, viewerId: number, ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await tx.select({ id: users.id, firstname: users.firstname }).from(users).where(inArray(users.id, ids));
    const blocked = await blockedAmong(tx, viewerId, ids);
    // A block is not revealed: to the blocked side the other user simply is not there.
    if (rows.length !== ids.length || blocked.size > 0) throw notFound('User');
    return new Map(rows.map((r) => [r.id, r.firstname]));
  }

  private async nameOf(tx: Tx, userId: number): Promise<string> {
    const [row] = await tx.select({ firstname: users.firstname }).from(users).where(eq(users.id, userId));
    return row?.firstname ?? 'Someone';
  }

  private systemMessage(tx: Tx, chatId: number, actorId: number, content: string) {
    return appendMessage(tx, { chatId, senderId: actorId, content, messageType: 'SYSTEM' });
  }

  /**
   * Logs a change to the chat, and the memberships it opens or closes at that very entry: the
   * ones let in hear it and everything after; the ones let out hear it and nothing after. It
   * goes before the change's SYSTEM message, which then reaches exactly the new membership.
   */
  private async announce(tx: Tx, kind: ChatEventKind, chatId: number, userId: number, joining: number[] = [], leaving: number[] = []) {
    const entry = await appendChatEntry(tx, chatId, { kind: 'CHAT_CHANGED', userId, data: { kind } });
    await openMemberships(tx, chatId, joining, entry.id);
    if (leaving.length) await closeMembership(tx, chatId, leaving, entry.id);
  }

  private async reload(tx: Tx, chatId: number) {
    const [chat] = await tx.select().from(chats).where(eq(chats.id, chatId));
    return chat;
  }
}

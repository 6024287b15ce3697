import { and, asc, desc, eq, gt, lt, lte, sql } from 'drizzle-orm';
import { requireMember } from '../chats/chat-access.js';
import { conflict, isUniqueViolation, notFound } from '../common/errors.js';
import { parseId, parseIntId } from '../common/ids.js';
import { pageWindow, toPage, type Page, type WindowArgs } from '../common/pagination.js';
import { validate } from '../common/validation.js';
import type { Db, DbOrTx } from '../db/client.js';
import type { RateLimits } from '../limits/rate-limits.js';
import { chatParticipants, messages, type MessageRow } from '../db/schema.js';
import { publish } from '../realtime/events.js';
import { appendMessage } from './message-log.js';
import { MESSAGE_PAGE, sendMessageRules } from './message.rules.js';

export interface SendMessageData {
  chatId: string;
  content: string;
  messageType: string;
  clientMessageId?: string | null;
}

export interface ReadReceiptData {
  chatId: number;
  userId: number;
  lastReadMessageId: number | null;
  readAt: Date | null;
}

export class MessagesService {
  constructor(private readonly db: Db, private readonly limits: RateLimits) {}

  async send(viewerId: number, input: SendMessageData): Promise<MessageRow> {
    await this.limits.consume('message', viewerId);
    const chatId = parseIntId(input.chatId, 'chatId');
    const data = validate(sendMessageRules, input);
    try {
      return await this.db.transaction(async (tx) => {
        await requireMember(tx, chatId, viewerId, { lock: true });
        if (data.clientMessageId) {
          const earlier = await this.findByClientId(tx, viewerId, data.clientMessageId);
          if (earlier) return sameChatOrConflict(earlier, chatId);
        }
        return appendMessage(tx, { chatId, senderId: viewerId, content: data.content, messageType: data.messageType, clientMessageId: data.clientMessageId });
      });
    } catch (err) {
      // The same key used concurrently in two different chats: the index keeps one.
      if (data.clientMessageId && isUniqueViolation(err, 'messages_sender_client_id_key')) {
        const earlier = await this.findByClientId(this.db, viewerId, data.clientMessageId);
        if (earlier) return sameChatOrConflict(earlier, chatId);
      }
      throw err;
    }
  }

  /** History, oldest to newest within a page; `last`/`before` page backwards from the newest. */
  async list(viewerId: number, chatIdArg: string, args: WindowArgs): Promise<Page<MessageRow>> {
    const chatId = parseIntId(chatIdArg, 'chatId');
    const window = pageWindow(args, { ...MESSAGE_PAGE, preferBackward: true });
    await requireMember(this.db, chatId, viewerId);
    const forward = window.direction === 'forward';
    const bound = window.cursor === null ? undefined : forward ? gt(messages.id, window.cursor) : lt(messages.id, window.cursor);
    const rows = await this.db
      .select()
      .from(messages)
      .where(and(eq(messages.chatId, chatId), bound))
      .orderBy(forward ? asc(messages.id) : desc(messages.id))
      .limit(window.limit + 1);
    return toPage(rows, window, (m) => m.id, MESSAGE_PAGE.kind);
  }

  /**
   * Moves the viewer's read marker forward (never back) to `messageId` or the newest message,
   * marks as read the messages that every other participant has now read, and announces the
   * receipt.
   */
  async markRead(viewerId: number, chatIdArg: string, messageIdArg: string | null | undefined): Promise<ReadReceiptData> {
    const chatId = parseIntId(chatIdArg, 'chatId');
    const requested = messageIdArg == null ? null : parseId(messageIdArg, 'messageId');
    return this.db.transaction(async (tx) => {
      const { chat } = await requireMember(tx, chatId, viewerId);
      let target = chat.lastMessageId;
      if (requested !== null) {
        const [m] = await tx.select({ id: messages.id }).from(messages).where(and(eq(messages.id, requested), eq(messages.chatId, chatId)));
        if (!m) throw notFound('Message');
        target = m.id;
      }
      const [before] = await tx
        .select({ marker: chatParticipants.lastReadMessageId, at: chatParticipants.lastReadAt })
        .from(chatParticipants)
        .where(and(eq(chatParticipants.chatId, chatId), eq(chatParticipants.userId, viewerId)))
        .for('update');
      const previous = before!.marker ?? 0;
      if (target === null || target <= previous) {
        return { chatId, userId: viewerId, lastReadMessageId: before!.marker, readAt: before!.at };
      }
      const readAt = new Date();
      await tx
        .update(chatParticipants)
        .set({ lastReadMessageId: target, lastReadAt: readAt })
        .where(and(eq(chatParticipants.chatId, chatId), eq(chatParticipants.userId, viewerId)));
      // Only messages the marker just passed can change state.
      await tx
        .update(messages)
        .set({ isRead: true })
        .where(
          and(
            eq(messages.chatId, chatId),
            gt(messages.id, previous),
            lte(messages.id, target),
            eq(messages.isRead, false),
            sql`not exists (
              select 1 from ${chatParticipants} p
              where p.chat_id = ${messages.chatId} and p.user_id <> ${messages.senderId}
                and coalesce(p.last_read_message_id, 0) < ${messages.id})`,
          ),
        );
      await publish(tx, { type: 'message.read', chatId, userId: viewerId, lastReadMessageId: target, readAt: readAt.toISOString() });
      return { chatId, userId: viewerId, lastReadMessageId: target, readAt };
    });
  }

  private async findByClientId(db: DbOrTx, senderId: number, clientMessageId: string) {
    const [row] = await db
      .select()
      .from(messages)
      .where(and(eq(messages.senderId, senderId), eq(messages.clientMessageId, clientMessageId)));
    return row;
  }
}

function sameChatOrConflict(earlier: MessageRow, chatId: number): MessageRow {
  if (earlier.chatId !== chatId) throw conflict('clientMessageId was already used for another chat', 'clientMessageId');
  return earlier;
}

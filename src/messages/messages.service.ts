import { and, eq, isNull, max, sql } from 'drizzle-orm';
import { lockAsMember, mayWrite, requireMember, requireNoBlock, type Membership } from '../chats/chat-access.js';
import type { ReceiptView } from '../chatlog/views.js';
import { appendChatEntry } from '../chatlog/write.js';
import { badInput, conflict, forbidden, isUniqueViolation, notFound } from '../common/errors.js';
import { parseId, parseIntId } from '../common/ids.js';
import { pageWindow, toPage, type Page, type WindowArgs } from '../common/pagination.js';
import { validate } from '../common/validation.js';
import type { Db, DbOrTx, Tx } from '../db/client.js';
import { isBudgetRefused, type RateLimits } from '../limits/rate-limits.js';
import { chatParticipants, chats, messageEdits, messageMentions, messageReactions, messages, type MessageRow } from '../db/schema.js';
import { changeMessage } from './message-access.js';
import { appendMessage, appendMessageIf, MESSAGE_COLUMNS, MESSAGE_SLOTS, messageStatement, type MessageGuard, type MessageKind, type NewMessage } from './message-log.js';
import { settleReadState } from './read-state.js';
import type { MessageAttachments } from '../files/attachments.js';
import type { MessageWritesConfig } from '../config.js';
import { applyMentions, changesMentions, parseMentionIds, planMentions } from './mentions.js';
import { captionRules, editMessageRules, MESSAGE_PAGE, sendMessageRules } from './message.rules.js';
import { lockChat, lockChats, lockSenders } from '../db/locks.js';
import { commitBehind, transaction } from '../db/transaction.js';
import { rowOf } from '../db/rows.js';
import { executePlain, Statements } from '../db/plain-sql.js';
import { metrics } from '../observability/metrics.js';
import { isDeadlock } from '../db/errors.js';
import { ChatWriteLine, type ChatJobs, type Outcome } from './chat-write-line.js';

export interface SendMessageData {
  chatId: string;
  content?: string | null;
  messageType: string;
  clientMessageId?: string | null;
  replyToId?: string | null;
  mentionIds?: readonly string[] | null;
  attachmentIds?: readonly string[] | null;
}


/** A plain message waiting in its chat's write line. */
interface PlainJob {
  viewerId: number;
  entry: NewMessage;
}

/** The most plain messages one transaction writes (a transaction has room for 256, message-log.ts). */
const PLAIN_BATCH = 64;

export class MessagesService {
  constructor(
    private readonly db: Db,
    private readonly limits: RateLimits,
    private readonly writes: MessageWritesConfig,
    /** Files in messages; scripts without a storage send text only. */
    private readonly attachments?: MessageAttachments,
  ) {}

  private readonly plainStatements = new Statements();
  private readonly plainLine = new ChatWriteLine<PlainJob, MessageRow | null>((batch) => this.writePlain(batch), { maxBatch: PLAIN_BATCH, maxInFlight: this.writes.batchesAtOnce, stalledMs: this.writes.stalledMs });

  /** Plain messages waiting for a batch (ChatWriteLine). */
  get waiting(): number {
    return this.plainLine.waiting;
  }

  async send(viewerId: number, input: SendMessageData): Promise<MessageRow> {
    const chatId = parseIntId(input.chatId, 'chatId');
    const data = validate(sendMessageRules, input);
    const replyToId = input.replyToId == null ? null : parseId(input.replyToId, 'replyToId');
    const mentionIds = parseMentionIds(input.mentionIds);
    const withFiles = (input.attachmentIds?.length ?? 0) > 0;
    // A message with files may go without a caption.
    const content = withFiles ? (data.content ?? '') : validate(captionRules, { content: data.content ?? '' }).content;
    const plain = replyToId === null && !mentionIds?.length && !withFiles;
    if (!plain) await this.limits.consume('message', viewerId);
    const attachmentIds = withFiles ? await this.prepareAttachments(viewerId, input.attachmentIds) : [];
    const entry = { chatId, senderId: viewerId, content, messageType: data.messageType as MessageKind, clientMessageId: data.clientMessageId };
    try {
      if (plain) {
        const message = await this.sendPlain(viewerId, entry);
        if (message) return message;
      }
      return await transaction(this.db, async (tx) => {
        const earlier = await this.retryOrRefusal(tx, chatId, viewerId, data.clientMessageId);
        if (earlier) return earlier;
        if (replyToId !== null) await requireAnswerable(tx, chatId, replyToId);
        const mentions = mentionIds && (await planMentions(tx, chatId, null, mentionIds));
        const files = attachmentIds.length ? await this.attachments!.take(tx, viewerId, attachmentIds) : null;
        const message = await appendMessage(tx, { ...entry, messageType: files?.messageType ?? entry.messageType, replyToId, mentionIds: mentions?.added });
        await files?.attachTo(message.id);
        return message;
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

  /**
   * The sender rewrites their message; the text it replaces stays readable as an earlier
   * version. Edits never make a message unread again (unread counts go by id). `mentionIds`,
   * when given, is whom the new text mentions: only those not mentioned before are mentioned
   * anew, and those left out are no longer mentioned.
   */
  async edit(viewerId: number, idArg: string, contentArg: string, mentionIdsArg?: readonly string[] | null): Promise<MessageRow> {
    const { content } = validate(editMessageRules, { content: contentArg });
    const mentionIds = parseMentionIds(mentionIdsArg);
    return this.changeMessage(viewerId, idArg, async (tx, message, membership) => {
      if (message.deletedAt) throw badInput('id', 'A deleted message cannot be edited');
      requireNoBlock(membership);
      if (message.messageType === 'SYSTEM') throw forbidden('System messages cannot be edited');
      if (message.senderId !== viewerId) throw forbidden('Only the sender can edit a message');
      const mentions = mentionIds && (await planMentions(tx, message.chatId, message.id, mentionIds));
      const rewritten = message.content !== content;
      if (!rewritten && !(mentions && changesMentions(mentions))) return message;
      const editedAt = new Date();
      const [edited] = rewritten ? await tx.update(messages).set({ content, editedAt }).where(eq(messages.id, message.id)).returning() : [message];
      const entry = await appendChatEntry(tx, message.chatId, { kind: 'MESSAGE_EDITED', messageId: message.id, userId: viewerId });
      if (rewritten) await tx.insert(messageEdits).values({ messageId: message.id, content: message.content!, editedAt, logId: entry.id });
      if (mentions) await applyMentions(tx, message.id, mentions, entry.id);
      return edited!;
    });
  }

  /**
   * The sender, or a group's owner, deletes a message: its text and earlier versions are purged
   * from storage and a tombstone keeps its place. Deleting it again returns the same tombstone.
   */
  async delete(viewerId: number, idArg: string): Promise<MessageRow> {
    let detachedFiles: string[] = [];
    const tombstone = await this.changeMessage(viewerId, idArg, async (tx, message, membership) => {
      if (message.deletedAt) return message;
      const owner = membership.chat.isGroup && membership.participant.role === 'OWNER';
      if (message.senderId !== viewerId && !owner) throw forbidden('Only the sender or the group owner can delete a message');
      const [tombstone] = await tx.update(messages).set({ content: null, deletedAt: new Date() }).where(eq(messages.id, message.id)).returning();
      await tx.delete(messageEdits).where(eq(messageEdits.messageId, message.id));
      await tx.delete(messageReactions).where(eq(messageReactions.messageId, message.id));
      await tx.delete(messageMentions).where(eq(messageMentions.messageId, message.id));
      detachedFiles = (await this.attachments?.detach(tx, message.id)) ?? [];
      if (membership.chat.lastMessageId === message.id) {
        // The chat's last message is its newest one that is not deleted.
        const [newest] = await tx
          .select({ id: max(messages.id) })
          .from(messages)
          .where(and(eq(messages.chatId, message.chatId), isNull(messages.deletedAt)));
        await tx.update(chats).set({ lastMessageId: newest?.id ?? null }).where(eq(chats.id, message.chatId));
      }
      await appendChatEntry(tx, message.chatId, { kind: 'MESSAGE_DELETED', messageId: message.id, userId: viewerId });
      return tombstone!;
    });
    // After commit: the bytes go once nothing can point to them any more.
    if (detachedFiles.length) await this.attachments!.purge(detachedFiles);
    return tombstone;
  }

  /** History, oldest to newest within a page; `last`/`before` page backwards from the newest. */
  async list(viewerId: number, chatIdArg: string, args: WindowArgs): Promise<Page<MessageRow>> {
    const chatId = parseIntId(chatIdArg, 'chatId');
    const window = pageWindow(args, { ...MESSAGE_PAGE, preferBackward: true });
    await requireMember(this.db, chatId, viewerId);
    const forward = window.direction === 'forward';
    const bound = window.cursor === null ? sql`` : forward ? sql`and m.id > ${window.cursor}` : sql`and m.id < ${window.cursor}`;
    const raw = await executePlain<Record<string, unknown>>(this.db, sql`
      select ${MESSAGE_COLUMNS} from messages m where m.chat_id = ${chatId} ${bound}
      order by m.id ${forward ? sql`asc` : sql`desc`} limit ${window.limit + 1}`);
    const rows = raw.map((r) => rowOf(messages, r));
    return toPage(rows, window, (m) => m.id, MESSAGE_PAGE.kind);
  }

  /**
   * Moves the viewer's read marker forward (never back) to `messageId` or the newest message,
   * marks as read the messages that every other participant has now read, and logs the receipt.
   */
  async markRead(viewerId: number, chatIdArg: string, messageIdArg: string | null | undefined): Promise<ReceiptView> {
    const chatId = parseIntId(chatIdArg, 'chatId');
    const requested = messageIdArg == null ? null : parseId(messageIdArg, 'messageId');
    return transaction(this.db, async (tx) => {
      const { participant } = await lockAsMember(tx, chatId, viewerId);
      const [target] = await tx
        .select({ id: max(messages.id) })
        .from(messages)
        .where(and(eq(messages.chatId, chatId), requested === null ? undefined : eq(messages.id, requested)));
      if (requested !== null && !target?.id) throw notFound('Message');
      const previous = participant.lastReadMessageId ?? 0;
      const to = target?.id ?? null;
      if (to === null || to <= previous) {
        return { chatId, userId: viewerId, lastReadMessageId: participant.lastReadMessageId, readAt: participant.lastReadAt };
      }
      const readAt = new Date();
      await tx
        .update(chatParticipants)
        .set({ lastReadMessageId: to, lastReadAt: readAt })
        .where(eq(chatParticipants.id, participant.id));
      // Only messages the marker just passed can change state.
      await settleReadState(tx, chatId, previous, to);
      await appendChatEntry(tx, chatId, { kind: 'READ_MARKER', userId: viewerId, data: { lastReadMessageId: to, readAt: readAt.toISOString() } });
      return { chatId, userId: viewerId, lastReadMessageId: to, readAt };
    });
  }

  private changeMessage(
    viewerId: number,
    idArg: string,
    change: (tx: Tx, message: MessageRow, membership: Membership) => Promise<MessageRow>,
  ): Promise<MessageRow> {
    return changeMessage(this.db, viewerId, idArg, 'id', change);
  }

  private async prepareAttachments(viewerId: number, ids: SendMessageData['attachmentIds']): Promise<string[]> {
    if (!this.attachments) throw badInput('attachmentIds', 'Files cannot be sent here');
    return this.attachments.prepare(viewerId, ids);
  }

  /**
   * A plain message needs nothing read first. It goes through its chat's write line: with the
   * chat's other plain messages that came while the one before them was being written, in one
   * transaction (writePlain). Null when nothing was written and `send` explains the refusal (or,
   * if things changed since, sends the message): the message was refused for another reason (the
   * attempt counted), or its budget refused it and a window has ended since (`consume` took).
   */
  private async sendPlain(viewerId: number, entry: NewMessage): Promise<MessageRow | null> {
    try {
      return await this.plainLine.submit(entry.chatId, { viewerId, entry });
    } catch (err) {
      if (!isBudgetRefused(err)) throw err;
      // Nothing was taken or written: the usual take says how long to wait (or, if a window
      // ended meanwhile, takes, and `send` goes on).
      await this.limits.consume('message', viewerId);
      return null;
    }
  }

  /**
   * Plain messages of one chat or several, sent together with the commit right behind, and run
   * in order: the chats' locks, then for each message its sender's message budget and the
   * message, on the condition that the sender may write and did not send it already. The locks
   * are held only while PostgreSQL runs them; with several senders, their locks too
   * (lockSenders). A statement that fails aborts them all: a budget's refusal or a retry key's
   * clash is one message's own, and a deadlock the batch's alone, so each chat's messages are
   * then written apart, and one chat's each alone, each answering for itself.
   */
  private async writePlain(batch: ChatJobs<PlainJob>[]): Promise<Outcome<MessageRow | null>[][]> {
    const jobs = batch.flatMap((c) => c.jobs);
    const senders = [...new Set(jobs.map((j) => j.viewerId))];
    try {
      const [, , ...written] = await commitBehind(this.db, (tx) =>
        Promise.all([
          batch.length > 1 ? lockChats(tx, batch.map((c) => c.chatId)) : lockChat(tx, batch[0]!.chatId),
          senders.length > 1 ? lockSenders(tx, senders) : undefined,
          ...jobs.map((j) => appendMessageIf(tx, j.entry, this.plainGuard(j.viewerId, j.entry.clientMessageId))),
        ]),
      );
      metrics.messageBatches.observe(jobs.length);
      let at = 0;
      return batch.map((c) => written.slice(at, (at += c.jobs.length)).map((value) => ({ status: 'fulfilled', value })));
    } catch (err) {
      if (jobs.length === 1 || !(isBudgetRefused(err) || isUniqueViolation(err) || isDeadlock(err))) throw err;
      const failed = (reason: unknown, jobs: unknown[]) => jobs.map((): Outcome<MessageRow | null> => ({ status: 'rejected', reason }));
      // Chats apart, at once, as each would have gone on its own.
      if (batch.length > 1) return Promise.all(batch.map((c) => this.writePlain([c]).then(([own]) => own!, (reason: unknown) => failed(reason, c.jobs))));
      const { chatId, jobs: alone } = batch[0]!;
      const outcomes: Outcome<MessageRow | null>[] = [];
      for (const job of alone) {
        outcomes.push(...(await this.writePlain([{ chatId, jobs: [job] }]).then(([own]) => own!, (reason: unknown) => failed(reason, [job]))));
      }
      return [outcomes];
    }
  }

  /**
   * What the statement of a plain message checks itself: the rule of `lockAsMember`, and no
   * retry; and the sender's message budget it takes. Its statements are built once (the text
   * depends on the budget's windows, so on this service's limits, and on whether the message
   * carries a retry key).
   */
  private plainGuard(viewerId: number, clientMessageId: string | null | undefined): MessageGuard {
    const retry = Boolean(clientMessageId);
    const budget = this.limits.budget('message');
    return {
      statement: this.plainStatements.get(String(retry), () => {
        const { chatId, senderId, clientMessageId: retryKey } = MESSAGE_SLOTS;
        const condition = retry
          ? sql`${mayWrite(chatId, senderId)} and not exists (select 1 from messages r where r.sender_id = ${senderId} and r.client_message_id = ${retryKey})`
          : mayWrite(chatId, senderId);
        return messageStatement(condition, budget.sql);
      }),
      values: budget.values(viewerId),
    };
  }

  /**
   * The sender's checks, under the chat's lock (taken here): a non-member gets NOT_FOUND; a
   * retry of a message already stored gets that message, whatever happened since (a block); a
   * block gets FORBIDDEN. Resolves with nothing when the sender may write.
   */
  private async retryOrRefusal(tx: Tx, chatId: number, senderId: number, clientMessageId: string | null | undefined) {
    // One round trip: the lock, then (in order, so after it) who is in the chat and any retry.
    const [membership, earlier] = await Promise.all([
      lockAsMember(tx, chatId, senderId),
      clientMessageId ? this.findByClientId(tx, senderId, clientMessageId) : undefined,
    ]);
    if (earlier) return sameChatOrConflict(earlier, chatId);
    requireNoBlock(membership);
    return undefined;
  }

  private async findByClientId(db: DbOrTx, senderId: number, clientMessageId: string) {
    const [row] = await db
      .select()
      .from(messages)
      .where(and(eq(messages.senderId, senderId), eq(messages.clientMessageId, clientMessageId)));
    return row;
  }
}

/** A reply answers a message of its own chat that is still there. */
async function requireAnswerable(tx: Tx, chatId: number, replyToId: number): Promise<void> {
  const [original] = await tx.select({ chatId: messages.chatId, deletedAt: messages.deletedAt }).from(messages).where(eq(messages.id, replyToId));
  if (!original || original.chatId !== chatId) throw badInput('replyToId', 'replyToId is not a message of this chat');
  if (original.deletedAt) throw badInput('replyToId', 'A deleted message cannot be answered');
}

function sameChatOrConflict(earlier: MessageRow, chatId: number): MessageRow {
  if (earlier.chatId !== chatId) throw conflict('clientMessageId was already used for another chat', 'clientMessageId');
  return earlier;
}

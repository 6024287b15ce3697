import type DataLoader from 'dataloader';
import type { ChatRow, LogRow, MessageEditRow, MessageRow, UserRow } from '../db/schema.js';
import { ChatEventKind, LEAVING_KINDS, type ContactEventKind, type ContactSnapshot, type LogEntry, type LogKind } from './kinds.js';
import { encodePosition, positionOf, type Position } from './position.js';

/**
 * How things looked at one log entry. A chat or message seen through an entry carries `asOf`,
 * and every field resolver that can change over time answers as of it: nobody learns, through an
 * entry, of anything that happened after it.
 */
export interface AsOf {
  logId: number;
  /** The newest message of the chat at the entry, deleted or not. */
  topMessageId: number | null;
}

export type ChatView = ChatRow & { asOf?: AsOf };
export type MessageView = MessageRow & { asOf?: AsOf; chatAsOf?: ChatView };

export interface ReceiptView {
  chatId: number;
  userId: number;
  lastReadMessageId: number | null;
  readAt: Date | null;
  chat?: ChatView;
}

/** One entry, ready for every subscriber who hears it. */
export interface EntryView {
  entry: LogEntry;
  kind: LogKind;
  position: Position;
  cursor: string;
  chatId: number | null;
  at: Date;
  /** Who the entry is about: reader, participant, actor, contact owner. */
  userId: number | null;
  chat: ChatView | null;
  message: MessageView | null;
  receipt: ReceiptView | null;
  chatEvent: { kind: ChatEventKind; chat: ChatView; userId: number } | null;
  contactEvent: { kind: ContactEventKind; contact: ContactRowLike; cursor: string } | null;
}

export type ContactRowLike = Omit<ContactSnapshot, 'createdAt' | 'updatedAt'> & { createdAt: Date; updatedAt: Date };

export interface ViewLoaders {
  chatById: DataLoader<number, ChatRow | null>;
  messageById: DataLoader<number, MessageRow | null>;
  editsByMessage: DataLoader<number, MessageEditRow[]>;
  userById: DataLoader<number, UserRow | null>;
}

/** Rows entries show, read with the entries themselves: their messages, chats and new messages' senders. */
export interface Related {
  messages: MessageRow[];
  chats: ChatRow[];
  senders: UserRow[];
}

/** Hands rows read with a batch to fresh loaders, so that its views load nothing more for them. */
export function primeRelated(loaders: ViewLoaders, related: Related): void {
  for (const row of related.messages) loaders.messageById.prime(row.id, row);
  for (const row of related.chats) loaders.chatById.prime(row.id, row);
  for (const row of related.senders) loaders.userById.prime(row.id, row);
}

/** Builds the views of entries, loading what they show in a few batched statements. */
export function viewEntries(entries: LogRow[], loaders: ViewLoaders): Promise<EntryView[]> {
  return Promise.all(entries.map((e) => viewEntry(e as LogEntry, loaders)));
}

async function viewEntry(entry: LogEntry, loaders: ViewLoaders): Promise<EntryView> {
  const asOf: AsOf = { logId: entry.id, topMessageId: entry.topMessageId };
  const [chatRow, messageRow] = await Promise.all([
    entry.chatId === null ? null : loaders.chatById.load(entry.chatId),
    entry.messageId === null ? null : loaders.messageById.load(entry.messageId),
    // A new message's sender (the entry's user), whom nearly every subscription shows: loaded
    // with the rest here rather than in a round trip of its own once subscriptions execute.
    entry.kind === 'MESSAGE_ADDED' && entry.userId !== null ? loaders.userById.load(entry.userId) : null,
  ]);
  const chat: ChatView | null = chatRow && {
    ...chatRow,
    name: entry.chatName,
    lastMessageId: entry.lastMessageId,
    lastActivityAt: entry.lastActivityAt ?? chatRow.lastActivityAt,
    asOf,
  };
  const message = messageRow && { ...(await messageAsOf(messageRow, asOf, loaders)), chatAsOf: chat ?? undefined };
  const view: EntryView = {
    entry,
    kind: entry.kind,
    position: positionOf(entry),
    cursor: encodePosition(positionOf(entry)),
    chatId: entry.chatId,
    at: entry.at,
    userId: entry.userId,
    chat,
    message,
    receipt: null,
    chatEvent: null,
    contactEvent: null,
  };
  switch (entry.kind) {
    case 'READ_MARKER':
      view.receipt = {
        chatId: entry.chatId!,
        userId: entry.userId!,
        lastReadMessageId: entry.data.lastReadMessageId,
        readAt: new Date(entry.data.readAt),
        chat: chat ?? undefined,
      };
      break;
    case 'CHAT_CHANGED':
      if (chat) view.chatEvent = { kind: entry.data.kind, chat, userId: entry.userId! };
      break;
    case 'CONTACT_CHANGED': {
      const c = entry.data.contact;
      view.contactEvent = { kind: entry.data.kind, contact: { ...c, createdAt: new Date(c.createdAt), updatedAt: new Date(c.updatedAt) }, cursor: view.cursor };
      break;
    }
  }
  return view;
}

/**
 * A message as it read at `asOf`: an edit made later is undone from its stored earlier version.
 * A deleted message is a tombstone at every position: its text is gone from storage.
 */
export async function messageAsOf(row: MessageRow, asOf: AsOf | undefined, loaders: Pick<ViewLoaders, 'editsByMessage'>): Promise<MessageView> {
  if (!asOf || row.editedAt === null || row.deletedAt !== null) return { ...row, asOf };
  const edits = await loaders.editsByMessage.load(row.id);
  const later = edits.find((e) => e.logId > asOf.logId);
  if (!later) return { ...row, asOf };
  const applied = edits.filter((e) => e.logId <= asOf.logId);
  return { ...row, content: later.content, editedAt: applied.at(-1)?.editedAt ?? null, asOf };
}

/** The viewer who left or was removed learns the kind and the chat id, not the chat. */
export function chatFor(view: EntryView, viewerId: number | null): ChatView | null {
  if (view.chatEvent && LEAVING_KINDS.has(view.chatEvent.kind) && view.userId === viewerId) return null;
  return view.chat;
}

/** An entry as a `ChatUpdate`; null when what it is about is gone (a deleted group's history). */
export function asUpdate(view: EntryView): EntryView | null {
  if (view.chatId === null) return null;
  if (view.entry.messageId !== null && view.message === null) return null;
  // Of a deleted group only that people left is kept (a chat change may have no chat).
  if (view.kind !== 'CHAT_CHANGED' && view.chat === null) return null;
  return view;
}

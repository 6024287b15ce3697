import type { LogRow } from '../db/schema.js';

/**
 * The chat log's catalogue: every kind of entry, and what each carries besides the columns
 * every entry has. Each kind and enum is defined here once; GraphQL registers these enums.
 */
export enum ChatEventKind {
  CREATED = 'CREATED',
  RENAMED = 'RENAMED',
  PARTICIPANT_ADDED = 'PARTICIPANT_ADDED',
  PARTICIPANT_REMOVED = 'PARTICIPANT_REMOVED',
  PARTICIPANT_LEFT = 'PARTICIPANT_LEFT',
}

export enum ContactEventKind {
  INVITATION_RECEIVED = 'INVITATION_RECEIVED',
  INVITATION_ACCEPTED = 'INVITATION_ACCEPTED',
  INVITATION_DECLINED = 'INVITATION_DECLINED',
  INVITATION_CANCELLED = 'INVITATION_CANCELLED',
  CONTACT_REMOVED = 'CONTACT_REMOVED',
}

export type LogKind = LogRow['kind'];

/** A contact entry as it was when the change happened (it may be gone since). */
export interface ContactSnapshot {
  id: number;
  userId: number;
  contactId: number;
  status: 'PENDING' | 'ACCEPTED' | 'DECLINED' | 'BLOCKED';
  direction: 'INCOMING' | 'OUTGOING';
  createdAt: string;
  updatedAt: string;
}

/** The `data` of each kind. */
export interface EntryData {
  MESSAGE_ADDED: null;
  MESSAGE_EDITED: null;
  MESSAGE_DELETED: null;
  REACTIONS_CHANGED: null;
  READ_MARKER: { lastReadMessageId: number; readAt: string };
  /** `user_id` is the participant the change is about (added, removed, left) or the actor. */
  CHAT_CHANGED: { kind: ChatEventKind };
  /** `user_id` is the owner of the contact entry, and the only one who hears it. */
  CONTACT_CHANGED: { kind: ContactEventKind; contact: ContactSnapshot };
  /** `user_id` blocked (or unblocked) `otherId`. Nobody hears it: instances keep their filters by it. */
  BLOCKS_CHANGED: { otherId: number; blocked: boolean };
}

/** A stored entry with its kind's data typed. */
export type LogEntry = { [K in LogKind]: Omit<LogRow, 'kind' | 'data'> & { kind: K; data: EntryData[K] } }[LogKind];
export type EntryOf<K extends LogKind> = Extract<LogEntry, { kind: K }>;

/** Kinds that are about a chat (and reach its members) rather than about one user. */
export const CHAT_KINDS: readonly LogKind[] = ['MESSAGE_ADDED', 'MESSAGE_EDITED', 'MESSAGE_DELETED', 'REACTIONS_CHANGED', 'READ_MARKER', 'CHAT_CHANGED'];

/** Membership changes: the entry that ends a membership still reaches the one who left. */
export const LEAVING_KINDS: ReadonlySet<ChatEventKind> = new Set([ChatEventKind.PARTICIPANT_REMOVED, ChatEventKind.PARTICIPANT_LEFT]);

import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgSequence,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: serial('id').primaryKey(),
    firstname: varchar('firstname', { length: 100 }).notNull(),
    lastname: varchar('lastname', { length: 100 }).notNull(),
    email: varchar('email', { length: 255 }).notNull(),
    phone: varchar('phone', { length: 20 }),
    country: varchar('country', { length: 100 }),
    profilePicture: varchar('profile_picture', { length: 500 }),
    password: varchar('password', { length: 255 }).notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Emails are unique whatever their case.
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    // Name prefix search: `lower(name) LIKE 'ab%'` can use these.
    index('users_firstname_prefix_idx').on(sql`lower(${t.firstname}) text_pattern_ops`),
    index('users_lastname_prefix_idx').on(sql`lower(${t.lastname}) text_pattern_ops`),
  ],
);

/**
 * One sign-in (register, login) and everything refreshed from it: the unit a user sees in
 * `sessions` and ends with `revokeSession`, `logout` or `changePassword`. Access tokens carry
 * its id (`sid`), so a revocation reaches them at once.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    // Moved by every refresh: access tokens are short-lived, so this is accurate to their lifetime.
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull().defaultNow(),
    // The newest refresh token's expiry: past it, the session can no longer be renewed.
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    userAgent: varchar('user_agent', { length: 500 }),
    ip: varchar('ip', { length: 100 }),
  },
  (t) => [
    index('sessions_user_idx').on(t.userId),
    // Every instance loads the recent revocations at start and after a lost LISTEN connection.
    index('sessions_revoked_at_idx').on(t.revokedAt).where(sql`${t.revokedAt} IS NOT NULL`),
  ],
);

/** Refresh tokens are stored only as a SHA-256 hash; a family is one session's rotation chain. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // The session: a token is valid while its session is not revoked.
    familyId: uuid('family_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    tokenHash: varchar('token_hash', { length: 64 }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash),
    index('refresh_tokens_family_idx').on(t.familyId),
    index('refresh_tokens_user_idx').on(t.userId),
  ],
);

export const contactStatus = pgEnum('contact_status', ['PENDING', 'ACCEPTED', 'DECLINED', 'BLOCKED']);
export const contactDirection = pgEnum('contact_direction', ['INCOMING', 'OUTGOING']);

/** One entry per owner (user_id) and other person (contact_id); each side owns its own entry. */
export const contacts = pgTable(
  'contacts',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    contactId: integer('contact_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: contactStatus('status').notNull(),
    direction: contactDirection('direction').notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('contacts_owner_other_key').on(t.userId, t.contactId),
    index('contacts_owner_status_idx').on(t.userId, t.status),
    index('contacts_other_idx').on(t.contactId),
    check('contacts_not_self', sql`${t.userId} <> ${t.contactId}`),
  ],
);

/** Orders chats by latest activity: taken at creation and again by every message. */
export const chatActivitySeq = pgSequence('chat_activity_seq');

export const chats = pgTable(
  'chats',
  {
    id: serial('id').primaryKey(),
    name: varchar('name', { length: 100 }),
    isGroup: boolean('is_group').notNull(),
    // "<smaller user id>:<larger user id>" for direct chats: the database keeps one per pair.
    directKey: varchar('direct_key', { length: 40 }),
    lastMessageId: bigint('last_message_id', { mode: 'number' }),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
    // A strictly increasing key, so "newest activity first" pages exactly (timestamps can tie).
    activitySeq: bigint('activity_seq', { mode: 'number' })
      .notNull()
      .default(sql`nextval('chat_activity_seq')`),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('chats_direct_key_key').on(t.directKey),
    check('chats_direct_has_key', sql`${t.isGroup} OR ${t.directKey} IS NOT NULL`),
  ],
);

export const participantRole = pgEnum('participant_role', ['OWNER', 'MEMBER']);

export const chatParticipants = pgTable(
  'chat_participants',
  {
    id: serial('id').primaryKey(),
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: participantRole('role').notNull().default('MEMBER'),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
    // The viewer's read marker: every message with a smaller or equal id counts as read.
    lastReadMessageId: bigint('last_read_message_id', { mode: 'number' }),
    lastReadAt: timestamp('last_read_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('chat_participants_chat_user_key').on(t.chatId, t.userId),
    index('chat_participants_user_idx').on(t.userId),
  ],
);

export const messageType = pgEnum('message_type', ['TEXT', 'IMAGE', 'FILE', 'SYSTEM']);

export const messages = pgTable(
  'messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    senderId: integer('sender_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Null once deleted: a tombstone keeps its place in history, never its text.
    content: text('content'),
    messageType: messageType('message_type').notNull().default('TEXT'),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
    isRead: boolean('is_read').notNull().default(false),
    clientMessageId: varchar('client_message_id', { length: 100 }),
    editedAt: timestamp('edited_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    // Also `search_vector` and `search_text`, generated from `content` with their indexes by
    // drizzle/0008_message_search.sql and read by src/search only: left out here so that loading
    // messages anywhere else never ships them.
  },
  (t) => [
    index('messages_chat_id_idx').on(t.chatId, t.id),
    // A retried send with the same clientMessageId finds the first message.
    uniqueIndex('messages_sender_client_id_key')
      .on(t.senderId, t.clientMessageId)
      .where(sql`${t.clientMessageId} IS NOT NULL`),
    check(
      'messages_content_or_tombstone',
      sql`(${t.deletedAt} IS NULL AND char_length(${t.content}) BETWEEN 1 AND 10000) OR (${t.deletedAt} IS NOT NULL AND ${t.content} IS NULL)`,
    ),
  ],
);

/** Earlier versions of edited messages, oldest first; purged with the message. */
export const messageEdits = pgTable(
  'message_edits',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    messageId: bigint('message_id', { mode: 'number' })
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    // The text as it was until `edited_at`, when an edit replaced it.
    content: text('content').notNull(),
    editedAt: timestamp('edited_at', { withTimezone: true }).notNull(),
    // The log entry of that edit: the message showed `content` at every position before it.
    logId: bigint('log_id', { mode: 'number' }).notNull(),
  },
  (t) => [index('message_edits_message_idx').on(t.messageId, t.id)],
);

export const logKind = pgEnum('log_kind', [
  'MESSAGE_ADDED',
  'MESSAGE_EDITED',
  'MESSAGE_DELETED',
  'REACTIONS_CHANGED',
  'READ_MARKER',
  'CHAT_CHANGED',
  'CONTACT_CHANGED',
]);

/**
 * The chat log: one entry per change someone can see, written in the transaction that makes the
 * change. Entries are consumed in (xid, id) order and only below the oldest running transaction
 * (see src/chatlog/position.ts), which makes a position after which "everything" is exact.
 * Chat entries also carry the chat as it was at the entry (name, newest visible message, newest
 * message), so that an entry shows nothing that happened after it.
 */
export const chatLog = pgTable(
  'chat_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    xid: bigint('xid', { mode: 'number' })
      .notNull()
      .default(sql`(pg_current_xact_id()::text)::bigint`),
    // Null for entries about one user only (contacts): `user_id` is then who hears it.
    chatId: integer('chat_id'),
    // Who the entry is about: the reader, the participant added or removed, the actor.
    userId: integer('user_id'),
    kind: logKind('kind').notNull(),
    messageId: bigint('message_id', { mode: 'number' }),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    data: jsonb('data'),
    chatName: varchar('chat_name', { length: 100 }),
    lastMessageId: bigint('last_message_id', { mode: 'number' }),
    topMessageId: bigint('top_message_id', { mode: 'number' }),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }),
  },
  (t) => [
    index('chat_log_position_idx').on(t.xid, t.id),
    index('chat_log_chat_position_idx').on(t.chatId, t.xid, t.id),
    index('chat_log_user_position_idx').on(t.userId, t.xid, t.id).where(sql`${t.chatId} IS NULL`),
    uniqueIndex('chat_log_message_added_key').on(t.messageId).where(sql`${t.kind} = 'MESSAGE_ADDED'`),
  ],
);

/**
 * Who belonged to a chat at which log positions: a period runs from the entry that let the user
 * in to the one that let them out (both included). Within a chat, entry ids follow commit order,
 * so "member at entry E" is exact, whenever the question is asked.
 */
export const chatMemberships = pgTable(
  'chat_memberships',
  {
    id: serial('id').primaryKey(),
    chatId: integer('chat_id').notNull(),
    userId: integer('user_id').notNull(),
    fromLogId: bigint('from_log_id', { mode: 'number' }).notNull(),
    untilLogId: bigint('until_log_id', { mode: 'number' }),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('chat_memberships_chat_idx').on(t.chatId, t.fromLogId),
    index('chat_memberships_user_idx').on(t.userId, t.chatId),
    uniqueIndex('chat_memberships_open_key').on(t.chatId, t.userId).where(sql`${t.untilLogId} IS NULL`),
  ],
);

/** Counters of rate-limiter-flexible's RateLimiterDrizzle: shared by every instance. */
export const rateLimits = pgTable('rate_limits', {
  key: varchar('key', { length: 255 }).primaryKey(),
  points: integer('points').notNull().default(0),
  expire: timestamp('expire', { withTimezone: true }),
});

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type ContactRow = typeof contacts.$inferSelect;
export type ChatRow = typeof chats.$inferSelect;
export type ParticipantRow = typeof chatParticipants.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type MessageEditRow = typeof messageEdits.$inferSelect;
export type LogRow = typeof chatLog.$inferSelect;
export type MembershipRow = typeof chatMemberships.$inferSelect;

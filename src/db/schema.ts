import { sql } from 'drizzle-orm';
import { readColumns, type ReadRow } from './rows.js';
import {
  type AnyPgColumn,
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
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** Who may do something to a user: start a direct chat, add them to a group, see when they were last online. */
export const audience = pgEnum('audience', ['EVERYONE', 'CONTACTS', 'NOBODY']);

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
    privacyDirectMessages: audience('privacy_direct_messages').notNull().default('CONTACTS'),
    privacyGroupAdds: audience('privacy_group_adds').notNull().default('CONTACTS'),
    privacyLastSeen: audience('privacy_last_seen').notNull().default('CONTACTS'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Keeping someone out altogether is what a block is for: these settings go down to contacts.
    check('users_privacy_reachable', sql`${t.privacyDirectMessages} <> 'NOBODY' AND ${t.privacyGroupAdds} <> 'NOBODY'`),
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
/** What of a chat counts for a participant's badge: everything, mentions of them, nothing. */
export const notificationLevel = pgEnum('notification_level', ['ALL', 'MENTIONS', 'NONE']);

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
    // The participant's own notification settings: a standing level, and a mute until a time.
    notificationLevel: notificationLevel('notification_level').notNull().default('ALL'),
    mutedUntil: timestamp('muted_until', { withTimezone: true }),
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
    // The message this one answers, in the same chat.
    replyToId: bigint('reply_to_id', { mode: 'number' }).references((): AnyPgColumn => messages.id, { onDelete: 'set null' }),
    // Also `search_vector` and `search_text`, generated from `content` with their indexes by
    // drizzle/0012_message_search.sql and read by src/search only: left out here so that loading
    // messages anywhere else never ships them.
  },
  (t) => [
    index('messages_chat_id_idx').on(t.chatId, t.id),
    index('messages_reply_to_idx').on(t.replyToId).where(sql`${t.replyToId} IS NOT NULL`),
    // A retried send with the same clientMessageId finds the first message.
    uniqueIndex('messages_sender_client_id_key')
      .on(t.senderId, t.clientMessageId)
      .where(sql`${t.clientMessageId} IS NOT NULL`),
    // A message with attachments (IMAGE, FILE) may have no caption: its content is then ''.
    check(
      'messages_content_or_tombstone',
      sql`(${t.deletedAt} IS NULL AND (char_length(${t.content}) BETWEEN 1 AND 10000 OR (${t.messageType} IN ('IMAGE', 'FILE') AND ${t.content} = ''))) OR (${t.deletedAt} IS NOT NULL AND ${t.content} IS NULL)`,
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

/**
 * Reactions and mentions keep the log entries that added and removed them, so that a message seen
 * through an entry shows them as they were at that entry (present at L: added at or before L and
 * not removed by then). Current ones have no `removed_log_id`; all go when the message is deleted.
 */
const userOnMessage = () => ({
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  messageId: bigint('message_id', { mode: 'number' })
    .notNull()
    .references(() => messages.id, { onDelete: 'cascade' }),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  addedLogId: bigint('added_log_id', { mode: 'number' }).notNull(),
  removedLogId: bigint('removed_log_id', { mode: 'number' }),
});

export const messageReactions = pgTable(
  'message_reactions',
  { ...userOnMessage(), emoji: varchar('emoji', { length: 64 }).notNull(), createdAt: createdAt() },
  (t) => [
    // One reaction per user per emoji per message.
    uniqueIndex('message_reactions_current_key').on(t.messageId, t.emoji, t.userId).where(sql`${t.removedLogId} IS NULL`),
    index('message_reactions_message_idx').on(t.messageId, t.addedLogId),
  ],
);

export const messageMentions = pgTable('message_mentions', userOnMessage(), (t) => [
  uniqueIndex('message_mentions_current_key').on(t.messageId, t.userId).where(sql`${t.removedLogId} IS NULL`),
  index('message_mentions_message_idx').on(t.messageId, t.addedLogId),
  // Unread mentions: a user's current mentions.
  index('message_mentions_user_idx').on(t.userId, t.messageId).where(sql`${t.removedLogId} IS NULL`),
]);

export const logKind = pgEnum('log_kind', [
  'MESSAGE_ADDED',
  'MESSAGE_EDITED',
  'MESSAGE_DELETED',
  'REACTIONS_CHANGED',
  'READ_MARKER',
  'CHAT_CHANGED',
  'CONTACT_CHANGED',
  'BLOCKS_CHANGED',
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

export const uploadStatus = pgEnum('upload_status', ['PENDING', 'RECEIVING', 'READY']);

/**
 * A file a user uploaded: PENDING until its bytes arrive, RECEIVING while they are checked,
 * READY once checked (and stored under keys derived from its id, see src/files/keys.ts).
 * Attaching it to a message sets `message_id` and `attached_at`; an upload is attached once.
 * Rows to purge from storage: never attached and older than the orphan age, or attached and
 * detached since (`message_id` null: the message was deleted, or its chat or sender was).
 */
export const uploads = pgTable(
  'uploads',
  {
    id: uuid('id').primaryKey(),
    // The storage its bytes live in ('local', 's3'): an instance touches only its own.
    storage: varchar('storage', { length: 20 }).notNull(),
    ownerId: integer('owner_id').references(() => users.id, { onDelete: 'set null' }),
    status: uploadStatus('status').notNull().default('PENDING'),
    filename: varchar('filename', { length: 255 }).notNull(),
    // As the client declared them; the stored type and size are the checked ones.
    declaredType: varchar('declared_type', { length: 255 }).notNull(),
    declaredSize: integer('declared_size').notNull(),
    contentType: varchar('content_type', { length: 255 }),
    size: integer('size'),
    width: integer('width'),
    height: integer('height'),
    hasThumbnail: boolean('has_thumbnail').notNull().default(false),
    createdAt: createdAt(),
    // Until when the upload URL accepts the bytes.
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    messageId: bigint('message_id', { mode: 'number' }).references(() => messages.id, { onDelete: 'set null' }),
    // Order among the message's attachments.
    position: integer('position'),
    attachedAt: timestamp('attached_at', { withTimezone: true }),
    // Set by whoever is deleting its bytes; a claim left by an instance that died is taken over later.
    purgingAt: timestamp('purging_at', { withTimezone: true }),
  },
  (t) => [
    index('uploads_message_idx').on(t.messageId, t.position),
    index('uploads_owner_idx').on(t.ownerId),
    // The sweep: detached rows, then never-attached ones by age.
    index('uploads_detached_idx').on(t.storage).where(sql`${t.messageId} IS NULL AND ${t.attachedAt} IS NOT NULL`),
    index('uploads_unattached_idx').on(t.storage, t.createdAt).where(sql`${t.attachedAt} IS NULL`),
  ],

);

/**
 * Where each user stands. `online` holds while the user has a live lease below; it is changed
 * only under the presence lock (src/db/locks.ts), so every instance sees one order of changes.
 * `away` is the user's own flag (setAway), cleared when they go offline. `version` counts changes
 * of the row, so a receiver can tell a stale notification from a fresh one; `changed_at` moves
 * with it.
 */
export const userPresence = pgTable(
  'user_presence',
  {
    userId: integer('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    online: boolean('online').notNull().default(false),
    away: boolean('away').notNull().default(false),
    // When the user was last connected: set as they go offline.
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    version: integer('version').notNull().default(1),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // An instance whose LISTEN connection was lost reads the changes it missed.
  (t) => [index('user_presence_changed_at_idx').on(t.changedAt)],
);

/**
 * One lease per user and instance that holds (or lately held) a socket of theirs. The instance
 * renews its leases while the sockets are open; when the last one closes, the lease is kept for
 * the grace period. A lease past `expires_at` is gone: whichever instance sweeps first deletes it,
 * and a user left without leases goes offline. An instance that dies stops renewing, so its
 * users go offline once its leases expire.
 */
export const presenceLeases = pgTable(
  'presence_leases',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    instanceId: varchar('instance_id', { length: 64 }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    // The last moment the instance knew a socket of the user open: the user's last-seen time.
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.instanceId] }), index('presence_leases_expires_idx').on(t.expiresAt)],
);

/** Counters of rate-limiter-flexible's RateLimiterDrizzle: shared by every instance. */
export const rateLimits = pgTable('rate_limits', {
  key: varchar('key', { length: 255 }).primaryKey(),
  points: integer('points').notNull().default(0),
  expire: timestamp('expire', { withTimezone: true }),
});

/**
 * A user as every read gives one: every column but the password hash. The sign-in code reads the
 * hash as a value of its own, beside the user; loaders, log reads and searches never select it
 * (src/db/rows.ts leaves it out of every hand-written read, and `userFields` out of drizzle's).
 */
export type UserRow = ReadRow<typeof users>;
/** `users`' columns but the password hash, for a drizzle `select()` of users to show. */
export const userFields = readColumns(users);

export type SessionRow = typeof sessions.$inferSelect;
export type ContactRow = typeof contacts.$inferSelect;
export type ChatRow = typeof chats.$inferSelect;
export type ParticipantRow = typeof chatParticipants.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type MessageEditRow = typeof messageEdits.$inferSelect;
export type LogRow = typeof chatLog.$inferSelect;
export type MembershipRow = typeof chatMemberships.$inferSelect;
export type ReactionRow = typeof messageReactions.$inferSelect;
export type MentionRow = typeof messageMentions.$inferSelect;
export type UploadRow = typeof uploads.$inferSelect;
export type PresenceRow = typeof userPresence.$inferSelect;

-- Participants of chats that predate the log have been members since before its first entry.
INSERT INTO "chat_memberships" ("chat_id", "user_id", "from_log_id", "joined_at")
SELECT "chat_id", "user_id", 0, "joined_at" FROM "chat_participants";--> statement-breakpoint
-- Messages that predate the log become its first entries, in id order, ahead of every later
-- transaction (xid 0), so that `messageAdded(after:)` finds their position.
INSERT INTO "chat_log" ("xid", "chat_id", "user_id", "kind", "message_id", "at", "chat_name", "last_message_id", "last_activity_at", "top_message_id")
SELECT 0, m."chat_id", m."sender_id", 'MESSAGE_ADDED', m."id", m."sent_at", c."name", m."id", m."sent_at", m."id"
FROM "messages" m JOIN "chats" c ON c."id" = m."chat_id"
ORDER BY m."id";

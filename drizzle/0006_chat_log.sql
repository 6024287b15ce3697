CREATE TYPE "public"."log_kind" AS ENUM('MESSAGE_ADDED', 'MESSAGE_EDITED', 'MESSAGE_DELETED', 'REACTIONS_CHANGED', 'READ_MARKER', 'CHAT_CHANGED', 'CONTACT_CHANGED');--> statement-breakpoint
CREATE TABLE "chat_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"xid" bigint DEFAULT (pg_current_xact_id()::text)::bigint NOT NULL,
	"chat_id" integer,
	"user_id" integer,
	"kind" "log_kind" NOT NULL,
	"message_id" bigint,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"data" jsonb,
	"chat_name" varchar(100),
	"last_message_id" bigint,
	"top_message_id" bigint,
	"last_activity_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "chat_memberships" (
	"id" serial PRIMARY KEY NOT NULL,
	"chat_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"from_log_id" bigint NOT NULL,
	"until_log_id" bigint,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "message_edits" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" bigint NOT NULL,
	"content" text NOT NULL,
	"edited_at" timestamp with time zone NOT NULL,
	"log_id" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_content_length";--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "content" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "message_edits" ADD CONSTRAINT "message_edits_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_log_position_idx" ON "chat_log" USING btree ("xid","id");--> statement-breakpoint
CREATE INDEX "chat_log_chat_position_idx" ON "chat_log" USING btree ("chat_id","xid","id");--> statement-breakpoint
CREATE INDEX "chat_log_user_position_idx" ON "chat_log" USING btree ("user_id","xid","id") WHERE "chat_log"."chat_id" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "chat_log_message_added_key" ON "chat_log" USING btree ("message_id") WHERE "chat_log"."kind" = 'MESSAGE_ADDED';--> statement-breakpoint
CREATE INDEX "chat_memberships_chat_idx" ON "chat_memberships" USING btree ("chat_id","from_log_id");--> statement-breakpoint
CREATE INDEX "chat_memberships_user_idx" ON "chat_memberships" USING btree ("user_id","chat_id");--> statement-breakpoint
CREATE UNIQUE INDEX "chat_memberships_open_key" ON "chat_memberships" USING btree ("chat_id","user_id") WHERE "chat_memberships"."until_log_id" IS NULL;--> statement-breakpoint
CREATE INDEX "message_edits_message_idx" ON "message_edits" USING btree ("message_id","id");--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_content_or_tombstone" CHECK (("messages"."deleted_at" IS NULL AND char_length("messages"."content") BETWEEN 1 AND 10000) OR ("messages"."deleted_at" IS NOT NULL AND "messages"."content" IS NULL));
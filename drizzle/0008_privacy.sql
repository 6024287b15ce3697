CREATE TYPE "public"."audience" AS ENUM('EVERYONE', 'CONTACTS', 'NOBODY');--> statement-breakpoint
ALTER TYPE "public"."log_kind" ADD VALUE 'BLOCKS_CHANGED';--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "privacy_direct_messages" "audience" DEFAULT 'CONTACTS' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "privacy_group_adds" "audience" DEFAULT 'CONTACTS' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "privacy_last_seen" "audience" DEFAULT 'CONTACTS' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_privacy_reachable" CHECK ("users"."privacy_direct_messages" <> 'NOBODY' AND "users"."privacy_group_adds" <> 'NOBODY');
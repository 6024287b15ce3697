CREATE TYPE "public"."upload_status" AS ENUM('PENDING', 'RECEIVING', 'READY');--> statement-breakpoint
CREATE TABLE "uploads" (
	"id" uuid PRIMARY KEY NOT NULL,
	"storage" varchar(20) NOT NULL,
	"owner_id" integer,
	"status" "upload_status" DEFAULT 'PENDING' NOT NULL,
	"filename" varchar(255) NOT NULL,
	"declared_type" varchar(255) NOT NULL,
	"declared_size" integer NOT NULL,
	"content_type" varchar(255),
	"size" integer,
	"width" integer,
	"height" integer,
	"has_thumbnail" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"message_id" bigint,
	"position" integer,
	"attached_at" timestamp with time zone,
	"purging_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_content_or_tombstone";--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "uploads_message_idx" ON "uploads" USING btree ("message_id","position");--> statement-breakpoint
CREATE INDEX "uploads_owner_idx" ON "uploads" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "uploads_detached_idx" ON "uploads" USING btree ("storage") WHERE "uploads"."message_id" IS NULL AND "uploads"."attached_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "uploads_unattached_idx" ON "uploads" USING btree ("storage","created_at") WHERE "uploads"."attached_at" IS NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_content_or_tombstone" CHECK (("messages"."deleted_at" IS NULL AND (char_length("messages"."content") BETWEEN 1 AND 10000 OR ("messages"."message_type" IN ('IMAGE', 'FILE') AND "messages"."content" = ''))) OR ("messages"."deleted_at" IS NOT NULL AND "messages"."content" IS NULL));
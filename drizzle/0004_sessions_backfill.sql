-- Every refresh-token family signed in before sessions existed becomes a session. A family is
-- live when it still holds a token that is neither used nor revoked; otherwise it ended when its
-- last token was revoked (or now, for families that could only be reused).
INSERT INTO "sessions" ("id", "user_id", "created_at", "last_used_at", "expires_at", "revoked_at")
SELECT
  "family_id",
  min("user_id"),
  min("created_at"),
  max("created_at"),
  max("expires_at"),
  CASE WHEN bool_or("used_at" IS NULL AND "revoked_at" IS NULL) THEN NULL ELSE coalesce(max("revoked_at"), now()) END
FROM "refresh_tokens"
GROUP BY "family_id"
ON CONFLICT ("id") DO NOTHING;

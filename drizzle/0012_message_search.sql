-- Message search (src/search). pg_trgm and unaccent ship with PostgreSQL (contrib) and are
-- trusted extensions: the database owner may create them, no superuser needed.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
-- Words of any language, none stemmed (messages have no known language), accents and case
-- ignored: "Café" is found by "cafe".
CREATE TEXT SEARCH CONFIGURATION parley_simple (COPY = pg_catalog.simple);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION parley_simple
  ALTER MAPPING FOR word, hword, hword_part, numword, numhword, hword_numpart WITH unaccent, simple;--> statement-breakpoint
-- Letters of scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana,
-- Han (with 々〆〇) and half-width katakana. Words cannot be told apart there, so text in them
-- is searched by substring: through trigrams (pg_trgm) from three letters on, and through the
-- letters and pairs of letters below for the shorter terms trigrams cannot serve (most Chinese
-- words have two characters).
CREATE FUNCTION message_search_spaceless_class() RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN U&'[!0E00-!0EFF!1000-!109F!1780-!17FF!3005-!3007!3040-!30FF!31F0-!31FF!3400-!4DBF!4E00-!9FFF!F900-!FAFF!FF66-!FF9F!+020000-!+03134F]' UESCAPE '!';--> statement-breakpoint
-- What the full-text parser reads: runs of those scripts set apart (by U+E002, a private-use
-- character that every PostgreSQL version's parser takes for a separator, where some take a
-- zero-width space for part of a word), so that a word of another script written against them
-- ("我买了iPhone") is a word of its own ('iphone').
CREATE FUNCTION message_search_document(content text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN regexp_replace(content, '(' || message_search_spaceless_class() || '+)', U&'!E002\1!E002' UESCAPE '!', 'g');--> statement-breakpoint
-- Every letter and every pair of neighbouring letters of those scripts, lower-cased, as lexemes
-- ("会议室" holds '会', '议', '室', '会议', '议室').
CREATE FUNCTION message_search_letters(content text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT coalesce(array_to_tsvector(array_agg(DISTINCT gram)), ''::tsvector)
  FROM regexp_matches(lower(content), message_search_spaceless_class() || '+', 'g') AS run(m),
       generate_series(1, char_length(run.m[1])) AS i,
       unnest(ARRAY[substr(run.m[1], i, 1), substr(run.m[1], i, 2)]) AS gram;
END;--> statement-breakpoint
-- What the trigram index reads: the text, lower-cased, of messages that have letters of those
-- scripts (null otherwise, so the index holds only them).
CREATE FUNCTION message_search_text(content text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN CASE WHEN content ~ message_search_spaceless_class() THEN lower(content) END;--> statement-breakpoint
-- Generated from `content`: an edit re-indexes the message, a deletion (content null) drops it.
ALTER TABLE "messages"
  ADD COLUMN "search_vector" tsvector GENERATED ALWAYS AS (to_tsvector('parley_simple'::regconfig, message_search_document("content")) || message_search_letters("content")) STORED,
  ADD COLUMN "search_text" text GENERATED ALWAYS AS (message_search_text("content")) STORED;--> statement-breakpoint
CREATE INDEX "messages_search_vector_idx" ON "messages" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "messages_search_text_idx" ON "messages" USING gin ("search_text" gin_trgm_ops);

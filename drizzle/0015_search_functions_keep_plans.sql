-- message_search_document and message_search_text, as before, in PL/pgSQL, whose plans a session
-- keeps: called from the generated columns, a SQL function is not inlined, and its expression was
-- set up again for every inserted or edited message. Every result is the same, so nothing is
-- re-indexed (tests/search-functions.test.ts).
CREATE OR REPLACE FUNCTION message_search_document(content text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  RETURN regexp_replace(content, '(' || message_search_spaceless_class() || '+)', U&'!E002\1!E002' UESCAPE '!', 'g');
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION message_search_text(content text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  RETURN CASE WHEN content ~ message_search_spaceless_class() THEN lower(content) END;
END
$$;

-- message_search_letters, as before, with two changes that leave every result the same (so
-- nothing is re-indexed): text with no letters of the spaceless scripts (most messages) returns
-- at once, and the function is PL/pgSQL, whose plan a session keeps. As a SQL function with a
-- query body it could not be inlined, and its query was planned again for every inserted or
-- edited message: the largest part of what indexing a message for search cost.
CREATE OR REPLACE FUNCTION message_search_letters(content text) RETURNS tsvector
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  IF content !~ message_search_spaceless_class() THEN
    RETURN ''::tsvector;
  END IF;
  RETURN (
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT gram)), ''::tsvector)
    FROM regexp_matches(lower(content), message_search_spaceless_class() || '+', 'g') AS run(m),
         generate_series(1, char_length(run.m[1])) AS i,
         unnest(ARRAY[substr(run.m[1], i, 1), substr(run.m[1], i, 2)]) AS gram);
END
$$;

import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../src/db/client.js';

/**
 * Migrations 0014 and 0015 rewrote the functions behind the search columns for speed without
 * re-indexing stored messages: that is only sound if they answer exactly as their first
 * definitions (0012) did, which are written out here as queries.
 */
const database = connectDatabase(inject('databaseUrl'), { max: 1 });
afterAll(() => database.close());

const FIRST_LETTERS = `
  SELECT coalesce(array_to_tsvector(array_agg(DISTINCT gram)), ''::tsvector)
  FROM regexp_matches(lower($1::text), message_search_spaceless_class() || '+', 'g') AS run(m),
       generate_series(1, char_length(run.m[1])) AS i,
       unnest(ARRAY[substr(run.m[1], i, 1), substr(run.m[1], i, 2)]) AS gram`;
const FIRST_DOCUMENT = `regexp_replace($1::text, '(' || message_search_spaceless_class() || '+)', U&'!E002\\1!E002' UESCAPE '!', 'g')`;
const FIRST_TEXT = `CASE WHEN $1::text ~ message_search_spaceless_class() THEN lower($1::text) END`;

const FUNCTIONS = [
  ['message_search_letters', FIRST_LETTERS],
  ['message_search_document', FIRST_DOCUMENT],
  ['message_search_text', FIRST_TEXT],
] as const;

const TEXTS = [
  '',
  'a message of ordinary length, some forty characters',
  'Café CRÈME, naïve résumé',
  '会议室在三楼',
  '我买了iPhone 15，很好用',
  '東京タワーへ行きました々〆〇',
  'ｶﾀｶﾅ half-width katakana',
  'ภาษาไทยไม่มีช่องว่าง',
  'ພາສາລາວ ແລະ ភាសាខ្មែរ ဗမာစာ',
  '𠀀𠀁 supplementary Han 𰀀',
  'Ｆｕｌｌ－ｗｉｄｔｈ ＬＡＴＩＮ',
  '👋🏽 emoji only ✨',
  'Ελληνικά και русский текст',
  '中',
];

describe.each(FUNCTIONS)('%s', (name, firstDefinition) => {
  it.each(TEXTS)('answers as its first definition did for %j', async (text) => {
    const [now] = await database.sql.unsafe(`select ${name}($1::text)::text as v`, [text]);
    const [first] = await database.sql.unsafe(`select (${firstDefinition})::text as v`, [text]);
    expect(now!.v).toBe(first!.v);
  });

  it('keeps its answer for null', async () => {
    const [row] = await database.sql.unsafe(`select ${name}(null) is null as v`);
    expect(row!.v).toBe(true);
  });

  it('is PL/pgSQL, whose plans a session keeps', async () => {
    const [row] = await database.sql`select l.lanname from pg_proc p join pg_language l on l.oid = p.prolang where p.proname = ${name}`;
    expect(row!.lanname).toBe('plpgsql');
  });
});

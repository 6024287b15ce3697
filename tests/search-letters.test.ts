import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../src/db/client.js';

/**
 * Migration 0014 rewrote message_search_letters for speed without re-indexing stored messages:
 * that is only sound if it answers exactly as the first definition (0012) did, which is
 * written out here as a query.
 */
const database = connectDatabase(inject('databaseUrl'), { max: 1 });
afterAll(() => database.close());

const FIRST_DEFINITION = `
  SELECT coalesce(array_to_tsvector(array_agg(DISTINCT gram)), ''::tsvector)
  FROM regexp_matches(lower($1::text), message_search_spaceless_class() || '+', 'g') AS run(m),
       generate_series(1, char_length(run.m[1])) AS i,
       unnest(ARRAY[substr(run.m[1], i, 1), substr(run.m[1], i, 2)]) AS gram`;

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

describe('message_search_letters', () => {
  it.each(TEXTS)('answers as its first definition did for %j', async (text) => {
    const [fast] = await database.sql.unsafe(`select message_search_letters($1::text)::text as v`, [text]);
    const [first] = await database.sql.unsafe(`select (${FIRST_DEFINITION})::text as v`, [text]);
    expect(fast!.v).toBe(first!.v);
  });

  it('keeps its answer for null', async () => {
    const [row] = await database.sql`select message_search_letters(null) is null as v`;
    expect(row!.v).toBe(true);
  });
});

import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fillSearchCorpus } from '../bench/search-corpus.js';
import { connectDatabase, type Database } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { parseSearchQuery } from '../src/search/search-query.js';
import { compileTerms, searchStatement } from '../src/search/search.statements.js';
import { planNodes, type PlanNode } from './helpers/plan.js';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-database.js';

/**
 * The query plans of searchMessages on a database of its own, with a corpus large enough (and
 * analysed) for PostgreSQL to weigh its options with nothing forced: its choice must be to find
 * the terms through the search indexes, reading only a small share of the table.
 */
const MESSAGES = 40_000;
let scratch: ScratchDatabase;
let database: Database;
let chatIds: number[];

beforeAll(async () => {
  scratch = await createScratchDatabase(inject('databaseUrl'), 'parley_search_plan');
  await runMigrations(scratch.url);
  database = connectDatabase(scratch.url, { max: 2 });
  // In short transactions: the other test files' chat logs wait for any running one.
  const corpus = await fillSearchCorpus(database.sql, { users: 800, groups: 150, directChats: 1000, messages: MESSAGES }, 2_000);
  // A heavy reader: in every fourth chat, so that their chats alone single out little.
  const rows = await database.sql<{ id: number }[]>`select id from chats where id >= ${corpus.firstChat} and id % 4 = 0`;
  chatIds = rows.map((r) => r.id);
}, 120_000);

afterAll(async () => {
  await database?.close();
  await scratch?.drop();
});

/** The plan PostgreSQL runs for a search, as EXPLAIN ANALYZE reports it. */
async function plan(query: string): Promise<PlanNode[]> {
  const compiled = await compileTerms(database.db, parseSearchQuery(query).terms);
  const statement = searchStatement(database.db, { query: compiled, chatIds, after: null, limit: 21 }).toSQL();
  const [row] = await database.sql.unsafe(`explain (analyze, format json) ${statement.sql}`, statement.params as postgres.ParameterOrJSON<never>[]);
  return planNodes(row!);
}

describe('searchMessages query plans', () => {
  it.each([
    ['a word', 'deadline', 'messages_search_vector_idx', '@@'],
    ['a prefix', 'dead', 'messages_search_vector_idx', '@@'],
    ['a phrase', '"the meeting"', 'messages_search_vector_idx', '@@'],
    ['an accented word', 'cafe', 'messages_search_vector_idx', '@@'],
    ['two Chinese characters', '会议', 'messages_search_vector_idx', '@@'],
    ['a longer Chinese term', '北京大学', 'messages_search_text_idx', '~~'],
    ['Japanese', 'ありがとう', 'messages_search_text_idx', '~~'],
    ['Thai', 'สวัสดี', 'messages_search_text_idx', '~~'],
  ])('finds %s through its index, reading a small share of the messages', async (_, query, index, operator) => {
    const nodes = await plan(query);
    const scan = nodes.find((n) => n['Index Name'] === index);
    expect(scan, `${index} in ${nodes.map((n) => n['Index Name'] ?? n['Node Type']).join(', ')}`).toBeDefined();
    expect(scan!['Index Cond']).toContain(operator);
    expect(nodes.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'messages')).toEqual([]);
    // The index hands the table a small share of its rows to read, not the table.
    expect(scan!['Actual Rows']).toBeLessThan(MESSAGES / 20);
    expect(nodes.some((n) => n['Node Type'] === 'Bitmap Heap Scan' && n['Relation Name'] === 'messages')).toBe(true);
  });
});

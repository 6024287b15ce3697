/**
 * Message search benchmark: fills a scratch database with a realistic corpus (1M messages by
 * default, see ./search-corpus.ts), then runs a mix of searches over HTTP — common and rare
 * words, prefixes, phrases, accents, Cyrillic, Korean, Chinese, Japanese and Thai, all chats or
 * one — as people in a typical and in a heavy number of chats, and reports p50/p95 latency.
 *
 * Database: a throwaway embedded PostgreSQL, or a new database on DATABASE_URL's server
 * (created and dropped here). Writes bench/results/search-<time>.json, or the file `--out` names.
 * Usage: npm run bench:search [-- --messages 1000000 --rounds 10 --out file.json]
 * `npm run bench` runs it too, as row S1 (./search.ts).
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { loadConfig } from '../src/config.js';
import { runMigrations } from '../src/db/migrate.js';
import { provisionDatabase } from '../src/db/provision.js';
import { createLogger } from '../src/logger.js';
import { createParleyServer } from '../src/server.js';
import { freePort } from '../tests/helpers/free-port.js';
import { createScratchDatabase } from '../tests/helpers/scratch-database.js';
import { percentile } from './lib/stats.js';
import { fillSearchCorpus, rareWords, type Corpus } from './search-corpus.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '10' },
    out: { type: 'string' },
  },
});
const MESSAGES = Number(values.messages);
const ROUNDS = Number(values.rounds);
const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

const SEARCH = `query Search($q: String!, $chat: ID, $after: String) {
  searchMessages(query: $q, chatId: $chat, first: 20, after: $after) {
    edges { cursor node { highlight message { id chatId sentAt sender { id firstname } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** What people type: kind (for the breakdown) and text; `inChat` searches the persona's busiest chat only. */
const QUERIES: { kind: string; q: string; inChat?: boolean; nextPage?: boolean }[] = [
  { kind: 'common word', q: 'meeting' },
  { kind: 'common word', q: 'the', nextPage: true },
  { kind: 'word', q: 'deadline' },
  { kind: 'prefix', q: 'tomor' },
  { kind: 'prefix', q: 'proj' },
  { kind: 'two words', q: 'client report' },
  { kind: 'phrase', q: '"the meeting"' },
  { kind: 'accents', q: 'cafe' },
  { kind: 'accents', q: 'reunion' },
  { kind: 'accents', q: 'strasse' },
  { kind: 'cyrillic', q: 'привет' },
  { kind: 'korean prefix', q: '서울' },
  { kind: 'chinese', q: '会议' },
  { kind: 'chinese', q: '北京大学' },
  { kind: 'chinese', q: '咖啡', nextPage: true },
  { kind: 'japanese', q: '東京' },
  { kind: 'japanese', q: 'ありがとう' },
  { kind: 'thai', q: 'สวัสดี' },
  { kind: 'rare word', q: rareWords[0]! },
  { kind: 'rare word', q: rareWords[1]! },
  { kind: 'no match', q: 'xylophone' },
  { kind: 'one chat', q: 'meeting', inChat: true },
  { kind: 'one chat', q: '咖啡', inChat: true },
];

interface Persona {
  name: string;
  groups: number;
  busiestGroups: number;
  directChats: number;
}
const PERSONAS: Persona[] = [
  { name: 'typical (60 chats)', groups: 20, busiestGroups: 2, directChats: 40 },
  { name: 'heavy (250 chats)', groups: 100, busiestGroups: 10, directChats: 150 },
];

const stats = (samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: round(percentile(s, 50)), p95: round(percentile(s, 95)), p99: round(percentile(s, 99)), max: round(s[s.length - 1]!) };
};
const round = (ms: number) => Math.round(ms * 10) / 10;

async function main() {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-bench-search-'));
  await fs.chmod(dataDir, 0o755);
  const given = process.env.DATABASE_URL;
  const database = given ? null : await provisionDatabase({ databaseUrl: undefined, dataDir, embeddedPort: await freePort() });
  const scratch = given ? await createScratchDatabase(given, 'parley_bench_search') : null;
  const url = scratch?.url ?? database!.url;
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const load = { before: os.loadavg() };
  try {
    await runMigrations(url);
    const [{ version }] = (await sql`select version()`) as unknown as [{ version: string }];
    console.log(`Search benchmark: ${MESSAGES.toLocaleString('en')} messages, ${ROUNDS} rounds; ${os.cpus().length} CPUs, load ${fmtLoad(load.before)}`);
    console.log(`Database: ${scratch ? `${scratch.name} on DATABASE_URL's server` : database!.description}\n  ${version}`);

    const t0 = performance.now();
    const corpus = await fillSearchCorpus(sql, {
      users: Math.round(MESSAGES / 50),
      groups: Math.round(MESSAGES / 300),
      directChats: Math.round(MESSAGES / 40),
      messages: MESSAGES,
    });
    const fillSeconds = (performance.now() - t0) / 1000;
    const [sizes] = await sql<{ table: string; fts: string; trgm: string }[]>`
      select pg_size_pretty(pg_total_relation_size('messages')) as table,
             pg_size_pretty(pg_relation_size('messages_search_vector_idx')) as fts,
             pg_size_pretty(pg_relation_size('messages_search_text_idx')) as trgm`;
    console.log(`Corpus filled in ${fillSeconds.toFixed(0)} s: ${corpus.chats.toLocaleString('en')} chats; messages ${sizes!.table} with indexes (full-text ${sizes!.fts}, trigram ${sizes!.trgm})`);

    const config = loadConfig({ ...process.env, RATE_LIMIT_MESSAGE_SEARCH: '1000000/1', RATE_LIMIT_REGISTER: '1000000/1', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const server = await createParleyServer({ config, databaseUrl: url, log: createLogger('silent') });
    const port = await server.listen(0, '127.0.0.1');
    const endpoint = `http://127.0.0.1:${port}/graphql`;
    const gql = async (query: string, variables: Record<string, unknown>, token?: string) => {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };

    const report: Record<string, unknown>[] = [];
    try {
      for (const persona of PERSONAS) {
        const me = await joinAs(persona, corpus, sql, gql);
        console.log(`\n${persona.name}: ${me.messages.toLocaleString('en')} messages in their chats (busiest chat: ${me.busiest.messages.toLocaleString('en')})`);
        const all: number[] = [];
        const byKind = new Map<string, number[]>();
        const found = new Map<string, number>();
        const run = async (kind: string, variables: Record<string, unknown>, record: boolean) => {
          const start = performance.now();
          const data = await gql(SEARCH, variables, me.token);
          const ms = performance.now() - start;
          if (record) {
            all.push(ms);
            byKind.set(kind, [...(byKind.get(kind) ?? []), ms]);
          }
          return data.searchMessages;
        };
        for (let round = -1; round < ROUNDS; round++) {
          for (const query of QUERIES) {
            const variables = { q: query.q, chat: query.inChat ? me.busiest.id : null };
            const page = await run(query.kind, variables, round >= 0);
            found.set(`${query.kind}: ${query.q}`, page.edges.length);
            if (query.nextPage && page.pageInfo.hasNextPage) await run('next page', { ...variables, after: page.pageInfo.endCursor }, round >= 0);
          }
        }
        const overall = stats(all);
        console.log(`  searchMessages p50 ${overall.p50} ms  p95 ${overall.p95} ms  (p99 ${overall.p99}, max ${overall.max}, n ${overall.n})`);
        const kinds = Object.fromEntries([...byKind].map(([kind, samples]) => [kind, stats(samples)]));
        for (const [kind, s] of Object.entries(kinds)) console.log(`    ${kind.padEnd(14)} p50 ${String(s.p50).padStart(6)} ms  p95 ${String(s.p95).padStart(6)} ms`);
        report.push({ persona: persona.name, chats: me.chats, messagesInChats: me.messages, searchMessages: overall, byKind: kinds, resultsOnFirstPage: Object.fromEntries(found) });
      }
    } finally {
      await server.close();
    }
    load.before = load.before.map(round);
    const after = os.loadavg().map(round);
    console.log(`\nLoad average before ${fmtLoad(load.before)}, after ${fmtLoad(after)} (${os.cpus().length} CPUs)`);
    const file = values.out ? path.resolve(values.out) : path.join(resultsDir, `search-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(
      file,
      JSON.stringify(
        {
          benchmark: 'searchMessages',
          at: new Date().toISOString(),
          commit: gitCommit(),
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGB: round(os.totalmem() / 1e9), loadBefore: load.before, loadAfter: after },
          database: { version, embedded: !scratch },
          corpus: { messages: MESSAGES, chats: corpus.chats, groups: corpus.groups, users: Math.round(MESSAGES / 50), fillSeconds: round(fillSeconds), sizes },
          rounds: ROUNDS,
          personas: report,
        },
        null,
        2,
      ),
    );
    console.log(`Results: ${path.relative(process.cwd(), file)}`);
  } finally {
    await sql.end({ timeout: 5 });
    await scratch?.drop();
    await database?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

/** Registers a person and puts them in the persona's chats; returns their token and what those chats hold. */
async function joinAs(persona: Persona, corpus: Corpus, sql: postgres.Sql, gql: (q: string, v: Record<string, unknown>) => Promise<any>) {
  const data = await gql(`mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }`, {
    i: { firstname: 'Searcher', lastname: persona.name.split(' ')[0], email: `searcher-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`, password: 'bench-password' },
  });
  const userId = Number(data.register.user.id);
  // The busiest groups by traffic, then others drawn at random (seeded by the persona), and direct chats.
  const chats = await sql<{ chat_id: number }[]>`
    with groups as (
      select c.id, (select count(*) from messages m where m.chat_id = c.id) as traffic
      from chats c where c.id between ${corpus.firstChat} and ${corpus.firstChat + corpus.groups - 1}
    ), busiest as (select id from groups order by traffic desc limit ${persona.busiestGroups})
    select id as chat_id from busiest
    union
    select id from (select id from groups where id not in (select id from busiest) order by md5(${persona.name} || id) limit ${persona.groups - persona.busiestGroups}) g
    union
    select id from (select id from chats where id between ${corpus.firstChat + corpus.groups} and ${corpus.firstChat + corpus.chats - 1} order by md5(${persona.name} || id) limit ${persona.directChats}) d`;
  await sql`insert into chat_participants (chat_id, user_id) select unnest(${chats.map((c) => c.chat_id)}::int[]), ${userId}`;
  const [counts] = await sql<{ messages: number; busiest: number; busiest_messages: number }[]>`
    select sum(n)::int as messages, (array_agg(chat_id order by n desc))[1] as busiest, max(n)::int as busiest_messages
    from (select chat_id, count(*) as n from messages where chat_id = any(${chats.map((c) => c.chat_id)}::int[]) group by chat_id) t`;
  return { token: data.register.accessToken as string, chats: chats.length, messages: counts!.messages, busiest: { id: String(counts!.busiest), messages: counts!.busiest_messages } };
}

const fmtLoad = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

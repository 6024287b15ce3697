import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readBatchStatement, readBatchWithRowsStatement } from '../src/chatlog/read.js';
import { plainQuery } from '../src/db/plain-sql.js';
import { users } from '../src/db/schema.js';
import { groupChat, send } from './helpers/chat.js';
import { gql, registerUser } from './helpers/graphql.js';
import { useServerAndDatabase } from './helpers/server.js';

const env = useServerAndDatabase();
const dialect = new PgDialect();
const drizzleCompiles = (query: ReturnType<typeof sql>) => {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return { text, params };
};

afterEach(() => vi.restoreAllMocks());

describe('plain statements (src/db/plain-sql.ts)', () => {
  it('come out as drizzle would send them: text, nested fragments, and every kind of plain value', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    const inner = sql`m.chat_id = ${7}::int and m.sent_at < ${at}`;
    const queries = [
      sql`select 1`,
      sql`select ${'a'}, ${42}, ${true}, ${null}, ${12345678901234567890n} where ${inner} and ${sql`x = ${'y'}`}`,
      sql`with t as (${sql.raw('select 1 as one')}) select ${sql.join([sql`${1}`, sql`${2}`, sql`${3}`], sql`, `)} from t ${sql``}`,
      readBatchStatement({ xid: 12, id: 34 }, 500),
      readBatchWithRowsStatement({ xid: 12, id: 34 }, 500),
      sql`select * from users u where u.id = any(${sql.param([1, 2, 3])}::int[]) and u.email = ${sql.param('a@b.c')}`,
    ];
    for (const query of queries) expect(plainQuery(query)).toEqual(drizzleCompiles(query));
  });

  it('leave to drizzle what only it compiles: columns, tables, arrays, typed parameters, names, inlined values', () => {
    for (const query of [
      sql`select ${users.id} from users`,
      sql`select * from ${users}`,
      sql`select 1 where x in ${[1, 2]}`,
      sql`select ${sql.param(1, users.id)}`,
      sql`select ${sql.identifier('name')}`,
      sql`select ${sql`${1}`.inlineParams()}`,
    ]) {
      expect(plainQuery(query)).toBeNull();
    }
  });

  it('send a message, take the chat lock, read the log and load the sender without drizzle compiling them', async () => {
    const [a, b] = await Promise.all([registerUser(env.srv.url), registerUser(env.srv.url)]);
    const chatId = await groupChat(env.srv.url, a, [b]);
    const compiled = vi.spyOn(PgDialect.prototype, 'sqlToQuery');
    const sent = await send(env.srv.url, a, chatId, 'compiled once');
    const page = await gql(env.srv.url, `query($c: ID!) { messages(chatId: $c, first: 5) { edges { node { id content } } } }`, { c: chatId }, b.token);
    // (The group's creation left a system message or two before it.)
    expect(page.data!.messages.edges.map((e: any) => e.node)).toContainEqual({ id: sent.id, content: 'compiled once' });
    const texts = compiled.mock.results.map((r) => (r.value as { sql: string }).sql);
    expect(texts.filter((t) => /insert into messages|pg_advisory_xact_lock|from chat_log|from messages m where m\.chat_id|from users u where u\.id = any/.test(t))).toEqual([]);
  });
});

import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readBatchStatement, readBatchWithRowsStatement } from '../src/chatlog/read.js';
import { plainQuery, PlainStatement, slot, Statements } from '../src/db/plain-sql.js';
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

  it('with slots, are flattened once and sent with each call\'s values in the slots\' places', async () => {
    const shape = (a: unknown, b: unknown) => sql`select ${a}::int + ${7}::int as n, ${b}::text as t, ${sql`${a}::int * 2`} as twice, ${'2026-01-02T03:04:05Z'}::timestamptz as at`;
    const statement = new PlainStatement<'a' | 'b'>(shape(slot('a'), slot('b')));
    for (const [a, b] of [[1, 'x'], [5, null]] as const) {
      expect(statement.query({ a, b })).toEqual(drizzleCompiles(shape(a, b)));
      const [row] = await statement.execute(env.db.db, { a, b });
      expect(row).toMatchObject({ n: a + 7, t: b, twice: a * 2 });
    }
    // Every slot needs a value (null is one); only what plainQuery sends goes in a statement.
    expect(() => statement.query({ a: 1 })).toThrow(/slot "b"/);
    // Several sets of values: each slot from the first that has it.
    expect(statement.query({ a: 2 }, { a: 3, b: 'y' })).toEqual(drizzleCompiles(shape(2, 'y')));
    expect(() => new PlainStatement(sql`select ${users.id} from users where id = ${slot('a')}`)).toThrow();
    // Without slots being asked for, a placeholder is drizzle's to compile.
    expect(plainQuery(sql`select ${slot('a')}`)).toBeNull();
  });

  it('build the statements of a message once, however many messages are sent', async () => {
    const [a, b] = await Promise.all([registerUser(env.srv.url), registerUser(env.srv.url)]);
    const chatId = await groupChat(env.srv.url, a, [b]);
    // Each kind once (a message with a retry key is another statement), then count what is built.
    await send(env.srv.url, a, chatId, 'first');
    await send(env.srv.url, a, chatId, 'first with a key', 'key-0');
    const built: string[] = [];
    const get = Statements.prototype.get;
    vi.spyOn(Statements.prototype, 'get').mockImplementation(function (this: Statements, key, build) {
      return get.call(this, key, () => (built.push(key), build()));
    });
    const sent = [];
    for (let i = 1; i <= 3; i++) sent.push(await send(env.srv.url, a, chatId, `again ${i}`), await send(env.srv.url, b, chatId, `keyed ${i}`, `key-${i}`));
    expect(Statements.prototype.get).toHaveBeenCalled();
    expect(built).toEqual([]);
    const page = await gql(env.srv.url, `query($c: ID!) { messages(chatId: $c, last: 6) { edges { node { id content } } } }`, { c: chatId }, a.token);
    expect(page.data!.messages.edges.map((e: any) => e.node)).toEqual(sent.map((m) => ({ id: m.id, content: m.content })));
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

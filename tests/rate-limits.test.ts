import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directChat } from './helpers/chat.js';
import { errorOf, fromAddress, gql, registerUser, uniqueAddress, uniqueEmail, type GraphQLResponse } from './helpers/graphql.js';
import { startServer, testDatabase, type TestServer } from './helpers/server.js';
import { execute, wsClient } from './helpers/ws.js';
import type { Database } from '../src/db/client.js';
import { metrics } from '../src/observability/metrics.js';

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { accessToken } }`;
const INVITE = `mutation($u: ID) { sendInvitation(userId: $u) { id } }`;
const SEARCH = `query($q: String!) { searchUsers(query: $q) { id } }`;
const CREATE_GROUP = `mutation($p: [ID!]!) { createGroupChat(name: "Limited", participantIds: $p) { id } }`;
const ADD = `mutation($c: ID!, $u: [ID!]!) { addParticipants(chatId: $c, userIds: $u) { participants { user { id } } } }`;
const SEND = `mutation($c: ID!, $t: String!) { sendMessage(input: { chatId: $c, content: $t }) { id } }`;

const BURST = { points: 2, seconds: 2 };
const SUSTAINED = { points: 3, seconds: 60 };
// Windows that outlast any test, for scenes that must not race the burst window's end.
const SLOW_BURST = { points: 2, seconds: 600 };
const SLOW_SUSTAINED = { points: 5, seconds: 3600 };
const rateLimits = {
  register: [{ points: 2, seconds: 60 }],
  message: [BURST, SUSTAINED],
  invitation: [{ points: 2, seconds: 60 }],
  groupAdd: [{ points: 3, seconds: 60 }],
  search: [{ points: 2, seconds: 60 }],
};

// Two limited instances on one database (their counters are shared), and one with the defaults
// to set scenes up.
let a: TestServer;
let b: TestServer;
let slowA: TestServer;
let slowB: TestServer;
let open: TestServer;
let db: Database;
beforeAll(async () => {
  const slow = { rateLimits: { ...rateLimits, message: [SLOW_BURST, SLOW_SUSTAINED] } };
  [a, b, slowA, slowB, open] = await Promise.all([
    startServer({ rateLimits, trustProxy: true }),
    startServer({ rateLimits, trustProxy: true }),
    startServer(slow),
    startServer(slow),
    startServer(),
  ]);
  db = testDatabase();
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), slowA?.stop(), slowB?.stop(), open?.stop()]);
  await db?.close();
});

type Transport = 'http' | 'ws';

/** One operation through `server`, over HTTP or over a WebSocket, from `address` when given. */
async function run(via: Transport, server: TestServer, query: string, variables: Record<string, unknown>, token: string, address?: string) {
  const headers = address ? fromAddress(address) : {};
  if (via === 'http') return gql(server.url, query, variables, token, headers);
  const client = wsClient(server.wsUrl, token, { headers });
  try {
    return await execute(client, query, variables);
  } finally {
    await client.dispose();
  }
}

function expectLimited(res: Pick<GraphQLResponse, 'errors' | 'data'>): number {
  expect(errorOf(res).code).toBe('RATE_LIMITED');
  expect(res.data ?? null).toBeNull();
  const retryAfter = res.errors![0]!.extensions!.retryAfter as number;
  expect(retryAfter).toBeGreaterThan(0);
  return retryAfter;
}

const ok = (res: Pick<GraphQLResponse, 'errors'>) => expect(res.errors).toBeUndefined();
const users = (n: number) => Promise.all(Array.from({ length: n }, () => registerUser(open.url)));

describe.each<Transport>(['http', 'ws'])('limits over %s, shared by two instances', (via) => {
  it('limits registrations per address', async () => {
    const [someone] = await users(1);
    const from = uniqueAddress();
    const register = (server: TestServer, address: string) =>
      run(via, server, REGISTER, { input: { firstname: 'R', lastname: 'L', email: uniqueEmail(), password: 'password-123' } }, someone!.token, address);
    ok(await register(a, from));
    ok(await register(b, from));
    // Entries a client writes itself, before the one its proxy appends, change nothing.
    expectLimited(await register(a, `${uniqueAddress()}, ${from}`));
    ok(await register(b, uniqueAddress()));
  });

  it('limits invitations per user', async () => {
    const [inviter, other, ...targets] = await users(5);
    ok(await run(via, a, INVITE, { u: targets[0]!.id }, inviter!.token));
    ok(await run(via, b, INVITE, { u: targets[1]!.id }, inviter!.token));
    expectLimited(await run(via, a, INVITE, { u: targets[2]!.id }, inviter!.token));
    ok(await run(via, b, INVITE, { u: targets[2]!.id }, other!.token));
  });

  it('limits searches per user, and counts the refusals', async () => {
    const [searcher, other] = await users(2);
    ok(await run(via, a, SEARCH, { q: 'Test' }, searcher!.token));
    ok(await run(via, b, SEARCH, { q: 'Test' }, searcher!.token));
    const refused = await refusals('search');
    expectLimited(await run(via, a, SEARCH, { q: 'Test' }, searcher!.token));
    expect(await refusals('search')).toBe(refused + 1);
    ok(await run(via, b, SEARCH, { q: 'Test' }, other!.token));
  });

  it('limits the people a user adds to groups, adding nobody when refused', async () => {
    const [owner, ...people] = await users(5);
    const created = await run(via, a, CREATE_GROUP, { p: [people[0]!.id, people[1]!.id] }, owner!.token);
    ok(created);
    const chatId = (created.data as { createGroupChat: { id: string } }).createGroupChat.id;
    expectLimited(await run(via, b, ADD, { c: chatId, u: [people[2]!.id, people[3]!.id] }, owner!.token));
    const added = await run(via, a, ADD, { c: chatId, u: [people[2]!.id] }, owner!.token);
    ok(added);
    expect((added.data as any).addParticipants.participants).toHaveLength(4);
    expectLimited(await run(via, b, ADD, { c: chatId, u: [people[3]!.id] }, owner!.token));
    // Someone else's budget is their own.
    ok(await run(via, b, CREATE_GROUP, { p: [people[3]!.id] }, people[0]!.token));
  });

  it('limits messages per user, in a burst and over a longer window, storing only what passed', async () => {
    const [sender, peer] = await users(2);
    const chatId = await directChat(open.url, sender!, peer!);
    const send = (server: TestServer, text: string) => run(via, server, SEND, { c: chatId, t: text }, sender!.token);
    const sendUntilRefused = async () => {
      for (let sent = 0; sent <= SUSTAINED.points; sent++) {
        const res = await send(sent % 2 ? a : b, `m${sent}`);
        if (res.errors) return { sent, retryAfter: expectLimited(res) };
      }
      throw new Error('never refused');
    };
    const burst = await sendUntilRefused();
    expect(burst.sent).toBe(BURST.points);
    expect(burst.retryAfter).toBeLessThanOrEqual(BURST.seconds);
    // The burst's window ends when the server says so; the longer one still counts.
    await new Promise((r) => setTimeout(r, burst.retryAfter * 1000));
    const sustained = await sendUntilRefused();
    expect(burst.sent + sustained.sent).toBe(SUSTAINED.points);
    expect(sustained.retryAfter).toBeGreaterThan(BURST.seconds);
    ok(await run(via, a, SEND, { c: chatId, t: 'the peer may still talk' }, peer!.token));
    expect(await storedIn(chatId)).toBe(SUSTAINED.points + 1);
  });

  it('lets concurrent messages on two instances past no more than the budget, and refusals take nothing', async () => {
    const [sender, peer] = await users(2);
    const chatId = await directChat(open.url, sender!, peer!);
    const results = await Promise.all(
      Array.from({ length: 3 * SLOW_BURST.points }, (_, i) => run(via, i % 2 ? slowA : slowB, SEND, { c: chatId, t: `at once ${i}` }, sender!.token)),
    );
    const refused = results.filter((r) => r.errors);
    for (const r of refused) expectLimited(r);
    expect(results.length - refused.length).toBe(SLOW_BURST.points);
    expect(await storedIn(chatId)).toBe(SLOW_BURST.points);
    // Had the refusals taken from the longer window before being turned away, it would hold more.
    expect(await budgetOf(sender!.id, [SLOW_BURST, SLOW_SUSTAINED])).toEqual([SLOW_BURST.points, SLOW_BURST.points]);
  });

  it('asks the budget before anything else: a spent window refuses even a message the sender may not send', async () => {
    const [sender, peer, stranger] = await users(3);
    const own = await directChat(open.url, sender!, peer!);
    const foreign = await directChat(open.url, peer!, stranger!);
    for (let i = 0; i < SLOW_BURST.points; i++) ok(await run(via, slowA, SEND, { c: own, t: `mine ${i}` }, sender!.token));
    expectLimited(await run(via, slowB, SEND, { c: foreign, t: 'not mine' }, sender!.token));
    // Refused whole: the longer window, which had room, took nothing either.
    expect(await budgetOf(sender!.id, [SLOW_BURST, SLOW_SUSTAINED])).toEqual([SLOW_BURST.points, SLOW_BURST.points]);
    expect(await storedIn(foreign)).toBe(0);
  });

  it('counts a message refused for another reason once', async () => {
    const [sender, peer, outsider] = await users(3);
    const chatId = await directChat(open.url, sender!, peer!);
    expect(errorOf(await run(via, a, SEND, { c: chatId, t: 'not mine' }, outsider!.token)).code).toBe('NOT_FOUND');
    expect(await budgetOf(outsider!.id)).toEqual([1, 1]);
    expect(await storedIn(chatId)).toBe(0);
  });
});

async function refusals(limit: string): Promise<number> {
  return (await metrics.rateLimited.get()).values.find((v) => v.labels.limit === limit)?.value ?? 0;
}

/** Points held by `userId`'s message windows, burst first. */
async function budgetOf(userId: string, windows = [BURST, SUSTAINED]): Promise<number[]> {
  const keys = windows.map((w) => `message-${w.seconds}s:${userId}`);
  const rows = await db.db.execute<{ key: string; points: number }>(sql`select key, points from rate_limits where key in (${keys[0]}, ${keys[1]})`);
  return keys.map((k) => rows.find((r) => r.key === k)?.points ?? 0);
}

async function storedIn(chatId: string): Promise<number> {
  const [row] = await db.db.execute<{ n: number }>(sql`select count(*)::int as n from messages where chat_id = ${Number(chatId)}`);
  return row!.n;
}

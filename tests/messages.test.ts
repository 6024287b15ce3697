import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../src/db/schema.js';
import { directChat, groupChat, MESSAGE_FIELDS, send } from './helpers/chat.js';
import { errorOf, gql, registerUser, type TestUser } from './helpers/graphql.js';
import { settled } from './helpers/log.js';
import { useServerAndDatabase } from './helpers/server.js';

const env = useServerAndDatabase();

const users = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => registerUser(env.srv.url, { firstname: `M${i}` })));
const SEND = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { ${MESSAGE_FIELDS} } }`;
const PAGE = `query($c: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  messages(chatId: $c, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id content } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
const READ = `mutation($c: ID!, $m: ID) { markChatRead(chatId: $c, messageId: $m) { chatId lastReadMessageId readAt user { id } } }`;
const countIn = async (chatId: string) =>
  (await env.db.db.select({ n: sql<number>`count(*)::int` }).from(messages).where(eq(messages.chatId, Number(chatId))))[0]!.n;

describe('sendMessage', () => {
  it('stores trimmed content and returns the message', async () => {
    const [a, b] = await users(2);
    const chatId = await directChat(env.srv.url, a!, b!);
    const res = await gql(env.srv.url, SEND, { i: { chatId, content: '  hello  ', messageType: 'IMAGE' } }, a!.token);
    expect(res.data!.sendMessage).toMatchObject({ chatId, content: 'hello', messageType: 'IMAGE', isRead: false, sender: { id: a!.id } });
    const chat = (await gql(env.srv.url, `query($id: ID!) { chat(id: $id) { lastMessage { id } unreadCount } }`, { id: chatId }, b!.token)).data!.chat;
    expect(chat).toEqual({ lastMessage: { id: res.data!.sendMessage.id }, unreadCount: 1 });
  });

  it.each([
    ['content', { content: '   ' }],
    ['content', { content: 'x'.repeat(10_001) }],
    ['messageType', { content: 'hi', messageType: 'SYSTEM' }],
    ['messageType', { content: 'hi', messageType: 'VIDEO' }],
    ['clientMessageId', { content: 'hi', clientMessageId: 'k'.repeat(101) }],
    ['chatId', { content: 'hi', chatId: 'abc' }],
  ])('refuses a bad %s and stores nothing', async (field, patch) => {
    const [a, b] = await users(2);
    const chatId = await directChat(env.srv.url, a!, b!);
    const res = await gql(env.srv.url, SEND, { i: { chatId, ...patch } }, a!.token);
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(await countIn(chatId)).toBe(0);
  });

  it('accepts exactly 10,000 characters', async () => {
    const [a, b] = await users(2);
    const chatId = await directChat(env.srv.url, a!, b!);
    expect((await send(env.srv.url, a!, chatId, 'y'.repeat(10_000))).content).toHaveLength(10_000);
  });

  it('answers a retry with the stored message even after a block, and refuses anything new', async () => {
    const [a, b] = await users(2);
    const chatId = await directChat(env.srv.url, a!, b!);
    const first = await send(env.srv.url, a!, chatId, 'sent before the block', 'retry-key');
    await gql(env.srv.url, `mutation($u: ID!) { blockUser(userId: $u) { status } }`, { u: a!.id }, b!.token);
    const retry = await gql(env.srv.url, SEND, { i: { chatId, content: 'sent before the block', clientMessageId: 'retry-key' } }, a!.token);
    expect(retry.data!.sendMessage.id).toBe(first.id);
    expect(errorOf(await gql(env.srv.url, SEND, { i: { chatId, content: 'new', clientMessageId: 'other-key' } }, a!.token)).code).toBe('FORBIDDEN');
    expect(await countIn(chatId)).toBe(1);
  });

  it('returns the first message for a retried clientMessageId, even concurrently', async () => {
    const [a, b] = await users(2);
    const chatId = await directChat(env.srv.url, a!, b!);
    const first = await send(env.srv.url, a!, chatId, 'once', 'key-1');
    const retry = await send(env.srv.url, a!, chatId, 'once', 'key-1');
    expect(retry.id).toBe(first.id);
    const burst = await Promise.all(Array.from({ length: 5 }, () => send(env.srv.url, a!, chatId, 'burst', 'key-2')));
    expect(new Set(burst.map((m) => m.id)).size).toBe(1);
    expect(await countIn(chatId)).toBe(2);
    // Another sender may use the same key; the same sender may not reuse it elsewhere.
    expect((await send(env.srv.url, b!, chatId, 'mine', 'key-1')).id).not.toBe(first.id);
    const [c] = await users(1);
    const other = await directChat(env.srv.url, a!, c!);
    expect(errorOf(await gql(env.srv.url, SEND, { i: { chatId: other, content: 'x', clientMessageId: 'key-1' } }, a!.token))).toEqual({ code: 'CONFLICT', field: 'clientMessageId' });
  });

  it('commits 20 concurrent messages into one chat in id order', async () => {
    const [a, b, c] = await users(3);
    const chatId = await groupChat(env.srv.url, a!, [b!, c!]);
    await settled(env.db); // the group's own entries are behind the cursor
    const cursor = (await gql(env.srv.url, `{ updateCursor }`, {}, b!.token)).data!.updateCursor;
    const senders = [a!, b!, c!];
    const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => send(env.srv.url, senders[i % 3]!, chatId, `m${i}`)));
    // The log hands entries out in its own order; within a chat that must be message id order.
    await settled(env.db);
    const page = await gql(env.srv.url, `query($a: String!) { updates(after: $a) { updates { ... on MessageAddedUpdate { message { id } } } } }`, { a: cursor }, b!.token);
    const ids = page.data!.updates.updates.map((u: any) => Number(u.message.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids)).toEqual(new Set(sent.map((m) => Number(m.id))));
  });
});

describe('messages pagination', () => {
  let a: TestUser;
  let chatId: string;
  let all: string[];
  beforeAll(async () => {
    const [x, y] = await users(2);
    a = x!;
    chatId = await directChat(env.srv.url, x!, y!);
    // Insert 250 directly (with the same columns sendMessage writes) to keep the test quick.
    const rows = await env.db.db
      .insert(messages)
      .values(Array.from({ length: 250 }, (_, i) => ({ chatId: Number(chatId), senderId: i % 2 ? Number(x!.id) : Number(y!.id), content: `n${i}` })))
      .returning({ id: messages.id });
    all = rows.map((r) => String(r.id)).sort((p, q) => Number(p) - Number(q));
  });

  it('walks forwards over 250 messages, each exactly once, in order', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page: any = (await gql(env.srv.url, PAGE, { c: chatId, first: 100, after }, a.token)).data!.messages;
      seen.push(...page.edges.map((e: any) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);
  });

  it('walks backwards over 250 messages, each exactly once, pages oldest to newest', async () => {
    const pages: string[][] = [];
    let before: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page: any = (await gql(env.srv.url, PAGE, { c: chatId, last: 60, before }, a.token)).data!.messages;
      pages.push(page.edges.map((e: any) => e.node.id));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(pages[0]).toEqual(all.slice(-60));
    expect(pages.reverse().flat()).toEqual(all);
  });

  it('defaults to the newest 20 and refuses bad windows', async () => {
    const page = (await gql(env.srv.url, PAGE, { c: chatId }, a.token)).data!.messages;
    expect(page.edges.map((e: any) => e.node.id)).toEqual(all.slice(-20));
    expect(page.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    for (const [vars, field] of [
      [{ first: 101 }, 'first'],
      [{ last: 0 }, 'last'],
      [{ first: 5, last: 5 }, 'last'],
      [{ after: 'nonsense' }, 'after'],
      [{ first: 5, before: page.pageInfo.startCursor }, 'first'],
    ] as const) {
      expect(errorOf(await gql(env.srv.url, PAGE, { c: chatId, ...vars }, a.token)), JSON.stringify(vars)).toEqual({ code: 'BAD_USER_INPUT', field });
    }
  });
});

describe('markChatRead', () => {
  it('moves the marker forward only, maintains isRead and unread counts', async () => {
    const [a, b, c] = await users(3);
    const chatId = await groupChat(env.srv.url, a!, [b!, c!]);
    await gql(env.srv.url, READ, { c: chatId }, b!.token);
    await gql(env.srv.url, READ, { c: chatId }, c!.token);
    const m1 = await send(env.srv.url, a!, chatId, 'one');
    const m2 = await send(env.srv.url, a!, chatId, 'two');
    const unread = async (u: TestUser) => (await gql(env.srv.url, `query($id: ID!) { chat(id: $id) { unreadCount myLastReadMessageId } }`, { id: chatId }, u.token)).data!.chat;
    expect((await unread(b!)).unreadCount).toBe(2);

    const r1 = (await gql(env.srv.url, READ, { c: chatId, m: m1.id }, b!.token)).data!.markChatRead;
    expect(r1).toMatchObject({ chatId, lastReadMessageId: m1.id, user: { id: b!.id } });
    expect(await unread(b!)).toEqual({ unreadCount: 1, myLastReadMessageId: m1.id });
    // Read by b only: not yet read by everyone else.
    const isRead = async (id: string) => (await env.db.db.select({ r: messages.isRead }).from(messages).where(eq(messages.id, Number(id))))[0]!.r;
    expect(await isRead(m1.id)).toBe(false);

    const rAll = (await gql(env.srv.url, READ, { c: chatId }, b!.token)).data!.markChatRead;
    expect(rAll.lastReadMessageId).toBe(m2.id);
    // Backwards is ignored.
    const back = (await gql(env.srv.url, READ, { c: chatId, m: m1.id }, b!.token)).data!.markChatRead;
    expect(back.lastReadMessageId).toBe(m2.id);

    await gql(env.srv.url, READ, { c: chatId, m: m1.id }, c!.token);
    expect(await isRead(m1.id)).toBe(true);
    expect(await isRead(m2.id)).toBe(false);
    await gql(env.srv.url, READ, { c: chatId }, c!.token);
    expect(await isRead(m2.id)).toBe(true);
    expect((await unread(c!)).unreadCount).toBe(0);
  });

  it('marks a message read when the last participant who had not read it leaves or is removed', async () => {
    const [a, b, c, d] = await users(4);
    const chatId = await groupChat(env.srv.url, a!, [b!, c!, d!]);
    const hello = await send(env.srv.url, a!, chatId, 'hello');
    const isRead = async () => (await env.db.db.select({ r: messages.isRead }).from(messages).where(eq(messages.id, Number(hello.id))))[0]!.r;
    await gql(env.srv.url, READ, { c: chatId, m: hello.id }, b!.token);
    // Still waiting on c and d: d is removed, then c leaves.
    await gql(env.srv.url, `mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: chatId, u: d!.id }, a!.token);
    expect(await isRead()).toBe(false);
    expect((await gql(env.srv.url, `mutation($c: ID!) { leaveChat(chatId: $c) }`, { c: chatId }, c!.token)).errors).toBeUndefined();
    expect(await isRead()).toBe(true);
  });

  it('refuses a message of another chat and malformed ids', async () => {
    const [a, b, c] = await users(3);
    const chatId = await directChat(env.srv.url, a!, b!);
    const other = await directChat(env.srv.url, a!, c!);
    const foreign = await send(env.srv.url, a!, other, 'elsewhere');
    expect(errorOf(await gql(env.srv.url, READ, { c: chatId, m: foreign.id }, b!.token)).code).toBe('NOT_FOUND');
    expect(errorOf(await gql(env.srv.url, READ, { c: chatId, m: 'zz' }, b!.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'messageId' });
  });
});

describe('access', () => {
  it('gives a non-participant NOT_FOUND from every chat and message operation', async () => {
    const [a, b, outsider] = await users(3);
    const group = await groupChat(env.srv.url, a!, [b!]);
    const direct = await directChat(env.srv.url, a!, b!);
    const msg = await send(env.srv.url, a!, group, 'private');
    const ops: [string, Record<string, unknown>][] = [
      [`query($c: ID!) { chat(id: $c) { id } }`, { c: group }],
      [`query($c: ID!) { chat(id: $c) { id } }`, { c: direct }],
      [`query($c: ID!) { messages(chatId: $c) { edges { node { id } } } }`, { c: group }],
      [`mutation($c: ID!) { sendMessage(input: { chatId: $c, content: "hi" }) { id } }`, { c: group }],
      [`mutation($c: ID!) { sendMessage(input: { chatId: $c, content: "hi" }) { id } }`, { c: direct }],
      [`mutation($c: ID!, $m: ID) { markChatRead(chatId: $c, messageId: $m) { chatId } }`, { c: group, m: msg.id }],
      [`mutation($c: ID!) { renameChat(chatId: $c, name: "x") { id } }`, { c: group }],
      [`mutation($c: ID!, $u: [ID!]!) { addParticipants(chatId: $c, userIds: $u) { id } }`, { c: group, u: [outsider!.id] }],
      [`mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: group, u: b!.id }],
      [`mutation($c: ID!) { leaveChat(chatId: $c) }`, { c: group }],
      [`query($c: ID!) { chat(id: $c) { id } }`, { c: '99999999' }],
    ];
    for (const [query, vars] of ops) {
      expect(errorOf(await gql(env.srv.url, query, vars, outsider!.token)).code, query).toBe('NOT_FOUND');
    }
    const list = (await gql(env.srv.url, `{ chats { edges { node { id } } } }`, {}, outsider!.token)).data!.chats;
    expect(list.edges).toEqual([]);
    expect(await countIn(group)).toBe(3);
  });

  it('needs a viewer', async () => {
    expect(errorOf(await gql(env.srv.url, `{ chats { edges { cursor } } }`)).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await gql(env.srv.url, `mutation { sendMessage(input: { chatId: "1", content: "x" }) { id } }`)).code).toBe('UNAUTHENTICATED');
  });
});

import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chatParticipants, chats, contacts, messages } from '../src/db/schema.js';
import { CHAT_FIELDS, directChat, groupChat, send } from './helpers/chat.js';
import { errorOf, gql, registerUser, type TestUser } from './helpers/graphql.js';
import { useServerAndDatabase } from './helpers/server.js';
import { statementsOf } from './helpers/statements.js';

const env = useServerAndDatabase();

const users = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => registerUser(env.srv.url, { firstname: `U${i}` })));
const CHAT = `query($id: ID!) { chat(id: $id) { ${CHAT_FIELDS} } }`;
const systemMessages = (chatId: string) =>
  env.db.db.select({ content: messages.content }).from(messages).where(and(eq(messages.chatId, Number(chatId)), eq(messages.messageType, 'SYSTEM'))).orderBy(messages.id);

describe('createDirectChat', () => {
  it('is idempotent from either side', async () => {
    const [a, b] = await users(2);
    const first = await directChat(env.srv.url, a!, b!);
    expect(await directChat(env.srv.url, a!, b!)).toBe(first);
    expect(await directChat(env.srv.url, b!, a!)).toBe(first);
    const chat = (await gql(env.srv.url, CHAT, { id: first }, b!.token)).data!.chat;
    expect(chat).toMatchObject({ isGroup: false, name: null });
    expect(chat.participants.map((p: any) => p.user.id).sort()).toEqual([a!.id, b!.id].sort());
  });

  it('yields one chat when both sides call at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = await users(2);
      const ids = await Promise.all([directChat(env.srv.url, a!, b!), directChat(env.srv.url, b!, a!), directChat(env.srv.url, a!, b!)]);
      expect(new Set(ids).size).toBe(1);
      const [row] = await env.db.db.select({ n: sql<number>`count(*)::int` }).from(chats).where(eq(chats.directKey, [a!.id, b!.id].map(Number).sort((x, y) => x - y).join(':')));
      expect(row!.n).toBe(1);
      const parts = await env.db.db.select().from(chatParticipants).where(eq(chatParticipants.chatId, Number(ids[0])));
      expect(parts).toHaveLength(2);
    }
  });

  it('refuses yourself, unknown users, malformed ids and blocked pairs', async () => {
    const [a, b] = await users(2);
    const create = (u: TestUser, id: string) => gql(env.srv.url, `mutation($u: ID!) { createDirectChat(userId: $u) { id } }`, { u: id }, u.token);
    expect(errorOf(await create(a!, a!.id))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect(errorOf(await create(a!, '99999999')).code).toBe('NOT_FOUND');
    expect(errorOf(await create(a!, 'x1'))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
    await env.db.db.insert(contacts).values({ userId: Number(b!.id), contactId: Number(a!.id), status: 'BLOCKED', direction: 'OUTGOING' });
    expect(errorOf(await create(a!, b!.id)).code).toBe('NOT_FOUND');
    expect(errorOf(await create(b!, a!.id)).code).toBe('NOT_FOUND');
    const [row] = await env.db.db.select({ n: sql<number>`count(*)::int` }).from(chatParticipants).where(eq(chatParticipants.userId, Number(a!.id)));
    expect(row!.n).toBe(0);
  });
});

describe('group chats', () => {
  it('creates a group with an owner, members and a SYSTEM message', async () => {
    const [ana, ben, cy] = await users(3);
    const id = await groupChat(env.srv.url, ana!, [ben!, cy!, ana!], '  Friends ');
    const chat = (await gql(env.srv.url, CHAT, { id }, ben!.token)).data!.chat;
    expect(chat).toMatchObject({ name: 'Friends', isGroup: true });
    expect(chat.participants).toEqual([
      { role: 'OWNER', user: { id: ana!.id } },
      { role: 'MEMBER', user: { id: ben!.id } },
      { role: 'MEMBER', user: { id: cy!.id } },
    ]);
    expect((await systemMessages(id)).map((m) => m.content)).toEqual(['U0 created the group "Friends"', 'U0 added U1 and U2']);
    // SYSTEM messages never count as unread.
    expect(chat.unreadCount).toBe(0);
  });

  it.each([
    ['name', { n: '', p: [] }],
    ['name', { n: 'x'.repeat(101), p: [] }],
    ['participantIds', { n: 'ok', p: ['nope'] }],
  ])('refuses a bad %s and stores nothing', async (field, vars) => {
    const [a] = await users(1);
    const res = await gql(env.srv.url, `mutation($n: String!, $p: [ID!]!) { createGroupChat(name: $n, participantIds: $p) { id } }`, vars, a!.token);
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field });
    const [row] = await env.db.db.select({ n: sql<number>`count(*)::int` }).from(chatParticipants).where(eq(chatParticipants.userId, Number(a!.id)));
    expect(row!.n).toBe(0);
  });

  it('refuses unknown participants and stores nothing', async () => {
    const [a, b] = await users(2);
    const res = await gql(env.srv.url, `mutation($p: [ID!]!) { createGroupChat(name: "G", participantIds: $p) { id } }`, { p: [b!.id, '99999999'] }, a!.token);
    expect(errorOf(res).code).toBe('NOT_FOUND');
    const [row] = await env.db.db.select({ n: sql<number>`count(*)::int` }).from(chatParticipants).where(eq(chatParticipants.userId, Number(b!.id)));
    expect(row!.n).toBe(0);
  });

  it('lets the owner rename, add and remove; members get FORBIDDEN; outsiders NOT_FOUND', async () => {
    const [ana, ben, cy, dee, eve] = await users(5);
    const id = await groupChat(env.srv.url, ana!, [ben!]);
    const rename = (u: TestUser, name: string) => gql(env.srv.url, `mutation($c: ID!, $n: String!) { renameChat(chatId: $c, name: $n) { name } }`, { c: id, n: name }, u.token);
    const add = (u: TestUser, ids: string[]) => gql(env.srv.url, `mutation($c: ID!, $u: [ID!]!) { addParticipants(chatId: $c, userIds: $u) { participants { user { id } } } }`, { c: id, u: ids }, u.token);
    const remove = (u: TestUser, uid: string) => gql(env.srv.url, `mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { participants { user { id } } } }`, { c: id, u: uid }, u.token);

    expect((await rename(ana!, 'Renamed')).data!.renameChat.name).toBe('Renamed');
    expect(errorOf(await rename(ana!, ''))).toEqual({ code: 'BAD_USER_INPUT', field: 'name' });
    expect(errorOf(await rename(ben!, 'Mine now')).code).toBe('FORBIDDEN');
    expect(errorOf(await rename(eve!, 'Mine now')).code).toBe('NOT_FOUND');

    const added = await add(ana!, [cy!.id, dee!.id, ben!.id]);
    expect(added.data!.addParticipants.participants.map((p: any) => p.user.id)).toEqual([ana!.id, ben!.id, cy!.id, dee!.id]);
    expect(errorOf(await add(ben!, [eve!.id])).code).toBe('FORBIDDEN');
    expect(errorOf(await add(eve!, [eve!.id])).code).toBe('NOT_FOUND');
    expect(errorOf(await add(ana!, ['99999999'])).code).toBe('NOT_FOUND');

    expect((await remove(ana!, cy!.id)).data!.removeParticipant.participants.map((p: any) => p.user.id)).toEqual([ana!.id, ben!.id, dee!.id]);
    expect(errorOf(await remove(ben!, dee!.id)).code).toBe('FORBIDDEN');
    expect(errorOf(await remove(ana!, cy!.id)).code).toBe('NOT_FOUND');
    expect(errorOf(await remove(ana!, ana!.id))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });

    // The removed member loses access at once.
    expect(errorOf(await gql(env.srv.url, CHAT, { id }, cy!.token)).code).toBe('NOT_FOUND');
    expect((await gql(env.srv.url, CHAT, { id }, cy!.token)).data?.chat ?? null).toBeNull();
    expect((await systemMessages(id)).map((m) => m.content)).toEqual([
      'U0 created the group "Group"',
      'U0 added U1',
      'U0 renamed the group to "Renamed"',
      'U0 added U2 and U3',
      'U0 removed U2',
    ]);
  });

  it('passes ownership on when the owner leaves, and removes an emptied group', async () => {
    const [ana, ben, cy] = await users(3);
    const id = await groupChat(env.srv.url, ana!, [ben!, cy!]);
    const leave = (u: TestUser) => gql(env.srv.url, `mutation($c: ID!) { leaveChat(chatId: $c) }`, { c: id }, u.token);
    expect((await leave(ana!)).data!.leaveChat).toBe(true);
    const chat = (await gql(env.srv.url, CHAT, { id }, ben!.token)).data!.chat;
    expect(chat.participants).toEqual([
      { role: 'OWNER', user: { id: ben!.id } },
      { role: 'MEMBER', user: { id: cy!.id } },
    ]);
    expect(errorOf(await leave(ana!)).code).toBe('NOT_FOUND');
    expect((await systemMessages(id)).at(-1)!.content).toBe('U0 left');
    await leave(cy!);
    await leave(ben!);
    expect(await env.db.db.select().from(chats).where(eq(chats.id, Number(id)))).toEqual([]);
  });

  it('keeps direct chats at exactly two participants', async () => {
    const [a, b, c] = await users(3);
    const id = await directChat(env.srv.url, a!, b!);
    expect(errorOf(await gql(env.srv.url, `mutation($c: ID!, $u: [ID!]!) { addParticipants(chatId: $c, userIds: $u) { id } }`, { c: id, u: [c!.id] }, a!.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'chatId' });
    expect(errorOf(await gql(env.srv.url, `mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: id, u: b!.id }, a!.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'chatId' });
    expect(errorOf(await gql(env.srv.url, `mutation($c: ID!) { leaveChat(chatId: $c) }`, { c: id }, a!.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'chatId' });
    expect(errorOf(await gql(env.srv.url, `mutation($c: ID!) { renameChat(chatId: $c, name: "x") { id } }`, { c: id }, a!.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'chatId' });
  });
});

describe('chats list', () => {
  const LIST = `query($first: Int, $after: String) { chats(first: $first, after: $after) { edges { cursor node { id unreadCount lastMessage { content } } } pageInfo { hasNextPage endCursor } } }`;

  it('orders by latest activity, with last message and unread count, paging with cursors', async () => {
    const [me, x, y, z] = await users(4);
    const cx = await directChat(env.srv.url, me!, x!);
    const cy = await directChat(env.srv.url, me!, y!);
    const cz = await directChat(env.srv.url, me!, z!);
    await send(env.srv.url, x!, cx, 'from x 1');
    await send(env.srv.url, x!, cx, 'from x 2');
    await send(env.srv.url, me!, cy, 'mine');
    const page1 = (await gql(env.srv.url, LIST, { first: 2 }, me!.token)).data!.chats;
    expect(page1.edges.map((e: any) => e.node.id)).toEqual([cy, cx]);
    expect(page1.edges[1].node).toMatchObject({ unreadCount: 2, lastMessage: { content: 'from x 2' } });
    expect(page1.edges[0].node.unreadCount).toBe(0);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await gql(env.srv.url, LIST, { first: 2, after: page1.pageInfo.endCursor }, me!.token)).data!.chats;
    expect(page2.edges.map((e: any) => e.node.id)).toEqual([cz]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect(errorOf(await gql(env.srv.url, LIST, { first: 101 }, me!.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(errorOf(await gql(env.srv.url, LIST, { after: 'garbage' }, me!.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('costs a constant number of SQL statements for 50 chats of 5 members', async () => {
    const [me, ...others] = await users(5);
    const QUERY = `{ chats(first: 50) { edges { node { id unreadCount participants { role user { id firstname } } lastMessage { content sender { id firstname } } } } } }`;
    const count = async () => {
      const { statements, result: res } = await statementsOf(env.srv.server.database, () => gql(env.srv.url, QUERY, {}, me!.token));
      expect(res.errors).toBeUndefined();
      return { statements, chats: res.data!.chats.edges.length };
    };
    for (let i = 0; i < 10; i++) await groupChat(env.srv.url, me!, others, `g${i}`);
    const ten = await count();
    for (let i = 10; i < 50; i++) await groupChat(env.srv.url, me!, others, `g${i}`);
    const fifty = await count();
    expect(ten.chats).toBe(10);
    expect(fifty.chats).toBe(50);
    // One statement each for the page, participants, last messages and unread counts, and one
    // or two for users (participants' and senders' loads may or may not share a batch).
    expect(ten.statements).toBeLessThanOrEqual(6);
    expect(fifty.statements).toBeLessThanOrEqual(6);
  });
});

describe('messages list', () => {
  it('costs a constant number of SQL statements for 50 messages with reactions, mentions and replies', async () => {
    const [me, ...others] = await users(4);
    const chatId = await groupChat(env.srv.url, me!, others);
    const QUERY = `query($c: ID!) { messages(chatId: $c, first: 50) { edges { node { id
      reactions { emoji count reactedByMe users { id firstname } } mentions { id firstname } replyTo { id content } } } } }`;
    const count = async () => {
      const { statements, result: res } = await statementsOf(env.srv.server.database, () => gql(env.srv.url, QUERY, { c: chatId }, me!.token));
      expect(res.errors).toBeUndefined();
      return { statements, messages: res.data!.messages.edges };
    };
    const react = (u: TestUser, m: string, e: string) =>
      gql(env.srv.url, `mutation($m: ID!, $e: String!) { addReaction(messageId: $m, emoji: $e) { id } }`, { m, e }, u.token);
    /** Each message answers the one before, mentions two people and has reactions from everyone. */
    const fill = async (n: number) => {
      let previous: string | undefined;
      for (let i = 0; i < n; i++) {
        const author = others[i % others.length]!;
        const data = await gql(
          env.srv.url,
          `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`,
          { i: { chatId, content: `m${i}`, replyToId: previous, mentionIds: [me!.id, others[(i + 1) % others.length]!.id] } },
          author.token,
        );
        previous = data.data!.sendMessage.id;
        await Promise.all([react(me!, previous!, '👍'), react(author, previous!, '🎉'), react(others[(i + 2) % others.length]!, previous!, '👍')]);
      }
    };
    await fill(8);
    const ten = await count();
    await fill(40);
    const fifty = await count();
    expect(ten.messages).toHaveLength(10);
    expect(fifty.messages).toHaveLength(50);
    const last = fifty.messages.at(-1).node;
    const byEmoji = Object.fromEntries(last.reactions.map((g: any) => [g.emoji, { count: g.count, reactedByMe: g.reactedByMe, users: g.users.length }]));
    expect(byEmoji).toEqual({ '👍': { count: 2, reactedByMe: true, users: 2 }, '🎉': { count: 1, reactedByMe: false, users: 1 } });
    expect(last.mentions).toHaveLength(2);
    expect(last.replyTo.id).toBe(fifty.messages.at(-2).node.id);
    // The membership check and the page, then one statement each for reactions, mentions and
    // replied-to messages, and one or two for users (the loads may or may not share a batch).
    expect(ten.statements).toBeLessThanOrEqual(7);
    expect(fifty.statements).toBeLessThanOrEqual(7);
  });
});

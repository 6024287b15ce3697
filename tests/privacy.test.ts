import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chatParticipants, users } from '../src/db/schema.js';
import { errorOf } from './helpers/graphql.js';
import { holdTheMark } from './helpers/log.js';
import { befriend, useParley } from './helpers/scenario.js';

const parley = useParley();

const PRIVACY = `{ me { privacy { directMessages groupAdds lastSeen } } }`;
const UPDATE = `mutation($i: PrivacyInput!) { updatePrivacy(input: $i) { directMessages groupAdds lastSeen } }`;
const DIRECT = `mutation($u: ID!) { createDirectChat(userId: $u) { id } }`;
const GROUP = `mutation($p: [ID!]!) { createGroupChat(name: "G", participantIds: $p) { id } }`;
const ADD = `mutation($c: ID!, $u: [ID!]!) { addParticipants(chatId: $c, userIds: $u) { id } }`;
const SEND = `mutation($c: ID!, $t: String!) { sendMessage(input: { chatId: $c, content: $t }) { id } }`;
const TYPE = `mutation($c: ID!) { setTyping(chatId: $c, isTyping: true) }`;

/**
 * The chats these users are in, and any chat without participants (what a refusal that wrote
 * half of a chat would leave). Other test files make chats meanwhile, so not every chat.
 */
const chatCount = async (...people: { id: string }[]) => {
  const ids = people.map((p) => Number(p.id));
  const [row] = await parley.db.db.execute<{ n: number }>(sql`
    select count(*)::int as n from chats c
    where exists (select 1 from chat_participants p where p.chat_id = c.id and p.user_id = any(${sql.param(ids)}::int[]))
       or not exists (select 1 from chat_participants p where p.chat_id = c.id)`);
  return row!.n;
};

describe('privacy settings', () => {
  it('default to CONTACTS, are shown to their owner only, and refuse NOBODY where a block is meant', async () => {
    const [ana] = await parley.newUsers(1);
    const fresh = await parley.newUser('Fresh', { privacy: null });
    expect((await fresh.must(PRIVACY)).me.privacy).toEqual({ directMessages: 'CONTACTS', groupAdds: 'CONTACTS', lastSeen: 'CONTACTS' });
    expect((await ana!.must(`query($id: ID!) { user(id: $id) { privacy { lastSeen } } }`, { id: fresh.id })).user.privacy).toBeNull();

    expect((await ana!.must(UPDATE, { i: { lastSeen: 'NOBODY' } })).updatePrivacy).toEqual({ directMessages: 'EVERYONE', groupAdds: 'EVERYONE', lastSeen: 'NOBODY' });
    for (const field of ['directMessages', 'groupAdds']) {
      expect(errorOf(await ana!.gql(UPDATE, { i: { [field]: 'NOBODY' } }))).toEqual({ code: 'BAD_USER_INPUT', field });
    }
    expect(errorOf(await ana!.gql(UPDATE, { i: { lastSeen: 'SOMETIMES' } })).code).toBe('BAD_USER_INPUT');
    const [row] = await parley.db.db.select().from(users).where(eq(users.id, Number(ana!.id)));
    expect([row!.privacyDirectMessages, row!.privacyGroupAdds, row!.privacyLastSeen]).toEqual(['EVERYONE', 'EVERYONE', 'NOBODY']);
  });

  it('let only contacts start a direct chat by default; a chat that exists keeps working', async () => {
    const [stranger] = await parley.newUsers(1);
    const owner = await parley.newUser('Private', { privacy: null });
    const before = await chatCount(stranger!, owner);
    expect(errorOf(await stranger!.gql(DIRECT, { u: owner.id })).code).toBe('FORBIDDEN');
    expect(await chatCount(stranger!, owner)).toBe(before);

    await befriend(stranger!, owner);
    const chatId = (await stranger!.must(DIRECT, { u: owner.id })).createDirectChat.id;
    // No longer contacts: the chat is still theirs.
    await stranger!.must(`mutation($u: ID!) { removeContact(userId: $u) }`, { u: owner.id });
    expect((await stranger!.must(DIRECT, { u: owner.id })).createDirectChat.id).toBe(chatId);
    expect((await stranger!.must(SEND, { c: chatId, t: 'still here' })).sendMessage.id).toBeTruthy();

    // EVERYONE opens the door.
    const [other] = await parley.newUsers(1);
    expect(errorOf(await other!.gql(DIRECT, { u: owner.id })).code).toBe('FORBIDDEN');
    await owner.must(UPDATE, { i: { directMessages: 'EVERYONE' } });
    expect((await other!.must(DIRECT, { u: owner.id })).createDirectChat.id).toBeTruthy();
  });

  it('let only contacts add someone to a group by default, and write nothing when refused', async () => {
    const [owner, friend] = await parley.newUsers(2);
    const privateOne = await parley.newUser('Private', { privacy: null });
    const before = await chatCount(owner!, friend!, privateOne);
    expect(errorOf(await owner!.gql(GROUP, { p: [friend!.id, privateOne.id] })).code).toBe('FORBIDDEN');
    expect(await chatCount(owner!, friend!, privateOne)).toBe(before);
    const group = (await owner!.must(GROUP, { p: [friend!.id] })).createGroupChat.id;
    expect(errorOf(await owner!.gql(ADD, { c: group, u: [privateOne.id] })).code).toBe('FORBIDDEN');
    const members = await parley.db.db.select().from(chatParticipants).where(eq(chatParticipants.chatId, Number(group)));
    expect(members.map((m) => m.userId).sort()).toEqual([Number(owner!.id), Number(friend!.id)].sort());

    await befriend(owner!, privateOne);
    expect((await owner!.must(ADD, { c: group, u: [privateOne.id] })).addParticipants.id).toBe(group);
  });
});

describe('blocking', () => {
  it('stops both sides writing in their direct chat, and hides the blocker from the blocked', async () => {
    const [ana, ben] = await parley.newUsers(2, 'B');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const m = await ben!.send(chatId, 'before');
    await ana!.must(`mutation($u: ID!) { blockUser(userId: $u) { status } }`, { u: ben!.id });

    for (const [who, query, vars] of [
      [ben, SEND, { c: chatId, t: 'hi?' }],
      [ana, SEND, { c: chatId, t: 'bye' }],
      [ben, TYPE, { c: chatId }],
      [ana, TYPE, { c: chatId }],
      [ben, `mutation($id: ID!) { editMessage(id: $id, content: "changed") { id } }`, { id: m.id }],
    ] as const) {
      expect(errorOf(await who!.gql(query, vars)).code).toBe('FORBIDDEN');
    }
    expect((await ben!.must(`query($id: ID!) { user(id: $id) { id } }`, { id: ana!.id })).user).toBeNull();
    expect((await ana!.must(`query($id: ID!) { user(id: $id) { id } }`, { id: ben!.id })).user).toEqual({ id: ben!.id });

    await ana!.must(`mutation($u: ID!) { unblockUser(userId: $u) }`, { u: ben!.id });
    expect((await ben!.must(SEND, { c: chatId, t: 'again' })).sendMessage.id).toBeTruthy();
  });

  it("keeps the blocked user's typing from the blocker from the moment of the block, before the log brings it", async () => {
    const [blocker, blocked, friend] = await parley.newUsers(3, 'T');
    const group = await parley.newGroup(friend!, [blocker!, blocked!]);
    await parley.settled();
    const typing = await blocker!.subscribe(`subscription { typing { user { id } } }`);
    // An older transaction keeps the block's log entry from being final: no instance has it yet.
    const releaseMark = await holdTheMark(parley.db);
    try {
      await blocker!.must(`mutation($u: ID!) { blockUser(userId: $u) { status } }`, { u: blocked!.id });
      await blocked!.must(TYPE, { c: group });
      // A sentinel from someone else: once it arrives, the blocked one's would have.
      await friend!.must(TYPE, { c: group });
      await typing.waitFor(1, 15_000);
      expect(typing.events.map((e) => e.typing.user.id)).toEqual([friend!.id]);
    } finally {
      await releaseMark();
    }
  });

  it('keeps everything the blocked user does from the blocker, in groups and across instances', async () => {
    const [blocker, blocked, friend] = await parley.newUsers(3, 'K');
    const group = await parley.newGroup(friend!, [blocker!, blocked!]);
    // The group's creation is final before the blocker subscribes (a subscription starts at the log's "now").
    await parley.settled();
    const elsewhere = await parley.newInstance();
    const cursor = (await blocker!.must(`{ updateCursor }`)).updateCursor;
    // The blocker listens on the other instance before blocking: it learns of the block from the log.
    const listening = blocker!.on(elsewhere);
    const updates = await listening.subscribe(`subscription { updates { ... on MessageAddedUpdate { message { content } } ... on ReadMarkerUpdate { receipt { user { id } } } } }`, {}, elsewhere);
    const typing = await listening.subscribe(`subscription { typing { user { id } } }`, {}, elsewhere);
    await blocker!.must(`mutation($u: ID!) { blockUser(userId: $u) { status } }`, { u: blocked!.id });

    await blocked!.send(group, 'from the blocked one');
    await blocked!.must(TYPE, { c: group });
    await blocked!.must(`mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: group });
    // Sentinels from someone else: once they arrive, anything earlier would have.
    await friend!.must(TYPE, { c: group });
    await friend!.send(group, 'sentinel');

    const received = await updates.waitFor(1, 15_000);
    expect(received.map((e) => e.updates.message?.content ?? `read by ${e.updates.receipt.user.id}`)).toEqual(['sentinel']);
    await typing.waitFor(1, 15_000);
    expect(typing.events.map((e) => e.typing.user.id)).toEqual([friend!.id]);

    // The same over HTTP, and it is not unread either.
    await parley.settled();
    const page = (await blocker!.must(`query($a: String!) { updates(after: $a) { updates { __typename ... on MessageAddedUpdate { message { content } } } } }`, { a: cursor })).updates;
    expect(page.updates.filter((u: any) => u.message).map((u: any) => u.message.content)).toEqual(['sentinel']);
    expect((await blocker!.must(`query($id: ID!) { chat(id: $id) { unreadCount } }`, { id: group })).chat.unreadCount).toBe(1);
  });
});

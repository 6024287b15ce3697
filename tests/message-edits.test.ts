import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chatLog, messageEdits, messages } from '../src/db/schema.js';
import { errorOf } from './helpers/graphql.js';
import { useParley, type Actor } from './helpers/scenario.js';

const parley = useParley();

const FIELDS = 'id content editedAt deletedAt edits { content editedAt }';
const EDIT = `mutation($id: ID!, $c: String!) { editMessage(id: $id, content: $c) { ${FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteMessage(id: $id) { ${FIELDS} } }`;
const CHAT = `query($id: ID!) { chat(id: $id) { unreadCount lastActivityAt lastMessage { id content } } }`;

const stored = async (id: string) => (await parley.db.db.select().from(messages).where(eq(messages.id, Number(id))))[0]!;
const versions = async (id: string) => parley.db.db.select().from(messageEdits).where(eq(messageEdits.messageId, Number(id)));
/** Entries of one chat: other test files write to the same log meanwhile. */
const logSize = async (chatId: string) => (await parley.db.db.select({ n: sql<number>`count(*)::int` }).from(chatLog).where(eq(chatLog.chatId, Number(chatId))))[0]!.n;
const chatOf = async (viewer: Actor, id: string) => (await viewer.must(CHAT, { id })).chat;

describe('editMessage', () => {
  it('rewrites the text, keeps earlier versions oldest first, and never makes the message unread again', async () => {
    const [ana, ben] = await parley.newUsers(2);
    const chatId = await parley.newDirectChat(ana!, ben!);
    const m = await ana!.send(chatId, 'helo');
    expect((await chatOf(ben!, chatId)).unreadCount).toBe(1);

    const first = (await ana!.must(EDIT, { id: m.id, c: ' hello ' })).editMessage;
    expect(first).toMatchObject({ id: m.id, content: 'hello', deletedAt: null, edits: [{ content: 'helo' }] });
    expect(first.editedAt).not.toBeNull();
    expect((await chatOf(ben!, chatId)).unreadCount).toBe(1);

    await ben!.must(`mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: chatId });
    const second = (await ana!.must(EDIT, { id: m.id, c: 'hello!' })).editMessage;
    expect(second.edits.map((e: { content: string }) => e.content)).toEqual(['helo', 'hello']);
    // Each earlier version says when an edit replaced it.
    expect(second.edits.map((e: { editedAt: string }) => e.editedAt)).toEqual([first.editedAt, second.editedAt]);
    expect((await chatOf(ben!, chatId)).unreadCount).toBe(0);

    // The same text again changes nothing.
    const before = await logSize(chatId);
    expect((await ana!.must(EDIT, { id: m.id, c: 'hello!' })).editMessage.edits).toHaveLength(2);
    expect(await logSize(chatId)).toBe(before);
    // Members read the history too.
    const seen = await ben!.must(`query($c: ID!) { messages(chatId: $c) { edges { node { ${FIELDS} } } } }`, { c: chatId });
    expect(seen.messages.edges[0].node).toMatchObject({ content: 'hello!', edits: [{ content: 'helo' }, { content: 'hello' }] });
  });

  it('is for the sender only, never for SYSTEM messages, and NOT_FOUND for outsiders; refusals change nothing', async () => {
    const [owner, member, outsider] = await parley.newUsers(3);
    const groupId = await parley.newGroup(owner!, [member!]);
    const m = await owner!.send(groupId, 'original');
    const system = (await member!.must(`query($c: ID!) { messages(chatId: $c, first: 1) { edges { node { id messageType } } } }`, { c: groupId })).messages.edges[0].node;
    expect(system.messageType).toBe('SYSTEM');
    const before = { m: await stored(m.id), system: await stored(system.id), log: await logSize(groupId) };

    expect(errorOf(await member!.gql(EDIT, { id: m.id, c: 'hijacked' })).code).toBe('FORBIDDEN');
    expect(errorOf(await owner!.gql(EDIT, { id: system.id, c: 'rewritten' })).code).toBe('FORBIDDEN');
    expect(errorOf(await outsider!.gql(EDIT, { id: m.id, c: 'nosy' })).code).toBe('NOT_FOUND');
    expect(errorOf(await owner!.gql(EDIT, { id: '999999999999', c: 'ghost' })).code).toBe('NOT_FOUND');
    for (const [vars, field] of [
      [{ id: m.id, c: '   ' }, 'content'],
      [{ id: m.id, c: 'x'.repeat(10_001) }, 'content'],
      [{ id: m.id, c: 42 }, 'c'],
      [{ id: 'abc', c: 'fine' }, 'id'],
    ] as const) {
      expect(errorOf(await owner!.gql(EDIT, vars)), JSON.stringify(vars).slice(0, 50)).toEqual({ code: 'BAD_USER_INPUT', field });
    }

    expect(await stored(m.id)).toEqual(before.m);
    expect(await stored(system.id)).toEqual(before.system);
    expect(await versions(m.id)).toEqual([]);
    expect(await logSize(groupId)).toBe(before.log);
  });
});

describe('deleteMessage', () => {
  it('leaves a tombstone and purges the text and every earlier version from storage', async () => {
    const [ana, ben] = await parley.newUsers(2);
    const chatId = await parley.newDirectChat(ana!, ben!);
    const m = await ana!.send(chatId, 'secret');
    await ana!.must(EDIT, { id: m.id, c: 'secret 2' });
    expect(await versions(m.id)).toHaveLength(1);

    const tombstone = (await ana!.must(DELETE, { id: m.id })).deleteMessage;
    expect(tombstone).toMatchObject({ id: m.id, content: null, edits: [] });
    expect(tombstone.deletedAt).not.toBeNull();
    const row = await stored(m.id);
    expect(row.content).toBeNull();
    expect(await versions(m.id)).toEqual([]);
    expect(JSON.stringify(await parley.db.db.select().from(chatLog).where(eq(chatLog.messageId, Number(m.id))))).not.toContain('secret');

    // Again: the same tombstone, and nothing more in the log.
    const before = await logSize(chatId);
    expect((await ana!.must(DELETE, { id: m.id })).deleteMessage).toEqual(tombstone);
    expect(await logSize(chatId)).toBe(before);
    expect(errorOf(await ana!.gql(EDIT, { id: m.id, c: 'back' }))).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it("is for the sender or a group's owner; others are refused and outsiders get NOT_FOUND", async () => {
    const [owner, member, other, outsider] = await parley.newUsers(4);
    const groupId = await parley.newGroup(owner!, [member!, other!]);
    const byMember = await member!.send(groupId, 'mine');
    const byOther = await other!.send(groupId, 'theirs');
    expect(errorOf(await member!.gql(DELETE, { id: byOther.id })).code).toBe('FORBIDDEN');
    expect(errorOf(await outsider!.gql(DELETE, { id: byOther.id })).code).toBe('NOT_FOUND');
    expect(errorOf(await member!.gql(DELETE, { id: 'x' }))).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
    expect((await stored(byOther.id)).content).toBe('theirs');
    expect((await owner!.must(DELETE, { id: byMember.id })).deleteMessage.content).toBeNull();
    expect((await other!.must(DELETE, { id: byOther.id })).deleteMessage.content).toBeNull();

    // In a direct chat nobody owns the other's messages.
    const direct = await parley.newDirectChat(owner!, member!);
    const m = await member!.send(direct, 'direct');
    expect(errorOf(await owner!.gql(DELETE, { id: m.id })).code).toBe('FORBIDDEN');
  });

  it('is never unread, and the chat shows its newest message that is not deleted', async () => {
    const [ana, ben] = await parley.newUsers(2);
    const chatId = await parley.newDirectChat(ana!, ben!);
    const m1 = await ana!.send(chatId, 'one');
    const m2 = await ana!.send(chatId, 'two');
    const before = await chatOf(ben!, chatId);
    expect(before).toMatchObject({ unreadCount: 2, lastMessage: { id: m2.id } });

    await ana!.must(DELETE, { id: m2.id });
    const after = await chatOf(ben!, chatId);
    expect(after).toMatchObject({ unreadCount: 1, lastMessage: { id: m1.id, content: 'one' } });
    // Deleting is not activity: the chat keeps its place in the list.
    expect(after.lastActivityAt).toBe(before.lastActivityAt);
    await ana!.must(DELETE, { id: m1.id });
    expect(await chatOf(ben!, chatId)).toMatchObject({ unreadCount: 0, lastMessage: null });
    // The sender's own messages never count for them.
    expect((await chatOf(ana!, chatId)).unreadCount).toBe(0);
  });
});

describe('read receipts and the chat list', () => {
  it("markChatRead answers the chat with the reader's unread count, and chats sort by lastActivityAt", async () => {
    const [ana, ben] = await parley.newUsers(2);
    const older = await parley.newDirectChat(ana!, ben!);
    const [cy] = await parley.newUsers(1);
    const newer = await parley.newDirectChat(ben!, cy!);
    await ana!.send(older, 'bump');
    const list = (await ben!.must(`{ chats(first: 10) { edges { node { id lastActivityAt } } } }`)).chats.edges.map((e: any) => e.node);
    expect(list.map((c: { id: string }) => c.id)).toEqual([older, newer]);
    expect(Date.parse(list[0].lastActivityAt)).toBeGreaterThanOrEqual(Date.parse(list[1].lastActivityAt));

    const receipt = (await ben!.must(`mutation($c: ID!) { markChatRead(chatId: $c) { lastReadMessageId chat { id unreadCount myLastReadMessageId } } }`, { c: older })).markChatRead;
    expect(receipt.chat).toEqual({ id: older, unreadCount: 0, myLastReadMessageId: receipt.lastReadMessageId });
  });

  it("gives every other member the receipt's chat with their own unread count, so a client caches it as it comes", async () => {
    const [ana, ben] = await parley.newUsers(2);
    const chatId = await parley.newDirectChat(ana!, ben!);
    const receipts = await ana!.subscribe(`subscription($c: ID) { messageRead(chatId: $c) { user { id } chat { id unreadCount } } }`, { c: chatId });
    await ana!.send(chatId, 'one');
    await ana!.send(chatId, 'two');
    await ben!.send(chatId, 'hi Ana'); // Ana has one unread message, Ben none once he has read
    const mine = (await ben!.must(`mutation($c: ID!) { markChatRead(chatId: $c) { chat { unreadCount } } }`, { c: chatId })).markChatRead;
    expect(mine.chat.unreadCount).toBe(0);
    const [seen] = await receipts.waitFor(1, 20_000);
    expect(seen).toEqual({ messageRead: { user: { id: ben!.id }, chat: { id: chatId, unreadCount: 1 } } });
    receipts.dispose();
  });
});

import { and, eq, isNull, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chatLog, messageMentions, messages } from '../src/db/schema.js';
import { errorOf } from './helpers/graphql.js';
import { useParley, type Actor } from './helpers/scenario.js';

const parley = useParley();

const SEND = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id content replyTo { id content deletedAt sender { id } } mentions { id } } }`;
const EDIT = `mutation($id: ID!, $c: String!, $m: [ID!]) { editMessage(id: $id, content: $c, mentionIds: $m) { id content editedAt mentions { id } } }`;
const DELETE = `mutation($id: ID!) { deleteMessage(id: $id) { id } }`;
const READ = `mutation($c: ID!, $m: ID) { markChatRead(chatId: $c, messageId: $m) { chatId } }`;
const COUNTS = `query($id: ID!) { chat(id: $id) { unreadCount unreadMentionCount } }`;

const send = async (actor: Actor, input: Record<string, unknown>) => (await actor.must(SEND, { i: input })).sendMessage;
const counts = async (viewer: Actor, chatId: string) => (await viewer.must(COUNTS, { id: chatId })).chat;
const ids = (users: { id: string }[]) => users.map((u) => u.id);
/** Stored rows of one chat: other test files write to the same tables meanwhile. */
const messageCount = async (chatId: string) => (await parley.db.db.select({ n: sql<number>`count(*)::int` }).from(messages).where(eq(messages.chatId, Number(chatId))))[0]!.n;
const logSize = async (chatId: string) => (await parley.db.db.select({ n: sql<number>`count(*)::int` }).from(chatLog).where(eq(chatLog.chatId, Number(chatId))))[0]!.n;
const mentionRows = (messageId: string) =>
  parley.db.db
    .select({ userId: messageMentions.userId, addedLogId: messageMentions.addedLogId })
    .from(messageMentions)
    .where(and(eq(messageMentions.messageId, Number(messageId)), isNull(messageMentions.removedLogId)));

describe('replies', () => {
  it('answer a message of the same chat, and show its tombstone once it is deleted', async () => {
    const [ana, ben] = await parley.newUsers(2);
    const chatId = await parley.newDirectChat(ana!, ben!);
    const question = await ana!.send(chatId, 'lunch?');
    const answer = await send(ben!, { chatId, content: 'yes', replyToId: question.id });
    expect(answer.replyTo).toEqual({ id: question.id, content: 'lunch?', deletedAt: null, sender: { id: ana!.id } });

    await ana!.must(DELETE, { id: question.id });
    const history = await ben!.must(`query($c: ID!) { messages(chatId: $c) { edges { node { id replyTo { id content deletedAt } } } } }`, { c: chatId });
    const reply = history.messages.edges.find((e: any) => e.node.id === answer.id).node;
    expect(reply.replyTo).toMatchObject({ id: question.id, content: null });
    expect(reply.replyTo.deletedAt).not.toBeNull();
  });

  it('refuses a message of another chat, an unknown or deleted one, and stores nothing', async () => {
    const [ana, ben, cy] = await parley.newUsers(3);
    const chatId = await parley.newDirectChat(ana!, ben!);
    const elsewhere = await parley.newDirectChat(ana!, cy!);
    const foreign = await ana!.send(elsewhere, 'not here');
    const gone = await ana!.send(chatId, 'gone');
    await ana!.must(DELETE, { id: gone.id });
    const before = { messages: await messageCount(chatId), log: await logSize(chatId) };
    for (const replyToId of [foreign.id, gone.id, '999999999999', 'x']) {
      expect(errorOf(await ben!.gql(SEND, { i: { chatId, content: 'reply', replyToId } })), replyToId).toEqual({ code: 'BAD_USER_INPUT', field: 'replyToId' });
    }
    expect(await messageCount(chatId)).toBe(before.messages);
    expect(await logSize(chatId)).toBe(before.log);
  });
});

describe('mentions', () => {
  it('are limited to participants; anything else is refused and stores nothing', async () => {
    const [ana, ben, outsider] = await parley.newUsers(3);
    const group = await parley.newGroup(ana!, [ben!]);
    const before = { messages: await messageCount(group), log: await logSize(group) };
    for (const mentionIds of [[outsider!.id], [ben!.id, outsider!.id], ['999999'], ['x']]) {
      expect(errorOf(await ana!.gql(SEND, { i: { chatId: group, content: 'hey', mentionIds } })), String(mentionIds)).toEqual({ code: 'BAD_USER_INPUT', field: 'mentionIds' });
    }
    expect(await messageCount(group)).toBe(before.messages);
    expect(await logSize(group)).toBe(before.log);
    // Repeated ids mention once.
    const m = await send(ana!, { chatId: group, content: 'hey', mentionIds: [ben!.id, ben!.id] });
    expect(ids(m.mentions)).toEqual([ben!.id]);
    const edit = await ana!.gql(EDIT, { id: m.id, c: 'hey you', m: [ben!.id, outsider!.id] });
    expect(errorOf(edit)).toEqual({ code: 'BAD_USER_INPUT', field: 'mentionIds' });
    const stored = (await parley.db.db.select().from(messages).where(eq(messages.id, Number(m.id))))[0]!;
    expect(stored).toMatchObject({ content: 'hey', editedAt: null });
    expect((await mentionRows(m.id)).map((r) => r.userId)).toEqual([Number(ben!.id)]);
  });

  it('count as unread mentions through reads, edits and deletes, and an edit notifies only the newly mentioned', async () => {
    const [ana, ben, cy, dee] = await parley.newUsers(4);
    const group = await parley.newGroup(ana!, [ben!, cy!, dee!]);
    await ben!.must(READ, { c: group });
    await cy!.must(READ, { c: group });
    await dee!.must(READ, { c: group });

    const m1 = await send(ana!, { chatId: group, content: '@ben look', mentionIds: [ben!.id] });
    const m2 = await send(ana!, { chatId: group, content: 'and @ben this' , mentionIds: [ben!.id, ana!.id] });
    expect(await counts(ben!, group)).toEqual({ unreadCount: 2, unreadMentionCount: 2 });
    expect(await counts(cy!, group)).toEqual({ unreadCount: 2, unreadMentionCount: 0 });
    // One's own message never counts, mention or not.
    expect(await counts(ana!, group)).toEqual({ unreadCount: 0, unreadMentionCount: 0 });

    // Ben reads the first; the second still mentions him unread.
    await ben!.must(READ, { c: group, m: m1.id });
    expect(await counts(ben!, group)).toEqual({ unreadCount: 1, unreadMentionCount: 1 });

    // Naming Ben again and adding Cy mentions Cy only: Ben's mention stays the one he had.
    const firstMention = await mentionRows(m1.id);
    const edited = (await ana!.must(EDIT, { id: m1.id, c: '@ben @cy look', m: [ben!.id, cy!.id] })).editMessage;
    expect(ids(edited.mentions)).toEqual([ben!.id, cy!.id]);
    const afterEdit = await mentionRows(m1.id);
    expect(afterEdit.find((r) => r.userId === Number(ben!.id))).toEqual(firstMention[0]);
    expect(await counts(ben!, group)).toEqual({ unreadCount: 1, unreadMentionCount: 1 });
    expect(await counts(cy!, group)).toEqual({ unreadCount: 2, unreadMentionCount: 1 });

    // An edit without mentionIds keeps them; one that leaves Ben out unmentions him.
    await ana!.must(EDIT, { id: m2.id, c: 'and this' });
    expect(await counts(ben!, group)).toEqual({ unreadCount: 1, unreadMentionCount: 1 });
    const unmentioned = (await ana!.must(EDIT, { id: m2.id, c: 'and this', m: [dee!.id] })).editMessage;
    expect(ids(unmentioned.mentions)).toEqual([dee!.id]);
    expect(await counts(ben!, group)).toEqual({ unreadCount: 1, unreadMentionCount: 0 });
    expect(await counts(dee!, group)).toEqual({ unreadCount: 2, unreadMentionCount: 1 });

    // Deleting the message takes its mentions with it.
    await ana!.must(DELETE, { id: m1.id });
    expect(await counts(cy!, group)).toEqual({ unreadCount: 1, unreadMentionCount: 0 });
    expect(await mentionRows(m1.id)).toEqual([]);
    const tombstone = await cy!.must(`query($c: ID!) { messages(chatId: $c, last: 2) { edges { node { id mentions { id } } } } }`, { c: group });
    expect(tombstone.messages.edges.find((e: any) => e.node.id === m1.id).node.mentions).toEqual([]);
    await dee!.must(READ, { c: group });
    expect(await counts(dee!, group)).toEqual({ unreadCount: 0, unreadMentionCount: 0 });
  });

  it('show, through an update, whom a message mentioned then', async () => {
    const [ana, ben, cy] = await parley.newUsers(3);
    const group = await parley.newGroup(ana!, [ben!, cy!]);
    const cursor = (await ben!.must(`{ updateCursor }`)).updateCursor;
    const m = await send(ana!, { chatId: group, content: '@ben', mentionIds: [ben!.id] });
    await ana!.must(EDIT, { id: m.id, c: '@cy', m: [cy!.id] });
    await parley.settled();
    const page = await ben!.must(
      `query($a: String!) { updates(after: $a) { updates { __typename ... on MessageAddedUpdate { message { id mentions { id } chat { unreadMentionCount } } } ... on MessageEditedUpdate { message { id mentions { id } chat { unreadMentionCount } } } } } }`,
      { a: cursor },
    );
    const about = page.updates.updates.filter((u: any) => u.message?.id === m.id);
    expect(about.map((u: any) => [u.__typename, ids(u.message.mentions), u.message.chat.unreadMentionCount])).toEqual([
      ['MessageAddedUpdate', [ben!.id], 1],
      ['MessageEditedUpdate', [cy!.id], 0],
    ]);
  });
});

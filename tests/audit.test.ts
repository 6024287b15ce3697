import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatLog, messages } from '../src/db/schema.js';
import { errorOf } from './helpers/graphql.js';
import { useParley, type Actor } from './helpers/scenario.js';
import type { TestServer } from './helpers/server.js';
import { execute, wsClient } from './helpers/ws.js';

/**
 * What a hostile client tries, against two instances at once: every attack goes through one
 * instance while its victim's state changes through the other, over HTTP and over WebSocket.
 */
const parley = useParley();
let other: TestServer;
beforeAll(async () => {
  other = await parley.newInstance();
});

const storedMessage = async (id: string) => (await parley.db.db.select().from(messages).where(eq(messages.id, Number(id))))[0]!;

describe('reaching what is not yours', () => {
  it("cannot read, edit, delete or react to another chat's messages, whichever instance it asks", async () => {
    const [ana, ben, mallory] = await parley.newUsers(3, 'A');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const m = await ana!.send(chatId, 'private');
    const viaOther = mallory!.on(other);
    for (const [query, vars] of [
      [`mutation($id: ID!) { editMessage(id: $id, content: "owned") { id } }`, { id: m.id }],
      [`mutation($id: ID!) { deleteMessage(id: $id) { id } }`, { id: m.id }],
      [`mutation($id: ID!) { addReaction(messageId: $id, emoji: "👍") { id } }`, { id: m.id }],
      [`mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: chatId }],
      [`query($c: ID!) { messages(chatId: $c) { edges { node { content } } } }`, { c: chatId }],
      [`query($id: ID!) { chat(id: $id) { id } }`, { id: chatId }],
    ] as const) {
      for (const who of [mallory!, viaOther]) expect(errorOf(await who.gql(query, vars)).code, query.slice(0, 30)).toBe('NOT_FOUND');
    }
    expect((await storedMessage(m.id)).content).toBe('private');
    // A forged cursor from the beginning of time still only shows the viewer's own chats.
    const origin = Buffer.from('log:0:0').toString('base64url');
    const page = (await viaOther.must(`query($a: String!) { updates(after: $a) { updates { chatId } } }`, { a: origin })).updates;
    expect(page.updates.filter((u: { chatId: string }) => u.chatId === chatId)).toEqual([]);
  });

  it("cannot subscribe to another chat, nor learn its messages by resuming after one of them", async () => {
    const [ana, ben, mallory, friend] = await parley.newUsers(4, 'S');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const secret = await ana!.send(chatId, 'secret');
    await expect(mallory!.subscribe(`subscription($c: ID) { messageAdded(chatId: $c) { id } }`, { c: chatId }, other)).rejects.toThrow(/NOT_FOUND/);
    await expect(mallory!.subscribe(`subscription($c: ID) { updates(chatId: $c) { cursor } }`, { c: chatId }, other)).rejects.toThrow(/NOT_FOUND/);
    // Resuming "after" someone else's message is refused exactly as after an id never used.
    const resume = (a: string) => mallory!.subscribe(`subscription($a: ID) { messageAdded(after: $a) { content } }`, { a }, other);
    const refusal = (a: string) => resume(a).then(() => 'subscribed', (e: Error) => e.message);
    const [theirs, unused] = await Promise.all([refusal(secret.id), refusal(String(Number(secret.id) + 2 ** 40))]);
    expect(theirs).toMatch(/NOT_FOUND/);
    expect(theirs).toBe(unused);

    // A former member resumes after a message they saw, and hears only the chats they are in now.
    const group = await parley.newGroup(friend!, [mallory!]);
    const seen = await friend!.send(group, 'seen before leaving');
    await mallory!.must(`mutation($c: ID!) { leaveChat(chatId: $c) }`, { c: group });
    const feed = await resume(seen.id);
    await friend!.send(group, 'after leaving');
    await ana!.send(chatId, 'after the secret');
    const own = await parley.newDirectChat(friend!, mallory!);
    await friend!.send(own, 'sentinel');
    expect((await feed.waitFor(1)).map((e) => e.messageAdded.content)).toEqual(['sentinel']);
  });
});

describe('changes racing across instances', () => {
  it('stores nothing a member sends through one instance after being removed through the other', async () => {
    const [owner, member] = await parley.newUsers(2, 'R');
    for (let round = 0; round < 3; round++) {
      const group = await parley.newGroup(owner!, [member!]);
      const sends = Array.from({ length: 15 }, (_, i) => member!.on(other).gql(`mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, { i: { chatId: group, content: `m${i}` } }));
      const removal = owner!.must(`mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: group, u: member!.id });
      await Promise.all([...sends, removal]);
      const entries = await parley.db.db.select().from(chatLog).where(eq(chatLog.chatId, Number(group)));
      const removedAt = entries.find((e) => e.kind === 'CHAT_CHANGED' && (e.data as { kind: string }).kind === 'PARTICIPANT_REMOVED')!.id;
      expect(entries.filter((e) => e.kind === 'MESSAGE_ADDED' && e.userId === Number(member!.id)).every((e) => e.id < removedAt)).toBe(true);
    }
  });

  it('refuses a blocked side in the direct chat on the other instance at once, over HTTP and WebSocket', async () => {
    const [ana, ben] = await parley.newUsers(2, 'K');
    const chatId = await parley.newDirectChat(ana!, ben!);
    await ana!.must(`mutation($u: ID!) { blockUser(userId: $u) { status } }`, { u: ben!.id });
    const onOther: Actor = ben!.on(other);
    expect(errorOf(await onOther.gql(`mutation($c: ID!) { sendMessage(input: { chatId: $c, content: "hi" }) { id } }`, { c: chatId })).code).toBe('FORBIDDEN');
    const socket = wsClient(other.wsUrl, ben!.token);
    const viaSocket = await execute(socket, `mutation($c: ID!) { setTyping(chatId: $c, isTyping: true) }`, { c: chatId });
    await socket.dispose();
    expect(viaSocket.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const stored = await parley.db.db.select().from(messages).where(and(eq(messages.chatId, Number(chatId)), eq(messages.senderId, Number(ben!.id))));
    expect(stored).toEqual([]);
  });
});

describe('the HTTP front door', () => {
  it('refuses batched operations and requests a browser could send across sites without asking', async () => {
    const [ana] = await parley.newUsers(1);
    const batched = await fetch(other.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ana!.token}` },
      body: JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]),
    });
    expect(batched.status).toBe(400);
    // A "simple" cross-site form post: no preflight, so Apollo's CSRF prevention refuses it.
    const simple = await fetch(other.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: 'mutation { logout }' }) });
    expect(simple.status).toBe(400);
    const viaGet = await fetch(`${other.url}?query=${encodeURIComponent('mutation { logout }')}`, { headers: { authorization: `Bearer ${ana!.token}` } });
    expect(viaGet.status).toBeGreaterThanOrEqual(400);
  });
});

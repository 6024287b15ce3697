import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { serverWithCuttableBus } from './helpers/bus.js';
import { directChat, groupChat, send } from './helpers/chat.js';
import { settled } from './helpers/log.js';
import { errorOf, gql, registerUser, type TestUser } from './helpers/graphql.js';
import { startServer, testDatabase, type TestServer } from './helpers/server.js';
import { subscribe, subscribeReady, until, wsClient } from './helpers/ws.js';

const MESSAGE_ADDED = `subscription($c: ID, $after: ID) { messageAdded(chatId: $c, after: $after) { id chatId content sender { id firstname email } } }`;
const TYPING = `subscription($c: ID) { typing(chatId: $c) { chatId isTyping at user { id } } }`;
const READ = `subscription($c: ID) { messageRead(chatId: $c) { chatId lastReadMessageId user { id } } }`;
const CHAT_UPDATED = `subscription { chatUpdated { kind chat { id name } user { id } } }`;
const CONTACT_UPDATED = `subscription { contactUpdated { kind contact { id status direction user { id email } } } }`;

let srv: TestServer;
let db: Database;
const clients: { dispose(): unknown }[] = [];
const client = (u: TestUser, server = srv) => {
  const c = wsClient(server.wsUrl, u.token);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  srv = await startServer({ typing: { timeoutMs: 400, points: 5, windowSeconds: 5 } });
  db = testDatabase();
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await srv?.stop();
  await db?.close();
});

const users = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => registerUser(srv.url, { firstname: `R${i}` })));

describe('delivery to members only', () => {
  it("B receives A's message, typing and read receipt; an outsider receives none of them", async () => {
    const [a, b, outsider] = await users(3);
    const chatId = await directChat(srv.url, a!, b!);
    const hub = srv.server.hub;
    const bMessages = await subscribeReady(hub, client(b!), MESSAGE_ADDED, { c: chatId });
    const bTyping = await subscribeReady(hub, client(b!), TYPING, { c: chatId });
    const bReads = await subscribeReady(hub, client(b!), READ, {});
    const aTyping = await subscribeReady(hub, client(a!), TYPING, { c: chatId });
    // The outsider's own chat, for sentinels; it exists before they subscribe, as typing reaches an
    // instance only for chats it watches (on NATS, a chat joined a moment ago may not be yet).
    const [friend] = await users(1);
    const own = await directChat(srv.url, friend!, outsider!);
    await settled(db);
    const oc = client(outsider!);
    const spies = [await subscribeReady(hub, oc, MESSAGE_ADDED), await subscribeReady(hub, oc, TYPING), await subscribeReady(hub, oc, READ)];

    const m = await send(srv.url, a!, chatId, 'hello B');
    expect((await bMessages.waitFor(1))[0]).toEqual({ messageAdded: { id: m.id, chatId, content: 'hello B', sender: { id: a!.id, firstname: 'R0', email: null } } });

    expect((await gql(srv.url, `mutation($c: ID!) { setTyping(chatId: $c, isTyping: true) }`, { c: chatId }, a!.token)).data!.setTyping).toBe(true);
    expect((await bTyping.waitFor(1))[0]).toMatchObject({ typing: { chatId, isTyping: true, user: { id: a!.id } } });
    // Then it ends by itself, without a refresh.
    expect((await bTyping.waitFor(2, 3000))[1]).toMatchObject({ typing: { chatId, isTyping: false, user: { id: a!.id } } });

    await gql(srv.url, `mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: chatId }, a!.token);
    await gql(srv.url, `mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: chatId }, b!.token);
    const reads = await bReads.waitFor(2);
    expect(reads.some((r: any) => r.messageRead.user.id === b!.id && r.messageRead.lastReadMessageId === m.id)).toBe(true);

    // Sentinels in the outsider's own chat: once they arrive, anything earlier would have.
    const sentinel = await send(srv.url, friend!, own, 'sentinel');
    await gql(srv.url, `mutation($c: ID!) { setTyping(chatId: $c, isTyping: true) }`, { c: own }, friend!.token);
    await gql(srv.url, `mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: own }, friend!.token);
    const [spyMessages, spyTyping, spyReads] = spies;
    expect((await spyMessages!.waitFor(1)).map((e: any) => e.messageAdded.id)).toEqual([sentinel.id]);
    expect((await spyTyping!.waitFor(1)).map((e: any) => e.typing.chatId)).toEqual([own]);
    expect((await spyReads!.waitFor(1)).map((e: any) => e.messageRead.chatId)).toEqual([own]);
    // Never one's own typing: B's typing arrives, A's own never did.
    await gql(srv.url, `mutation($c: ID!) { setTyping(chatId: $c, isTyping: true) }`, { c: chatId }, b!.token);
    await aTyping.waitFor(1);
    expect(new Set(aTyping.events.map((e: any) => e.typing.user.id))).toEqual(new Set([b!.id]));
  });

  it('refuses a chat filter the viewer does not belong to', async () => {
    const [a, b, outsider] = await users(3);
    const chatId = await directChat(srv.url, a!, b!);
    for (const query of [MESSAGE_ADDED, TYPING, READ]) {
      const sub = subscribe(client(outsider!), query, { c: chatId });
      await until(() => sub.errors.length > 0 || sub.completed, 5000, 'a refusal');
      expect((sub.errors[0] as any)?.extensions?.code).toBe('NOT_FOUND');
    }
    const bad = subscribe(client(outsider!), MESSAGE_ADDED, { c: 'nope' });
    await until(() => bad.errors.length > 0, 5000, 'a refusal');
    expect((bad.errors[0] as any).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'chatId' });
  });

  it('stops delivering to a removed member at once, and tells them', async () => {
    const [owner, stays, removed] = await users(3);
    const chatId = await groupChat(srv.url, owner!, [stays!, removed!]);
    // The group's creation is final before they subscribe (a subscription starts at the log's "now").
    await settled(db);
    const hub = srv.server.hub;
    const removedFeed = await subscribeReady(hub, client(removed!), MESSAGE_ADDED, {});
    const removedEvents = await subscribeReady(hub, client(removed!), CHAT_UPDATED);
    const staysFeed = await subscribeReady(hub, client(stays!), MESSAGE_ADDED, { c: chatId });
    await send(srv.url, owner!, chatId, 'before');
    await removedFeed.waitFor(1);
    await gql(srv.url, `mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: chatId, u: removed!.id }, owner!.token);
    await send(srv.url, owner!, chatId, 'after');
    await staysFeed.waitFor(3); // before, the SYSTEM "removed" message, after
    expect((await removedEvents.waitFor(1))[0]).toEqual({ chatUpdated: { kind: 'PARTICIPANT_REMOVED', chat: { id: chatId, name: 'Group' }, user: { id: removed!.id } } });
    // A sentinel in another chat of theirs, sent after: once it arrives, anything earlier would have.
    const elsewhere = await directChat(srv.url, stays!, removed!);
    await send(srv.url, stays!, elsewhere, 'sentinel');
    await removedFeed.waitFor(2);
    expect(removedFeed.events.map((e: any) => e.messageAdded.content)).toEqual(['before', 'sentinel']);
  });

  it('includes chats joined after subscribing when no chat id is given', async () => {
    const [owner, joiner] = await users(2);
    const feed = await subscribeReady(srv.server.hub, client(joiner!), MESSAGE_ADDED, {});
    const chatId = await groupChat(srv.url, owner!, []);
    await send(srv.url, owner!, chatId, 'before joining');
    await gql(srv.url, `mutation($c: ID!, $u: [ID!]!) { addParticipants(chatId: $c, userIds: $u) { id } }`, { c: chatId, u: [joiner!.id] }, owner!.token);
    await send(srv.url, owner!, chatId, 'after joining');
    // In log order: anything from before joining would come first.
    await feed.waitFor(2);
    expect(feed.events.map((e: any) => e.messageAdded.content)).toEqual(['R0 added R1', 'after joining']);
  });

  it('announces chat and contact changes to the people concerned only', async () => {
    const [a, b, outsider] = await users(3);
    const hub = srv.server.hub;
    const bChats = await subscribeReady(hub, client(b!), CHAT_UPDATED);
    const bContacts = await subscribeReady(hub, client(b!), CONTACT_UPDATED);
    const spyChats = await subscribeReady(hub, client(outsider!), CHAT_UPDATED);
    const spyContacts = await subscribeReady(hub, client(outsider!), CONTACT_UPDATED);
    const chatId = await groupChat(srv.url, a!, [b!], 'Plans');
    await bChats.waitFor(1);
    await gql(srv.url, `mutation($c: ID!) { renameChat(chatId: $c, name: "Plans 2") { id } }`, { c: chatId }, a!.token);
    expect(await bChats.waitFor(2)).toEqual([
      { chatUpdated: { kind: 'CREATED', chat: { id: chatId, name: 'Plans' }, user: { id: a!.id } } },
      { chatUpdated: { kind: 'RENAMED', chat: { id: chatId, name: 'Plans 2' }, user: { id: a!.id } } },
    ]);
    await gql(srv.url, `mutation($u: ID) { sendInvitation(userId: $u) { id } }`, { u: b!.id }, a!.token);
    expect((await bContacts.waitFor(1))[0]).toMatchObject({ contactUpdated: { kind: 'INVITATION_RECEIVED', contact: { status: 'PENDING', direction: 'INCOMING', user: { id: a!.id, email: null } } } });
    // Sentinels of the outsider's own: once they arrive, anything earlier would have.
    await directChat(srv.url, b!, outsider!);
    await gql(srv.url, `mutation($u: ID) { sendInvitation(userId: $u) { id } }`, { u: outsider!.id }, b!.token);
    expect((await spyChats.waitFor(1)).map((e: any) => e.chatUpdated.kind)).toEqual(['CREATED']);
    expect((await spyContacts.waitFor(1)).map((e: any) => e.contactUpdated.kind)).toEqual(['INVITATION_RECEIVED']);
  });
});

describe('setTyping', () => {
  it('is limited per user and chat, and refuses outsiders and bad ids', async () => {
    const [a, b, outsider] = await users(3);
    const chatId = await directChat(srv.url, a!, b!);
    const typing = (u: TestUser, c = chatId) => gql(srv.url, `mutation($c: ID!) { setTyping(chatId: $c, isTyping: true) }`, { c }, u.token);
    for (let i = 0; i < 5; i++) expect((await typing(a!)).errors).toBeUndefined();
    expect(errorOf(await typing(a!)).code).toBe('RATE_LIMITED');
    // Another user in the same chat has their own budget.
    expect((await typing(b!)).errors).toBeUndefined();
    expect(errorOf(await typing(outsider!)).code).toBe('NOT_FOUND');
    expect(errorOf(await typing(a!, 'x'))).toEqual({ code: 'BAD_USER_INPUT', field: 'chatId' });
  });
});

describe('replay with after', () => {
  it('replays 11..30 then goes live with 31..50: no gap, no duplicate', async () => {
    const [a, b] = await users(2);
    const chatId = await directChat(srv.url, a!, b!);
    const first = [];
    for (let i = 1; i <= 30; i++) first.push(await send(srv.url, a!, chatId, `n${i}`));
    const sending = (async () => {
      for (let i = 31; i <= 50; i++) await send(srv.url, a!, chatId, `n${i}`);
    })();
    const sub = subscribe(client(b!), MESSAGE_ADDED, { c: chatId, after: first[9]!.id });
    await sending;
    // A sentinel: once it arrives, any duplicate would have arrived before it.
    await send(srv.url, a!, chatId, 'n51');
    await sub.waitFor(41, 10_000);
    expect(sub.events.map((e: any) => e.messageAdded.content)).toEqual(Array.from({ length: 41 }, (_, i) => `n${i + 11}`));
  });
});

describe('across instances', () => {
  it('delivers to a subscriber on instance 1 a message sent through instance 2', async () => {
    const other = await startServer();
    try {
      const [a, b] = await users(2);
      const chatId = await directChat(srv.url, a!, b!);
      const sub = await subscribeReady(srv.server.hub, client(b!), MESSAGE_ADDED, { c: chatId });
      const m = await send(other.url, a!, chatId, 'via instance 2');
      expect((await sub.waitFor(1))[0].messageAdded.id).toBe(m.id);
    } finally {
      await other.stop();
    }
  });
});

describe('bus connection loss', () => {
  it('recovers: every subscriber receives every message exactly once', async () => {
    const [a, b, c] = await users(3);
    const chatId = await groupChat(srv.url, a!, [b!, c!]);
    const cut = await serverWithCuttableBus();
    try {
      const hub = cut.srv.server.hub;
      const subs = [
        await subscribeReady(hub, client(b!, cut.srv), MESSAGE_ADDED, { c: chatId }),
        await subscribeReady(hub, client(c!, cut.srv), MESSAGE_ADDED, {}),
      ];
      const sent: string[] = [];
      const sending = (async () => {
        for (let i = 0; i < 40; i++) sent.push((await send(srv.url, a!, chatId, `k${i}`)).id);
      })();
      await until(() => sent.length >= 10, 10_000, 'some messages');
      await cut.lose();
      await until(() => sent.length >= 20, 10_000, 'messages sent while it is away');
      await cut.restore();
      await sending;
      // A sentinel: once it arrives, any duplicate would have arrived before it.
      sent.push((await send(srv.url, a!, chatId, 'sentinel')).id);
      for (const sub of subs) {
        await sub.waitFor(41, 15_000);
        expect(sub.events.map((e: any) => e.messageAdded.id)).toEqual(sent);
      }
    } finally {
      await cut.stop();
    }
  });
});

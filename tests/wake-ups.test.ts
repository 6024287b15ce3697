import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../src/db/client.js';
import { EVENTS_CHANNEL, WakeUps } from '../src/realtime/bus/postgres.js';
import { groupChat, send } from './helpers/chat.js';
import { gql, registerUser } from './helpers/graphql.js';
import { isolatedServer } from './helpers/isolated.js';
import { subscribeReady, until, wsClient } from './helpers/ws.js';

/** Every notification on the events channel of `url`'s database, in the order they arrive. */
async function listenTo(url: string) {
  const payloads: string[] = [];
  const listener = postgres(url, { max: 1, onnotice: () => {} });
  await listener.listen(EVENTS_CHANNEL, (payload) => payloads.push(payload));
  return { payloads, close: () => listener.end({ timeout: 2 }) };
}

describe('log wake-ups (EVENT_BUS=postgres)', () => {
  const database = connectDatabase(inject('databaseUrl'), { max: 1 });
  afterAll(() => database.close());

  it('go one at a time: a burst of commits sends one at once and one behind it', async () => {
    const listener = await listenTo(inject('databaseUrl'));
    try {
      const payload = JSON.stringify({ type: 'log', from: `burst-${process.pid}` });
      const wakeUps = new WakeUps(database.db, payload);
      for (let i = 0; i < 50; i++) wakeUps.wake();
      await until(() => listener.payloads.filter((p) => p === payload).length >= 2, 10_000, 'two wake-ups');
      // On the pool's one connection, behind anything the burst could still have queued.
      const sentinel = `sentinel-${process.pid}`;
      await database.db.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${sentinel})`);
      await until(() => listener.payloads.includes(sentinel), 10_000, 'the sentinel');
      expect(listener.payloads.filter((p) => p === payload)).toHaveLength(2);
      // Later commits are woken again.
      wakeUps.wake();
      await until(() => listener.payloads.filter((p) => p === payload).length === 3, 10_000, 'a third wake-up');
    } finally {
      await listener.close();
    }
  });

  it("follow a message's commit, never go inside it; its instance reads at the commit and skips its own NOTIFY", { timeout: 30_000 }, async () => {
    // A database of its own: no other server's wake-ups. No sweep within the test either: only
    // the instance's own wake-up at the commit can bring the message to its subscriber.
    const iso = await isolatedServer({ bus: { kind: 'postgres', sweepMs: 60_000 } });
    const listener = await listenTo(iso.url);
    try {
      const [alice, bob] = [await registerUser(iso.srv.url), await registerUser(iso.srv.url)];
      const chatId = await groupChat(iso.srv.url, alice, [bob]);
      const bobs = wsClient(iso.srv.wsUrl, bob.token);
      const sub = await subscribeReady(iso.srv.server.hub, bobs, `subscription($c: ID!) { messageAdded(chatId: $c) { id content } }`, { c: chatId });
      let woken = 0;
      iso.srv.server.bus.on('log', () => woken++);
      let committed = 0;
      iso.srv.server.bus.onOwnCommit(() => committed++);
      let typing = 0;
      iso.srv.server.bus.on('typing', () => typing++);

      const message = await send(iso.srv.url, alice, chatId, 'after the commit');
      await sub.waitFor(1, 10_000);
      expect(sub.events[0].messageAdded).toEqual({ id: message.id, content: 'after the commit' });
      const own = JSON.stringify({ type: 'log', from: iso.srv.server.instanceId });
      await until(() => listener.payloads.includes(own), 10_000, "the instance's wake-up");

      // Notifications reach a listener in commit order: once the instance has heard this one, it
      // has heard its own wake-up.
      const at = new Date().toISOString();
      await iso.db.db.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify({ type: 'typing', chatId: 0, userId: 0, isTyping: false, at })})`);
      await until(() => typing === 1, 10_000, 'the sentinel');
      // Told once, at its commit; its own NOTIFY, which comes back, wakes nothing; a NOTIFY from
      // inside the transaction would say plain "log".
      expect(committed).toBe(1);
      expect(woken).toBe(0);
      expect(listener.payloads.filter((p) => p !== own && !p.includes('"typing"'))).toEqual([]);
      sub.dispose();
      await bobs.dispose();
    } finally {
      await listener.close();
      await iso.stop();
    }
  });

  it('are left to the sweep by an instance nobody subscribes to; its first subscriber has it read at once', { timeout: 30_000 }, async () => {
    // No sweep within the test: only a wake-up can have the instance read.
    const iso = await isolatedServer({ bus: { kind: 'postgres', sweepMs: 60_000 } });
    try {
      const [alice, bob] = [await registerUser(iso.srv.url), await registerUser(iso.srv.url)];
      const chatId = await groupChat(iso.srv.url, alice, [bob]);
      const { hub } = iso.srv.server;
      const reads = hub.logReads;
      const first = await send(iso.srv.url, alice, chatId, 'before anyone listens');
      const unheard = [await send(iso.srv.url, alice, chatId, 'unheard 1'), await send(iso.srv.url, alice, chatId, 'unheard 2')];
      // A read the commit asks for starts before sendMessage answers: none did.
      expect(hub.logReads).toBe(reads);

      // Resuming after the first: the two after it come at once, not at the next sweep.
      const bobs = wsClient(iso.srv.wsUrl, bob.token);
      const sub = await subscribeReady(hub, bobs, `subscription($c: ID!, $a: ID) { messageAdded(chatId: $c, after: $a) { id content } }`, { c: chatId, a: first.id });
      await sub.waitFor(2, 10_000);
      expect(sub.events.map((e) => e.messageAdded)).toEqual(unheard.map((m) => ({ id: m.id, content: m.content })));

      // Someone listens now: each commit has the instance read at once.
      const before = hub.logReads;
      const heard = await send(iso.srv.url, alice, chatId, 'heard');
      expect(hub.logReads).toBeGreaterThan(before);
      await sub.waitFor(3, 10_000);
      expect(sub.events[2].messageAdded).toEqual({ id: heard.id, content: 'heard' });
      sub.dispose();
      await bobs.dispose();
    } finally {
      await iso.stop();
    }
  });

  it("are read at the instance's own commit only when someone subscribed there may hear of it", { timeout: 30_000 }, async () => {
    const iso = await isolatedServer({ bus: { kind: 'postgres', sweepMs: 60_000 } });
    try {
      const { url, wsUrl, server } = iso.srv;
      const { hub } = server;
      const [ana, ben, cai, dee, eve] = await Promise.all([0, 1, 2, 3, 4].map(() => registerUser(url)));
      const heard = await groupChat(url, ana!, [ben!]);
      const bens = wsClient(wsUrl, ben!.token);
      const ofBen = await subscribeReady(hub, bens, `subscription { messageAdded { id content chatId } }`);
      const contents = (sub: { events: any[] }) => sub.events.map((e) => e.messageAdded.content as string);
      // Once Ben has a message sent after them, the instance has read every entry before it.
      let sentinels = 0;
      const readUpToNow = async () => {
        await send(url, ana!, heard, `sentinel ${++sentinels}`);
        await until(() => contents(ofBen).includes(`sentinel ${sentinels}`), 10_000, 'the sentinel');
      };
      const unheard = await groupChat(url, cai!, [dee!]);
      await readUpToNow();

      // Nobody subscribed here is in the chat: no read at the commit.
      const before = await send(url, cai!, unheard, 'before anyone listens');
      const reads = hub.logReads;
      await send(url, cai!, unheard, 'nobody here listens');
      expect(hub.logReads).toBe(reads);

      // A member subscribes, resuming after the first: the one after it comes at once.
      const dees = wsClient(wsUrl, dee!.token);
      const ofDee = await subscribeReady(hub, dees, `subscription($c: ID!, $a: ID) { messageAdded(chatId: $c, after: $a) { id content chatId } }`, {
        c: unheard,
        a: before.id,
      });
      await until(() => contents(ofDee).includes('nobody here listens'), 10_000, "Dee's missed message");

      // Dee listens here, to that chat alone: nothing of another chat of theirs is read at its commit.
      const elsewhere = await groupChat(url, cai!, [dee!]);
      await readUpToNow();
      const readsThen = hub.logReads;
      await send(url, cai!, elsewhere, 'not for the chat Dee follows');
      expect(hub.logReads).toBe(readsThen);

      // Someone who listens here joins a chat nobody here was in: the commit that lets them in
      // names them, and what follows it is read at once too.
      const third = await groupChat(url, cai!, [eve!]);
      await readUpToNow();
      const added = await gql(url, `mutation($c: ID!, $u: [ID!]!) { addParticipants(chatId: $c, userIds: $u) { id } }`, { c: third, u: [ben!.id] }, cai!.token);
      expect(added.errors).toBeUndefined();
      await send(url, cai!, third, 'welcome');
      await until(() => contents(ofBen).includes('welcome'), 10_000, 'the message after Ben joined');
      expect(ofBen.events.filter((e) => e.messageAdded.chatId === unheard)).toEqual([]);
      for (const client of [bens, dees]) await client.dispose();
    } finally {
      await iso.stop();
    }
  });
});

import { inject, describe, expect, it } from 'vitest';
import { busUnderTest, serverWithCuttableBus } from './helpers/bus.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';
import { useParley, type Actor } from './helpers/scenario.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * Database faults on the instance that serves the subscriber, while another instance writes
 * every kind of entry: each subscription still receives each of its entries exactly once, in
 * log order. The truth to compare with is the log itself, read over HTTP afterwards.
 */
const parley = useParley();

const UPDATE = `__typename cursor
  ... on MessageAddedUpdate { message { id } }
  ... on MessageEditedUpdate { message { id } }
  ... on MessageDeletedUpdate { message { id } }
  ... on ReadMarkerUpdate { receipt { lastReadMessageId user { id } } }
  ... on ChatChangedUpdate { kind user { id } }`;

const key = (u: any) =>
  `${u.__typename}:${u.message?.id ?? u.receipt?.lastReadMessageId ?? ''}:${u.kind ?? ''}:${u.user?.id ?? u.receipt?.user.id ?? ''}`;

async function allUpdates(viewer: Actor, after: string) {
  await parley.settled();
  const updates: any[] = [];
  let cursor = after;
  for (;;) {
    const page = (await viewer.must(`query($a: String!) { updates(after: $a) { cursor hasMore updates { ${UPDATE} } } }`, { a: cursor })).updates;
    updates.push(...page.updates);
    cursor = page.cursor;
    if (!page.hasMore) return updates;
  }
}

/**
 * The writer (on its own instance) does a random mix of everything chat members see, calling
 * `fault` at a few points along the way.
 */
async function churn(readerServer: TestServer, writerServer: TestServer, faults: Record<number, () => Promise<void>>) {
  const [ana, reader, cy, ...pool] = await parley.newUsers(6, 'F');
  const [a, c, ben] = [ana!.on(writerServer), cy!.on(writerServer), reader!.on(readerServer)];
  const group = await parley.newGroup(ana!, [ben, cy!], 'Faults');
  // The group's creation is final before the cursor and the subscriptions, which start at "now"
  // (the others have no `after`): its entries are before every start, whatever else runs.
  await parley.settled();
  const start = (await ben.must(`{ updateCursor }`)).updateCursor as string;
  // Ben listens on the instance the faults hit.
  const subs = {
    updates: await ben.subscribe(`subscription($a: String) { updates(after: $a) { ${UPDATE} } }`, { a: start }),
    added: await ben.subscribe(`subscription { messageAdded { id } }`),
    read: await ben.subscribe(`subscription { messageRead { lastReadMessageId user { id } } }`),
    changed: await ben.subscribe(`subscription { chatUpdated { kind user { id } } }`),
  };

  const mine: string[] = [];
  const cys: string[] = [];
  const outside = new Set(pool.map((u) => u.id));
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  for (let round = 0; round < 48; round++) {
    if (faults[round]) await faults[round]!();
    const move = round % 8;
    if (move === 0 || move === 4) mine.push((await a.send(group, `a${round}`)).id);
    else if (move === 1) cys.push((await c.send(group, `c${round}`)).id);
    else if (move === 2 && mine.length) await a.must(`mutation($id: ID!) { editMessage(id: $id, content: "e${round}") { id } }`, { id: pick(mine) });
    else if (move === 3 && cys.length) await c.must(`mutation($id: ID!) { deleteMessage(id: $id) { id } }`, { id: cys.pop() });
    else if (move === 5) await c.must(`mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: group });
    else if (move === 6) await a.must(`mutation($c: ID!) { renameChat(chatId: $c, name: "r${round}") { id } }`, { c: group });
    else if (outside.size) {
      const id = pick([...outside]);
      outside.delete(id);
      await a.must(`mutation($c: ID!, $u: [ID!]!) { addParticipants(chatId: $c, userIds: $u) { id } }`, { c: group, u: [id] });
    } else {
      const id = pick(pool.map((u) => u.id));
      outside.add(id);
      await a.must(`mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: group, u: id });
    }
  }

  const truth = await allUpdates(ben, start);
  const expected = {
    updates: truth.map(key),
    added: truth.filter((u) => u.__typename === 'MessageAddedUpdate').map((u) => u.message.id),
    read: truth.filter((u) => u.__typename === 'ReadMarkerUpdate').map((u) => `${u.receipt.user.id}:${u.receipt.lastReadMessageId}`),
    changed: truth.filter((u) => u.__typename === 'ChatChangedUpdate').map((u) => `${u.kind}:${u.user.id}`),
  };
  expect(expected.read.length).toBeGreaterThan(0);
  const received = {
    updates: (await subs.updates.waitFor(expected.updates.length, 30_000)).map((e) => key(e.updates)),
    added: (await subs.added.waitFor(expected.added.length, 30_000)).map((e) => e.messageAdded.id),
    read: (await subs.read.waitFor(expected.read.length, 30_000)).map((e) => `${e.messageRead.user.id}:${e.messageRead.lastReadMessageId}`),
    changed: (await subs.changed.waitFor(expected.changed.length, 30_000)).map((e) => `${e.chatUpdated.kind}:${e.chatUpdated.user.id}`),
  };
  expect(received).toEqual(expected);
}

const terminate = (role: string, instance: TestServer) =>
  parley.db.sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${`parley-${role}-${instance.server.instanceId}`}`;

describe('every kind of entry, exactly once, through database faults', () => {
  it('survives its bus connection and then all its database connections being lost mid-stream', async () => {
    const writer = await parley.newInstance();
    // On NATS the reader's bus connection goes through a proxy; on PostgreSQL it is the LISTEN connection.
    const cut = busUnderTest() === 'nats' ? await serverWithCuttableBus() : undefined;
    const reader = cut?.srv ?? parley.srv;
    const killAll = async () => {
      // The reader's connections open on demand (on NATS its log reader wakes on the bus, not on a
      // timer): one statement through its pool makes sure there is at least one to lose.
      await reader.server.database.sql`select 1`;
      const killed = await Promise.all(['listen', 'log', 'realtime', 'pool'].map((role) => terminate(role, reader)));
      expect(killed.flat().length).toBeGreaterThan(0);
    };
    const busFaults: Record<number, () => Promise<void>> = cut
      ? { 10: cut.lose, 14: cut.restore }
      : { 10: async () => expect((await terminate('listen', reader)).length).toBe(1) };
    try {
      await churn(reader, writer, { ...busFaults, 20: killAll, 32: killAll });
    } finally {
      await cut?.stop();
    }
  }, 120_000);

  it('survives the database being unreachable for a while, and catches up after', async () => {
    const url = new URL(inject('databaseUrl'));
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
    url.host = `127.0.0.1:${proxy.port}`;
    // The subscriber's instance reaches the database through the proxy; the writer directly.
    const reader = await startServer({}, url.toString());
    try {
      // The outage lasts while the writer carries on for 16 rounds.
      await churn(reader, parley.srv, { 16: () => proxy.down(), 32: () => proxy.up() });
    } finally {
      await reader.stop();
    }
  }, 120_000);
});

import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished as onTeardown } from 'vitest';
import type { Config } from '../src/config.js';
import { connectDatabase } from '../src/db/client.js';
import { createAuthDeps, createDataServices } from '../src/services.js';
import { freePort } from './helpers/free-port.js';
import { gql } from './helpers/graphql.js';
import { NATS_MISSING, natsServerPath, startNatsServer, type NatsServer } from './helpers/nats.js';
import { startServerProcess, wsUrlOf } from './helpers/process.js';
import { useParley, type Actor } from './helpers/scenario.js';
import { capturedLogger, startServer, TEST_JWT_SECRET, testConfig, type TestServer } from './helpers/server.js';
import { subscribe, until, wsClient, type Subscription } from './helpers/ws.js';

/**
 * Scaling out on NATS: three instances on one database and a nats-server of this file's own.
 * Every check compares what readers received with the log itself (message ids grow in log
 * order, across chats), and ends on a sentinel rather than on a wait.
 */
const available = Boolean(natsServerPath());
if (!available) console.warn(`Skipping the three-instance NATS tests: ${NATS_MISSING}.`);

const MESSAGE_ADDED = `subscription($after: ID) { messageAdded(after: $after) { id chatId content } }`;
type Added = { messageAdded: { id: string; chatId: string; content: string } };

describe.skipIf(!available)('three instances on NATS', () => {
  let nats: NatsServer;
  /** A minute: what arrives in time was woken, not swept (unless a test says otherwise). */
  const onNats = (sweepMs = 60_000): Partial<Config> => ({ bus: { kind: 'nats', natsUrl: nats.url, sweepMs } });
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.dispose();
  });
  // The file's first instance starts after the nats-server above (hooks run in order).
  const parley = useParley({
    get bus() {
      return onNats().bus!;
    },
  });

  // Started once and shared by the tests, to keep the database's connections few.
  let others: Promise<TestServer[]> | undefined;
  const threeInstances = async () => [parley.srv, ...(await (others ??= Promise.all([parley.newInstance(), parley.newInstance()])))];

  /** Messages of `chats` in the log, in log order (id order), after `afterId`. */
  async function logOf(chats: string[], afterId = 0) {
    await parley.settled();
    const rows = await parley.db.sql<{ id: string }[]>`
      select m.id::text as id from messages m where m.chat_id = any(${chats.map(Number)}::int[]) and m.message_type <> 'SYSTEM' and m.id > ${afterId} order by m.id`;
    return rows.map((r) => r.id);
  }

  const ids = (sub: Subscription<Added>) => sub.events.map((e) => e.messageAdded.id);

  /** A message in every chat; resolves once every reader has it. */
  async function sentinels(writer: Actor, chats: string[], readers: Subscription<Added>[][]) {
    const sent = await Promise.all(chats.map((chat) => writer.send(chat, 'sentinel')));
    await until(() => readers.flat().every((sub) => sent.every((m) => ids(sub).includes(m.id))), 30_000, 'the sentinels');
  }

  /** Three instances, a reader on each following two groups of three writers, and a first message all have. */
  async function readersOnEachInstance() {
    const instances = await threeInstances();
    const writers = await parley.newUsers(3, 'W');
    const readers = await parley.newUsers(3, 'R');
    const chats = [await parley.newGroup(writers[0]!, [...writers.slice(1), ...readers], 'X'), await parley.newGroup(writers[1]!, [writers[0]!, writers[2]!, ...readers], 'Y')];
    const subs = await Promise.all(readers.map((r, i) => r.subscribe<Added>(MESSAGE_ADDED, {}, instances[i])));
    const first = (await writers[0]!.send(chats[0]!, 'start')).id;
    await until(() => subs.every((s) => s.events.length > 0), 15_000, 'the first message');
    return { instances, writers, chats, subs, first };
  }

  it('a reader on each instance receives every message from writers on all three, exactly once, in order', async () => {
    const { instances, writers, chats, subs, first } = await readersOnEachInstance();

    await Promise.all(
      writers.flatMap((w, i) => chats.map(async (chat) => {
        for (let k = 0; k < 10; k++) await w.on(instances[i]!).send(chat, `${i}:${k}`);
      })),
    );
    await sentinels(writers[2]!.on(instances[2]!), chats, [subs]);

    const truth = [first, ...(await logOf(chats, Number(first)))];
    expect(truth).toHaveLength(1 + 3 * 2 * 10 + 2);
    for (const sub of subs) expect(ids(sub)).toEqual(truth);
  });

  it('wakes only the instances that serve a member of the chat', async () => {
    const [a, b] = await parley.newUsers(2, 'I');
    const [c] = await parley.newUsers(1, 'O');
    const watched = await parley.newDirectChat(a!, b!);
    const elsewhere = await parley.newDirectChat(a!, c!);
    const only = await startServer(onNats());
    onTeardown(() => only.stop());
    const sub = await b!.subscribe<Added>(MESSAGE_ADDED, {}, only);
    let wakes = 0;
    only.server.bus.on('log', () => wakes++);

    // Published on one connection in this order: a wake-up for `elsewhere` would come first.
    await a!.send(elsewhere, 'not for this instance');
    const sentinel = await a!.send(watched, 'sentinel');
    await until(() => ids(sub).includes(sentinel.id), 15_000, 'the sentinel');
    expect(ids(sub)).toEqual([sentinel.id]);
    expect(wakes).toBe(1);

    // Chats joined later are watched from their membership entry on.
    const group = await parley.newGroup(a!, [], 'Later');
    await a!.must(`mutation($c: ID!, $u: [ID!]!) { addParticipants(chatId: $c, userIds: $u) { id } }`, { c: group, u: [b!.id] });
    const later = await a!.send(group, 'after joining');
    await until(() => ids(sub).includes(later.id), 15_000, 'a message of the chat joined later');
  });

  it('delivers a commit whose wake-up was never published, by the sweep', async () => {
    const swept = await startServer(onNats(300));
    onTeardown(() => swept.stop());
    const [writer, reader] = await parley.newUsers(2, 'S');
    const chat = await parley.newDirectChat(writer!, reader!);
    const sub = await reader!.subscribe<Added>(MESSAGE_ADDED, {}, swept);
    let wakes = 0;
    swept.server.bus.on('log', () => wakes++);

    // A writer whose commits are never announced, as if it died between commit and publish.
    const lossy = connectDatabase(inject('databaseUrl'), { max: 1 });
    try {
      const config = testConfig();
      const silent = { commitHook: { signalsInTransaction: false, notifyIn: async () => {}, committed: () => {} }, publish: async () => {} };
      const services = createDataServices({ db: lossy.db, ...createAuthDeps(lossy.db, config, TEST_JWT_SECRET), config, bus: silent });
      const sentAt = Date.now();
      const message = await services.messages.send(Number(writer!.id), { chatId: chat, content: 'unannounced', messageType: 'TEXT' });
      await until(() => ids(sub).includes(String(message.id)), 15_000, 'the swept message');
      expect(Date.now() - sentAt).toBeLessThan(10_000);
      expect(wakes).toBe(0);
    } finally {
      await lossy.close();
    }
  });

  it('clients of an instance killed mid-stream resume on another and lose nothing', { timeout: 120_000 }, async () => {
    const [a, b] = await threeInstances();
    const clients: Client[] = [];
    const client = (wsUrl: string, token: string) => {
      const c = wsClient(wsUrl, token);
      clients.push(c);
      return c;
    };
    const killed = startServerProcess({
      DATABASE_URL: inject('databaseUrl'),
      EVENT_BUS: 'nats',
      NATS_URL: nats.url,
      EVENT_SWEEP_MS: '60000',
      JWT_SECRET: TEST_JWT_SECRET,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    try {
      const url = (await killed.listening).replace('localhost', '127.0.0.1');
      const writers = await parley.newUsers(3, 'K');
      const readers = await parley.newUsers(2, 'L');
      const chats = [await parley.newGroup(writers[0]!, [...writers.slice(1), ...readers], 'P'), await parley.newGroup(writers[1]!, [writers[0]!, writers[2]!, ...readers], 'Q')];
      // Resuming after a message that exists already: nothing is missed however long the subscription takes to start.
      const first = (await writers[0]!.send(chats[0]!, 'start')).id;
      const before = readers.map((r) => subscribe<Added>(client(wsUrlOf(url), r.token), MESSAGE_ADDED, { after: first }));
      await writers[0]!.send(chats[1]!, 'hello');
      await until(() => before.every((s) => s.events.length > 0), 15_000, 'the first message on the doomed instance');

      // Writers on all three instances, the doomed one included: its requests in flight when it dies may have committed.
      const via: TestServer[] = [a!, b!];
      let stop = false;
      const writing = writers.map(async (w, i) => {
        for (let k = 0; !stop; k++) {
          const chat = chats[k % 2]!;
          if (i < 2) await w.on(via[i]!).send(chat, `${i}:${k}`);
          else await gql(url, `mutation($c: ID!, $t: String!) { sendMessage(input: { chatId: $c, content: $t }) { id } }`, { c: chat, t: `k:${k}` }, w.token).catch(() => {});
        }
      });
      await until(() => before.every((s) => s.events.length >= 15), 30_000, 'messages before the kill');
      killed.child.kill('SIGKILL');
      await killed.exited;
      await until(() => before.every((s) => s.completed || s.errors.length > 0), 15_000, 'the sockets to drop');
      // Each client resumes on another instance from the last message it received.
      const after = readers.map((r, i) => {
        const last = ids(before[i]!).at(-1)!;
        return subscribe<Added>(client(a!.wsUrl, r.token), MESSAGE_ADDED, { after: last });
      });
      await until(() => after.every((s) => s.events.length >= 10), 30_000, 'messages after resuming');
      stop = true;
      await Promise.all(writing);
      await sentinels(writers[0]!.on(b!), chats, [after]);

      const truth = await logOf(chats, Number(first));
      for (const [i] of readers.entries()) expect([...ids(before[i]!), ...ids(after[i]!)]).toEqual(truth);
    } finally {
      await killed.kill();
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });

  it('loses nothing when the NATS server restarts mid-stream', { timeout: 120_000 }, async () => {
    const { instances, writers, chats, subs, first } = await readersOnEachInstance();

    let stop = false;
    let sent = 0;
    const writing = writers.map(async (w, i) => {
      for (let k = 0; !stop; k++, sent++) await w.on(instances[i]!).send(chats[k % 2]!, `${i}:${k}`);
    });
    await until(() => sent >= 15, 30_000, 'messages before the restart');
    await nats.stop(true);
    await until(() => instances.every((s) => !s.server.bus.connected), 15_000, 'every instance to lose NATS');
    const unready = await fetch(new URL('/readyz', instances[0]!.url));
    expect([unready.status, await unready.json()]).toEqual([503, { ready: false, database: 'up', bus: 'nats', listen: 'down', log: 'up' }]);
    const during = sent;
    await until(() => sent >= during + 15, 30_000, 'messages while NATS is down');
    await nats.start();
    await until(() => instances.every((s) => s.server.bus.connected), 30_000, 'every instance to reconnect');
    expect(await (await fetch(new URL('/readyz', instances[2]!.url))).json()).toEqual({ ready: true, database: 'up', bus: 'nats', listen: 'up', log: 'up' });
    const back = sent;
    await until(() => sent >= back + 15, 30_000, 'messages after the restart');
    stop = true;
    await Promise.all(writing);
    await sentinels(writers[0]!.on(instances[1]!), chats, [subs]);

    const truth = [first, ...(await logOf(chats, Number(first)))];
    for (const sub of subs) expect(ids(sub)).toEqual(truth);
  });

  it('will not start without a NATS server to use, or one without JetStream, and says so', async () => {
    const nowhere = `nats://127.0.0.1:${await freePort()}`;
    // Start-up waits a while for a server that may be starting too (see the next test): not long here.
    await expect(startServer({ bus: { kind: 'nats', natsUrl: nowhere, sweepMs: 1000, startupWaitMs: 500 } })).rejects.toThrow(
      new RegExp(`^Cannot use NATS at ${nowhere} \\(EVENT_BUS=nats\\): `),
    );
    const plain = await startNatsServer({ jetStream: false });
    try {
      await expect(startServer({ bus: { kind: 'nats', natsUrl: plain.url, sweepMs: 1000, startupWaitMs: 500 } })).rejects.toThrow(
        `NATS at ${plain.url} has no JetStream, which Parley needs for its registry of instances: start nats-server with -js`,
      );
    } finally {
      await plain.dispose();
    }
  });

  it('waits at start-up for a NATS server that comes up after it, as one started beside it does', async () => {
    const late = await startNatsServer();
    try {
      await late.stop();
      const { log, lines } = capturedLogger();
      const starting = startServer({ bus: { kind: 'nats', natsUrl: late.url, sweepMs: 1000, startupWaitMs: 60_000 } }, undefined, log);
      // Refused at least once: the server is not there yet.
      await until(() => lines.some((l) => l.msg === 'NATS is not ready yet; waiting for it' && l.code === 'CONNECTION_REFUSED'), 30_000, 'a refused connection');
      await late.start();
      const srv = await starting;
      try {
        expect(srv.server.bus.connected).toBe(true);
      } finally {
        await srv.stop();
      }
    } finally {
      await late.dispose();
    }
  });
});

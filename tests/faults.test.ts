import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { gql, registerUser, type TestUser } from './helpers/graphql.js';
import { startServerProcess, wsUrlOf, type ServerProcess } from './helpers/process.js';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-database.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';
import { until } from './helpers/ws.js';
import { TEST_JWT_SECRET } from './helpers/server.js';

/**
 * Database faults under traffic, against two production-mode server processes sharing one
 * database through a TCP proxy: a crash is an exit, which no handler inside the test can hide.
 * Each scenario must leave both processes running, answer every failed request with a
 * retryable error, and store every acknowledged message exactly once.
 */

const METRICS_TOKEN = 'fault-metrics-token-0123456789';
const SEND = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`;

let database: ScratchDatabase;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let killer: postgres.Sql;
const servers: ServerProcess[] = [];
let urls: string[] = [];

beforeAll(async () => {
  database = await createScratchDatabase(inject('databaseUrl'), 'parley_faults');
  const direct = new URL(database.url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(database.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: proxied.toString(),
    JWT_SECRET: TEST_JWT_SECRET,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    METRICS_TOKEN,
    SHUTDOWN_TIMEOUT_MS: '10000',
  };
  servers.push(startServerProcess(env), startServerProcess(env));
  urls = await Promise.all(servers.map((s) => s.listening.then((u) => u.replace('localhost', '127.0.0.1'))));
  killer = postgres(database.url, { max: 1, onnotice: () => {} });
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  await killer?.end({ timeout: 2 });
  await proxy?.down().catch(() => {});
  await database?.drop();
});

/** Fails at once, with the process's last words, when a server is no longer running. */
function assertAlive() {
  for (const [i, s] of servers.entries()) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) {
      throw new Error(`server ${i} exited (${s.child.exitCode ?? s.child.signalCode}):\n${lastWords(s)}`);
    }
  }
}

/** What a server logged besides its request lines: warnings, errors, a fatal line. */
function lastWords(s: ServerProcess): string {
  return s
    .output()
    .split('\n')
    .filter((l) => !l.includes('"msg":"request"'))
    .slice(-30)
    .join('\n');
}

interface Failure {
  status: number;
  code: unknown;
  retryable: unknown;
}

/** Clients that send until acknowledged, as a real client does with a retryable error. */
class Traffic {
  readonly acked = new Map<string, { messageId: string; senderId: string }>();
  readonly failures: Failure[] = [];
  readonly networkErrors: string[] = [];
  /** The longest any request took, failed or not. */
  slowestMs = 0;
  private running = true;
  private readonly loops: Promise<void>[] = [];

  start(writers: { user: TestUser; chatId: string; url: string }[], readers: { user: TestUser; chatId: string; url: string }[]) {
    for (const w of writers) this.loops.push(this.write(w));
    for (const r of readers) this.loops.push(this.read(r));
  }

  /** Stops starting new messages and waits for those in flight to be acknowledged. */
  async stop() {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Resolves once `n` more messages have been acknowledged. */
  async progress(n: number, timeoutMs = 15_000) {
    const target = this.acked.size + n;
    await until(() => (assertAlive(), this.acked.size >= target), timeoutMs, `${n} more acknowledged messages`);
  }

  async sendUntilAcked(w: { user: TestUser; chatId: string; url: string }, content: string) {
    const clientMessageId = randomUUID();
    const deadline = Date.now() + 30_000;
    for (;;) {
      assertAlive();
      const started = Date.now();
      try {
        const res = await gql(w.url, SEND, { i: { chatId: w.chatId, content, clientMessageId } }, w.user.token);
        this.slowestMs = Math.max(this.slowestMs, Date.now() - started);
        const id = res.data?.sendMessage?.id as string | undefined;
        if (id) {
          this.acked.set(clientMessageId, { messageId: id, senderId: w.user.id });
          return id;
        }
        const e = res.errors?.[0]?.extensions;
        this.failures.push({ status: res.status, code: e?.code, retryable: e?.retryable });
      } catch (err) {
        this.networkErrors.push(String(err));
      }
      if (Date.now() > deadline) throw new Error(`message ${clientMessageId} never acknowledged`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private async write(w: { user: TestUser; chatId: string; url: string }) {
    for (let i = 0; this.running; i++) await this.sendUntilAcked(w, `load ${w.user.id} ${i}`);
  }

  private async read(r: { user: TestUser; chatId: string; url: string }) {
    while (this.running) {
      assertAlive();
      const started = Date.now();
      try {
        const res = await gql(r.url, `query($c: ID!) { messages(chatId: $c, last: 20) { edges { node { id } } } chats { edges { node { id unreadCount } } } }`, { c: r.chatId }, r.user.token);
        this.slowestMs = Math.max(this.slowestMs, Date.now() - started);
        if (res.errors) {
          const e = res.errors[0]!.extensions;
          this.failures.push({ status: res.status, code: e?.code, retryable: e?.retryable });
        }
      } catch (err) {
        this.networkErrors.push(String(err));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Subscribers that resubscribe whenever their subscription ends, for as long as they run. */
function subscriptionLoad(url: string, users: TestUser[]) {
  const clients: Client[] = [];
  let events = 0;
  let running = true;
  for (const user of users) {
    const client = createClient({
      url: wsUrlOf(url),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${user.token}` },
      retryAttempts: Infinity,
      retryWait: () => new Promise((r) => setTimeout(r, 100)),
      shouldRetry: () => running,
    });
    clients.push(client);
    for (const query of ['subscription { messageAdded { id } }', 'subscription { typing { isTyping } }']) {
      const loop = () => {
        if (!running) return;
        client.subscribe({ query }, { next: () => void events++, error: () => setTimeout(loop, 50), complete: () => setTimeout(loop, 50) });
      };
      loop();
    }
  }
  return {
    get events() {
      return events;
    },
    async stop() {
      running = false;
      await Promise.all(clients.map((c) => c.dispose()));
    },
  };
}

/** Terminates this database's server backends (all, or `limit` chosen at random); returns how many. */
async function terminateBackends(limit?: number): Promise<number> {
  const rows = await killer`
    select pg_terminate_backend(pid) as done from pg_stat_activity
    where datname = ${database.name} and pid <> pg_backend_pid() and backend_type = 'client backend'
    order by random() limit ${limit ?? 10_000}`;
  return rows.filter((r) => r.done).length;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', url), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('database faults under traffic', () => {
  it('survives terminated backends and an outage, keeps acknowledged messages exactly once, and recovers', { timeout: 120_000 }, async () => {
    const [a, b, c, d] = await Promise.all([0, 1, 2, 3].map(() => registerUser(urls[0]!)));
    const group = (await gql(urls[0]!, `mutation($p: [ID!]!) { createGroupChat(name: "faults", participantIds: $p) { id } }`, { p: [b!.id, c!.id, d!.id] }, a!.token)).data!.createGroupChat.id as string;
    const direct = (await gql(urls[1]!, `mutation($u: ID!) { createDirectChat(userId: $u) { id } }`, { u: b!.id }, a!.token)).data!.createDirectChat.id as string;
    const chats = [group, direct];

    const subscribers = urls.map((url) => subscriptionLoad(url, [a!, b!, c!, d!]));
    const traffic = new Traffic();
    traffic.start(
      [
        { user: a!, chatId: group, url: urls[0]! },
        { user: b!, chatId: group, url: urls[1]! },
        { user: c!, chatId: group, url: urls[0]! },
        { user: d!, chatId: group, url: urls[1]! },
        { user: a!, chatId: direct, url: urls[1]! },
        { user: b!, chatId: direct, url: urls[0]! },
      ],
      [
        { user: c!, chatId: group, url: urls[0]! },
        { user: d!, chatId: group, url: urls[1]! },
      ],
    );
    await traffic.progress(20);
    await until(() => subscribers.every((s) => s.events > 0), 10_000, 'subscriptions to receive events');

    // 1. A backend terminated every ~30 ms for 3 seconds, and until more than 30 were (a busy
    // machine may find fewer to end in that time).
    let terminated = 0;
    for (const end = Date.now() + 3000, cap = Date.now() + 30_000; (Date.now() < end || terminated <= 30) && Date.now() < cap; ) {
      terminated += await terminateBackends(1);
      await new Promise((r) => setTimeout(r, 30));
      assertAlive();
    }
    expect(terminated).toBeGreaterThan(30);
    await traffic.progress(10);

    // 2. Every connection terminated at once, three times, with traffic recovering in between.
    // Connections are opened as requests need them, so at a given instant (on a busy machine,
    // right after the servers' pools were emptied) there may be none: wait until a round cuts some.
    for (let round = 0; round < 3; round++) {
      await until(async () => (await terminateBackends()) > 0, 15_000, 'server connections to terminate');
      await traffic.progress(5);
    }

    // 3. The database unreachable for 5 seconds (connections cut, new ones refused).
    await proxy.down();
    const outageStarted = Date.now();
    const failedBefore = traffic.failures.length;
    await new Promise((r) => setTimeout(r, 5000));
    assertAlive();
    expect(traffic.failures.length).toBeGreaterThan(failedBefore);
    await proxy.up();
    await traffic.progress(10);
    const recoveredMs = Date.now() - outageStarted;

    await traffic.stop();
    await Promise.all(subscribers.map((s) => s.stop()));
    assertAlive();

    // Every failed request failed with a retryable error and HTTP 503; none was cut off, and no
    // request, failed or served, waited long for the database (none hung on a reconnection).
    expect(traffic.networkErrors).toEqual([]);
    expect(traffic.failures.length).toBeGreaterThan(0);
    const unexpected = traffic.failures.filter((f) => !(f.status === 503 && f.code === 'INTERNAL_SERVER_ERROR' && f.retryable === true));
    expect(unexpected).toEqual([]);
    // Hung, a request would wait out postgres.js's defaults: a 30 s connect, 20 s between tries.
    // Failing fast, it waits at most a 5 s connect; the margin is for a busy machine.
    expect(traffic.slowestMs).toBeLessThan(10_000);
    expect(recoveredMs).toBeLessThan(15_000);

    // Every acknowledged message is stored exactly once, with the id it was acknowledged with,
    // and nothing else was stored; each chat's last message is its newest one.
    const rows = await killer<{ id: string; senderId: string; clientMessageId: string }[]>`
      select id::text, sender_id::text as "senderId", client_message_id as "clientMessageId"
      from messages where chat_id = any(${chats.map(Number)}::int[]) and message_type <> 'SYSTEM'`;
    const stored = new Map<string, string[]>();
    for (const r of rows) stored.set(r.clientMessageId, [...(stored.get(r.clientMessageId) ?? []), r.id]);
    expect(traffic.acked.size).toBeGreaterThan(50);
    for (const [clientMessageId, { messageId }] of traffic.acked) expect(stored.get(clientMessageId), clientMessageId).toEqual([messageId]);
    expect(rows.length).toBe(traffic.acked.size);
    const lastOk = await killer`
      select c.id from chats c where c.id = any(${chats.map(Number)}::int[])
      and c.last_message_id is distinct from (select max(m.id) from messages m where m.chat_id = c.id)`;
    expect(lastOk).toEqual([]);

    // Both instances serve again: readiness, a write, and live delivery through a restored LISTEN.
    for (const [i, url] of urls.entries()) {
      await until(async () => (await fetch(new URL('/readyz', url))).status === 200, 15_000, `instance ${i} to be ready`);
      expect(await metric(url, 'parley_listen_reconnects_total')).toBeGreaterThan(0);
      const client = createClient({ url: wsUrlOf(url), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${b!.token}` }, retryAttempts: 0 });
      const received: string[] = [];
      const errors: unknown[] = [];
      let ended = true;
      let dispose = () => {};
      // As a client would: a subscription refused with an error (the database was just away) is
      // made again.
      const subscribe = () => {
        ended = false;
        dispose = client.subscribe<{ messageAdded: { content: string } }>(
          { query: `subscription($c: ID) { messageAdded(chatId: $c) { content } }`, variables: { c: group } },
          { next: (r) => void received.push(r.data!.messageAdded.content), error: (err) => (errors.push(err), (ended = true)), complete: () => (ended = true) },
        );
      };
      // The subscription starts asynchronously: send (through the other instance) until one arrives.
      await until(
        async () => {
          if (ended) subscribe();
          await traffic.sendUntilAcked({ user: a!, chatId: group, url: urls[1 - i]! }, `after faults ${i}`);
          return received.includes(`after faults ${i}`);
        },
        15_000,
        `instance ${i} to deliver live`,
      ).catch(async (err: Error) => {
        // What the instance was doing: a follower that no longer reads shows the same count of
        // reads a few sweeps apart; its database sessions show whether its reader is connected.
        const reads = await metric(url, 'parley_log_reads_total');
        await new Promise((r) => setTimeout(r, 2500));
        const sessions = await killer`select application_name as name, state, left(query, 50) as query from pg_stat_activity where datname = ${database.name}`;
        throw new Error(
          `${err.message}; the subscription's errors: ${JSON.stringify(errors)}; log reads ${reads}, then ${await metric(url, 'parley_log_reads_total')} 2.5 s later; ` +
            `database sessions: ${JSON.stringify(sessions)}\n${lastWords(servers[i]!)}`,
        );
      });
      dispose();
      await client.dispose();
    }

    // And both stop cleanly when asked to.
    for (const s of servers) {
      const { code, ms } = await s.stop('SIGTERM');
      expect(code, lastWords(s)).toBe(0);
      expect(ms).toBeLessThan(10_000);
    }
    expect(servers.map((s) => s.output()).join('\n')).not.toMatch(/uncaught exception|unhandled rejection/);
  });
});

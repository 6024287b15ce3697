/**
 * Benchmarks: message throughput over HTTP, end-to-end delivery latency to WebSocket
 * subscribers, chat-list latency, and memory. Runs against an embedded PostgreSQL in a temporary
 * folder, or DATABASE_URL when set.  Usage: npm run bench [-- --messages 2000 --concurrency 20]
 */
import 'reflect-metadata';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { runMigrations } from '../src/db/migrate.js';
import { provisionDatabase } from '../src/db/provision.js';
import { createLogger } from '../src/logger.js';
import { createParleyServer } from '../src/server.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '20' },
    subscribers: { type: 'string', default: '20' },
  },
});
const MESSAGES = Number(values.messages);
const CONCURRENCY = Number(values.concurrency);
const SUBSCRIBERS = Number(values.subscribers);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(1)} ms  p95 ${percentile(s, 95).toFixed(1)} ms  p99 ${percentile(s, 99).toFixed(1)} ms`;
};

async function main() {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-bench-'));
  await fs.chmod(dataDir, 0o755);
  const config = loadConfig({
    // The benchmark is one address and a few users doing far more than any person would.
    RATE_LIMIT_REGISTER: '1000000/1',
    RATE_LIMIT_MESSAGE: '1000000/1',
    RATE_LIMIT_GROUP_ADD: '1000000/1',
    WS_MAX_SOCKETS_PER_IP: '1000000',
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  });
  const database = await provisionDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir, embeddedPort: await freePort() });
  await runMigrations(database.url);
  const server = await createParleyServer({ config, databaseUrl: database.url, log: createLogger('silent') });
  const port = await server.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}/graphql`;
  const gql = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: any; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };

  try {
    console.log(`Parley benchmark: ${MESSAGES} messages, concurrency ${CONCURRENCY}, ${SUBSCRIBERS} subscribers (${database.description})`);
    const users = await Promise.all(
      Array.from({ length: SUBSCRIBERS + 1 }, async (_, i) => {
        const d = await gql(`mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }`, {
          i: { firstname: `Bench${i}`, lastname: 'User', email: `bench${i}-${Date.now()}@example.com`, password: 'bench-password' },
        });
        return { token: d.register.accessToken as string, id: d.register.user.id as string };
      }),
    );
    const [sender, ...members] = users;
    const chat = await gql(`mutation($p: [ID!]!) { createGroupChat(name: "bench", participantIds: $p) { id } }`, { p: members.map((m) => m.id) }, sender!.token);
    const chatId = chat.createGroupChat.id as string;

    const sentAt = new Map<string, number>();
    const deliveries: number[] = [];
    let received = 0;
    const clients = members.map((m) => createClient({ url: url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${m.token}` } }));
    const before = server.hub.stats.subscriptions;
    for (const c of clients) {
      c.subscribe<{ messageAdded: { content: string } }>({ query: `subscription($c: ID) { messageAdded(chatId: $c) { content } }`, variables: { c: chatId } }, {
        next: ({ data }) => {
          const start = sentAt.get(data!.messageAdded.content);
          if (start !== undefined) deliveries.push(performance.now() - start);
          received++;
        },
        error: (e) => console.error(e),
        complete: () => {},
      });
    }
    while (server.hub.stats.subscriptions < before + clients.length) await new Promise((r) => setTimeout(r, 10));

    const sends: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < MESSAGES) {
          const content = `m${next++}`;
          const start = performance.now();
          sentAt.set(content, start);
          await gql(`mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, { i: { chatId, content } }, sender!.token);
          sends.push(performance.now() - start);
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    const deadline = Date.now() + 30_000;
    while (received < MESSAGES * SUBSCRIBERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    const lists: number[] = [];
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      await gql(`{ chats(first: 50) { edges { node { id unreadCount lastMessage { content sender { firstname } } participants { user { firstname } } } } } }`, {}, members[0]!.token);
      lists.push(performance.now() - start);
    }

    console.log(`sendMessage         ${(MESSAGES / elapsed).toFixed(0)} msg/s   ${summary(sends)}`);
    console.log(`delivery (send→ws)  ${received}/${MESSAGES * SUBSCRIBERS} received   ${summary(deliveries)}`);
    console.log(`chats(first: 50)    ${summary(lists)}`);
    console.log(`memory              rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
    await Promise.all(clients.map((c) => c.dispose()));
  } finally {
    await server.close();
    await database.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

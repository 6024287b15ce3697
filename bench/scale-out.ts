/**
 * Scale-out benchmark: three Parley processes on one PostgreSQL, woken by LISTEN/NOTIFY and then
 * by NATS, in the same run and on the same data. Writers (8, then 32) send messages as fast as
 * each gets an answer, spread over the three instances and eight group chats; a reader on each
 * instance follows every chat. Reports sendMessage/s and the delivery latency (send → each
 * reader's socket), prints one row per bus and writer count, and writes the numbers and the
 * machine's load to bench/results/scale-out-<time>.json.
 *
 * Usage: npm run bench:scale-out [-- --seconds 8 --writers 8,32 --out file.json]
 * `npm run bench` runs it too, as row X1 (./rows/x1-scale-out.ts).
 * Needs nats-server (NATS_SERVER_PATH, Debian's package, or the PATH); uses DATABASE_URL when set,
 * otherwise an embedded PostgreSQL in a temporary folder.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { runMigrations } from '../src/db/migrate.js';
import { provisionDatabase } from '../src/db/provision.js';
import { freePort } from '../tests/helpers/free-port.js';
import { NATS_MISSING, natsServerPath, startNatsServer } from '../tests/helpers/nats.js';
import { percentile } from './lib/stats.js';
import { startServerProcess, type ServerProcess } from '../tests/helpers/process.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    writers: { type: 'string', default: '8,32' },
    out: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const WRITER_COUNTS = values.writers.split(',').map(Number);
const MAX_WRITERS = Math.max(...WRITER_COUNTS);
const INSTANCES = 3;
const CHATS = 8;

const load = () => os.loadavg().map((l) => Number(l.toFixed(2)));

export interface ScaleOutRow {
  bus: 'NOTIFY' | 'NATS';
  writers: number;
  sendPerSecond: number;
  sent: number;
  failed: number;
  delivered: number;
  expected: number;
  deliveryP50Ms: number;
  deliveryP99Ms: number;
  sendP99Ms: number;
  loadBefore: number[];
  loadAfter: number[];
}

async function main() {
  if (!natsServerPath()) throw new Error(NATS_MISSING);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-bench-'));
  await fs.chmod(dataDir, 0o755);
  const database = await provisionDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir, embeddedPort: await freePort() });
  const nats = await startNatsServer();
  const rows: ScaleOutRow[] = [];
  try {
    await runMigrations(database.url);
    console.log(`Scale-out: ${INSTANCES} instances, ${CHATS} chats, ${INSTANCES} readers, ${SECONDS} s per row (${database.description}; ${os.cpus().length} CPUs, load ${load().join(' ')})`);
    const env = {
      DATABASE_URL: database.url,
      JWT_SECRET: randomBytes(48).toString('base64'),
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      // One address and a few users doing far more than any person would.
      RATE_LIMIT_REGISTER: '1000000/1',
      RATE_LIMIT_MESSAGE: '1000000/1',
      RATE_LIMIT_GROUP_ADD: '1000000/1',
      WS_MAX_SOCKETS_PER_IP: '1000000',
    };
    let people: People | undefined;
    for (const [bus, busEnv] of [
      ['NOTIFY', { EVENT_BUS: 'postgres' }],
      ['NATS', { EVENT_BUS: 'nats', NATS_URL: nats.url }],
    ] as const) {
      const servers = Array.from({ length: INSTANCES }, () => startServerProcess({ ...env, ...busEnv }));
      try {
        const urls = await Promise.all(servers.map((s) => s.listening.then((u) => u.replace('localhost', '127.0.0.1'))));
        people ??= await makePeople(urls[0]!);
        for (const writers of WRITER_COUNTS) {
          const row = await measure(bus, urls, people, writers);
          rows.push(row);
          printRow(row);
        }
      } finally {
        await Promise.all(servers.map((s) => stopServer(s)));
      }
    }
    const file = values.out ? path.resolve(values.out) : path.join(import.meta.dirname, 'results', `scale-out-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), load: load(), node: process.version };
    await fs.writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), instances: INSTANCES, chats: CHATS, seconds: SECONDS, database: database.description, machine, rows }, null, 2)}\n`);
    console.log(`Written to ${path.relative(process.cwd(), file)}`);
  } finally {
    await nats.dispose();
    await database.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

interface Person {
  id: string;
  token: string;
}
interface People {
  writers: Person[];
  readers: Person[];
  chats: string[];
}

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Writers and readers, and eight groups: every reader is in every group, each writer in one. */
async function makePeople(url: string): Promise<People> {
  const register = async (name: string): Promise<Person> => {
    const d = await gql(url, `mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }`, {
      i: { firstname: name, lastname: 'Bench', email: `${name}-${randomBytes(4).toString('hex')}@example.com`, password: 'bench-password', privacy: { groupAdds: 'EVERYONE' } },
    });
    return { id: d.register.user.id, token: d.register.accessToken };
  };
  const people: Person[] = [];
  // A few at a time: argon2 is the cost of a registration.
  for (let i = 0; i < MAX_WRITERS + INSTANCES; i += 4) people.push(...(await Promise.all(Array.from({ length: Math.min(4, MAX_WRITERS + INSTANCES - i) }, (_, k) => register(`p${i + k}`)))));
  const readers = people.slice(0, INSTANCES);
  const writers = people.slice(INSTANCES);
  const chats: string[] = [];
  for (let c = 0; c < CHATS; c++) {
    const members = [...readers, ...writers.filter((_, w) => w % CHATS === c).slice(1)];
    const owner = writers[c]!;
    const d = await gql(url, `mutation($p: [ID!]!) { createGroupChat(name: "bench", participantIds: $p) { id } }`, { p: members.map((m) => m.id) }, owner.token);
    chats.push(d.createGroupChat.id);
  }
  return { writers, readers, chats };
}

async function measure(bus: ScaleOutRow['bus'], urls: string[], people: People, writerCount: number): Promise<ScaleOutRow> {
  const sentAt = new Map<string, number>();
  const deliveries: number[] = [];
  let delivered = 0;
  let measuring = false;
  const clients: Client[] = people.readers.map((r, i) =>
    createClient({ url: urls[i]!.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${r.token}` }, retryAttempts: 0 }),
  );
  // Subscribed after a message that exists: every later one reaches them, whenever the subscription starts.
  const writers = people.writers.slice(0, writerCount);
  const mark = await gql(urls[0]!, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, { i: { chatId: people.chats[0], content: 'mark' } }, writers[0]!.token);
  let ready = 0;
  for (const client of clients) {
    client.subscribe<{ messageAdded: { content: string } }>(
      { query: `subscription($a: ID) { messageAdded(after: $a) { content } }`, variables: { a: mark.sendMessage.id } },
      {
        next: ({ data }) => {
          const content = data!.messageAdded.content;
          if (content === 'ready') ready++;
          const start = sentAt.get(content);
          if (start === undefined || !measuring) return;
          deliveries.push(performance.now() - start);
          delivered++;
        },
        error: (e) => console.error('subscription failed', e),
        complete: () => {},
      },
    );
  }
  await gql(urls[1]!, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, { i: { chatId: people.chats[1], content: 'ready' } }, writers[1 % writers.length]!.token);
  while (ready < clients.length) await new Promise((r) => setTimeout(r, 10));

  const run = async (seconds: number, record: boolean) => {
    const sends: number[] = [];
    let failed = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      writers.map(async (w, i) => {
        const url = urls[i % urls.length]!;
        const chatId = people.chats[i % CHATS];
        for (let k = 0; performance.now() < end; k++) {
          const content = `${bus}-${writerCount}-${record ? 'm' : 'w'}-${i}-${k}`;
          const start = performance.now();
          if (record) sentAt.set(content, start);
          try {
            await gql(url, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, { i: { chatId, content } }, w.token);
            sends.push(performance.now() - start);
          } catch {
            failed++;
            sentAt.delete(content);
          }
        }
      }),
    );
    return { sends, failed };
  };
  await run(1, false); // warm-up
  const loadBefore = load();
  measuring = true;
  const t0 = performance.now();
  const { sends, failed } = await run(SECONDS, true);
  const elapsed = (performance.now() - t0) / 1000;
  const expected = sends.length * clients.length;
  const deadline = Date.now() + 30_000;
  while (delivered < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const loadAfter = load();
  await Promise.all(clients.map((c) => c.dispose()));
  return {
    bus,
    writers: writerCount,
    sendPerSecond: Math.round(sends.length / elapsed),
    sent: sends.length,
    failed,
    delivered,
    expected,
    deliveryP50Ms: Number(percentile(deliveries, 50).toFixed(1)),
    deliveryP99Ms: Number(percentile(deliveries, 99).toFixed(1)),
    sendP99Ms: Number(percentile(sends, 99).toFixed(1)),
    loadBefore,
    loadAfter,
  };
}

function printRow(r: ScaleOutRow) {
  console.log(
    `scale-out ${r.bus.padEnd(6)} ${String(r.writers).padStart(2)} writers x ${INSTANCES} instances   sendMessage ${String(r.sendPerSecond).padStart(5)}/s (p99 ${r.sendP99Ms} ms)   ` +
      `delivery p50 ${r.deliveryP50Ms} ms p99 ${r.deliveryP99Ms} ms   ${r.delivered}/${r.expected} delivered${r.failed ? `, ${r.failed} failed sends` : ''}   load ${r.loadAfter[0]}`,
  );
}

async function stopServer(server: ServerProcess) {
  const { code } = await server.stop('SIGTERM', 15_000);
  if (code !== 0) console.error(`an instance stopped with ${code}:\n${server.output().slice(-2000)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

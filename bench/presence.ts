/**
 * Presence under a reconnect storm: how many presence frames reach subscribers, and how fast,
 * when every user connects at once, when they all reconnect within the grace period (a rolling
 * deploy: no frames at all), and when they come back after it (a long outage: one frame per user
 * and subscriber each way). Users and contacts are written straight to the database; each
 * subscriber is a contact of every user, the worst case. Runs against an embedded PostgreSQL in
 * a temporary folder, or DATABASE_URL when set.
 *
 * Usage: npm run bench:presence [-- --users 1000 --subscribers 20 --instances 2]
 * PRESENCE_* settings apply as for the server, with the same defaults.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { AccessTokens } from '../src/auth/access-tokens.js';
import { RevokedSessions } from '../src/auth/revoked-sessions.js';
import { loadConfig } from '../src/config.js';
import { connectDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { provisionDatabase } from '../src/db/provision.js';
import { contacts, users } from '../src/db/schema.js';
import { createLogger } from '../src/logger.js';
import { metrics } from '../src/observability/metrics.js';
import { sweepInterval } from '../src/realtime/presence.js';
import { createParleyServer, type ParleyServer } from '../src/server.js';

export interface PresenceBenchOptions {
  users: number;
  subscribers: number;
  instances: number;
}

/** One phase: frames every subscriber received, over how long, at what peak rate. */
export interface PhaseResult {
  name: string;
  frames: number;
  framesPerSubscriber: number;
  /** Presence changes the instances published (each is one user's new state). */
  changes: number;
  seconds: number;
  /** Frames in the busiest second, across all subscribers. */
  peakPerSecond: number;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = (s.address() as net.AddressInfo);
      s.close(() => resolve(port));
    });
  });

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(20);
  }
}

/** A socket that has been acknowledged: the user is connected. */
function connectUser(wsUrl: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    ws.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve(ws);
    });
  });
}

const publishedChanges = async () => (await metrics.eventsPublished.get()).values.find((v) => v.labels.type === 'presence')?.value ?? 0;

export async function runPresenceBench(options: PresenceBenchOptions, env: NodeJS.ProcessEnv = process.env): Promise<PhaseResult[]> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-bench-presence-'));
  await fs.chmod(dataDir, 0o755);
  const jwtSecret = randomBytes(36).toString('base64url');
  const config = loadConfig({
    WS_MAX_SOCKETS_PER_IP: '1000000',
    WS_MAX_SOCKETS: '1000000',
    ...env,
    JWT_SECRET: jwtSecret,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  });
  const database = await provisionDatabase({ databaseUrl: env.DATABASE_URL, dataDir, embeddedPort: await freePort() });
  await runMigrations(database.url);
  const direct = connectDatabase(database.url, { max: 2 });
  const servers: ParleyServer[] = [];
  /** Each user's socket, by the user's place in `people`. */
  const sockets = new Map<number, WebSocket>();
  const clients: Client[] = [];
  try {
    for (let i = 0; i < options.instances; i++) servers.push(await createParleyServer({ config, databaseUrl: database.url, log: createLogger('silent') }));
    const wsUrls = await Promise.all(servers.map(async (s) => `ws://127.0.0.1:${await s.listen(0, '127.0.0.1')}/graphql`));
    const tokens = new AccessTokens(jwtSecret, 3600, new RevokedSessions(3600));
    const tag = randomUUID().slice(0, 8);
    const insertUsers = async (n: number, name: string) =>
      (
        await direct.db
          .insert(users)
          .values(Array.from({ length: n }, (_, i) => ({ firstname: `${name}${i}`, lastname: 'Bench', email: `${name}${i}-${tag}@example.com`, password: 'not-a-login' })))
          .returning({ id: users.id })
      ).map((r) => r.id);
    const people = await insertUsers(options.users, 'present');
    const watchers = await insertUsers(options.subscribers, 'watcher');
    for (const w of watchers) {
      await direct.db.insert(contacts).values(
        people.flatMap((p) => [
          { userId: w, contactId: p, status: 'ACCEPTED' as const, direction: 'OUTGOING' as const },
          { userId: p, contactId: w, status: 'ACCEPTED' as const, direction: 'INCOMING' as const },
        ]),
      );
    }

    // Subscribers, spread over the instances; every frame is stamped on arrival.
    const arrivals: number[] = [];
    const subscribed = servers.reduce((n, s) => n + s.hub.stats.subscriptions, 0);
    for (const [i, w] of watchers.entries()) {
      const token = (await tokens.sign(w, randomUUID())).token;
      const client = createClient({ url: wsUrls[i % wsUrls.length]!, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });
      clients.push(client);
      client.subscribe({ query: 'subscription { presenceChanged { user { id } presence { status } } }' }, { next: () => arrivals.push(performance.now()), error: (e) => console.error(e), complete: () => {} });
    }
    await until(() => servers.reduce((n, s) => n + s.hub.stats.subscriptions, 0) >= subscribed + watchers.length, 60_000, 'the subscriptions');
    const idle = () => servers.every((s) => s.presence.idle);
    const sweepMs = sweepInterval(config.presence);

    const userTokens = await Promise.all(people.map(async (p) => (await tokens.sign(p, randomUUID())).token));
    const close = (ws: WebSocket) => new Promise((resolve) => (ws.once('close', resolve), ws.close()));
    /** User `i` connects to instance `on` (modulo their number). */
    const connect = async (i: number, on = i) => sockets.set(i, await connectUser(wsUrls[on % wsUrls.length]!, userTokens[i]!));
    /** `step` for every user, 200 at a time. */
    const everyUser = async (step: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < people.length; i += 200) await Promise.all(people.slice(i, i + 200).map((_, j) => step(i + j)));
    };
    const closeAll = async () => {
      const all = [...sockets.values()];
      sockets.clear();
      await Promise.all(all.map(close));
    };

    /** Runs `action`, then waits for `expected` frames (or, with 0, for `quietMs` after the instances are idle). */
    const phase = async (name: string, action: () => Promise<void>, expected: number, quietMs = 0): Promise<PhaseResult> => {
      const from = arrivals.length;
      const changesBefore = await publishedChanges();
      const started = performance.now();
      await action();
      if (expected > 0) await until(() => arrivals.length - from >= expected, 300_000, `${name}: ${expected} frames`);
      else {
        await until(idle, 60_000, 'the instances to finish');
        await wait(quietMs);
      }
      const frames = arrivals.slice(from);
      const seconds = ((frames.at(-1) ?? performance.now()) - started) / 1000;
      const perSecond = new Map<number, number>();
      for (const t of frames) {
        const second = Math.floor((t - started) / 1000);
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      }
      return {
        name,
        frames: frames.length,
        framesPerSubscriber: frames.length / watchers.length,
        changes: (await publishedChanges()) - changesBefore,
        seconds,
        peakPerSecond: Math.max(0, ...perSecond.values()),
      };
    };

    const everyone = people.length * watchers.length;
    const results = [await phase('burst: all connect', () => everyUser(connect), everyone)];
    // A deploy: every socket closes and its client reconnects at once, to another instance. Silence
    // is expected: the phase lasts until a grace period and two sweeps after the instances are idle.
    results.push(
      await phase(
        'storm within grace',
        () =>
          everyUser(async (i) => {
            await close(sockets.get(i)!);
            await connect(i, i + 1);
          }),
        0,
        config.presence.graceMs + 2 * sweepMs,
      ),
    );
    results.push(await phase('outage past grace: offline', closeAll, everyone));
    results.push(await phase('outage past grace: online', () => everyUser(connect), everyone));
    return results;
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    for (const ws of sockets.values()) ws.terminate();
    for (const s of servers) await s.close();
    await direct.close();
    await database.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '1000' },
      subscribers: { type: 'string', default: '20' },
      instances: { type: 'string', default: '2' },
    },
  });
  const options = { users: Number(values.users), subscribers: Number(values.subscribers), instances: Number(values.instances) };
  console.log(`Presence benchmark: ${options.users} users, ${options.subscribers} subscribers (contacts of all), ${options.instances} instances`);
  for (const r of await runPresenceBench(options)) {
    console.log(
      `${r.name.padEnd(28)} ${String(r.frames).padStart(7)} frames (${r.framesPerSubscriber.toFixed(0)}/subscriber), ${r.changes} changes published, ` +
        `${r.seconds.toFixed(1)} s, peak ${r.peakPerSecond} frames/s`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

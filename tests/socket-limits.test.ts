import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupChat, send } from './helpers/chat.js';
import { fromAddress, registerUser, uniqueAddress } from './helpers/graphql.js';
import { startServer, type TestServer } from './helpers/server.js';
import { rawSocket, subscribeReady, until, wsClient } from './helpers/ws.js';
import { metrics } from '../src/observability/metrics.js';

const TOO_MANY = 4429;
const TRY_AGAIN_LATER = 1013;

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer({ ws: { maxSocketsPerUser: 2, maxSocketsPerIp: 3 }, trustProxy: true });
});
afterAll(() => srv?.stop());

/** A socket from `address` that sent `connection_init`: acknowledged, or closed with a code. */
async function connect(server: TestServer, token: string, address = uniqueAddress()) {
  const raw = rawSocket(server.wsUrl, fromAddress(address));
  const outcome = await Promise.race([
    raw.closed,
    raw.opened.then(async () => {
      raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
      await until(() => raw.messages.some((m) => m.type === 'connection_ack'), 5000, 'connection_ack');
      return 'ack' as const;
    }),
  ]);
  return { raw, outcome };
}

async function refusals(reason: string): Promise<number> {
  return (await metrics.socketsRefused.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

async function closeAll(sockets: { raw: ReturnType<typeof rawSocket> }[]) {
  for (const { raw } of sockets) raw.socket.close();
  await Promise.all(sockets.map(({ raw }) => raw.closed));
}

describe('socket caps', () => {
  it('caps the sockets of one user (4429), leaving other users alone', async () => {
    const [u, v] = await Promise.all([registerUser(srv.url), registerUser(srv.url)]);
    const open = [await connect(srv, u.token), await connect(srv, u.token)];
    expect(open.map((s) => s.outcome)).toEqual(['ack', 'ack']);
    const refused = await refusals('user_cap');
    const third = await connect(srv, u.token);
    expect(third.outcome).toEqual({ code: TOO_MANY, reason: 'Too many connections for this user' });
    expect(await refusals('user_cap')).toBe(refused + 1);
    const other = await connect(srv, v.token);
    expect(other.outcome).toBe('ack');
    // Once one closes, the user may connect again.
    await closeAll(open.slice(0, 1));
    let again: Awaited<ReturnType<typeof connect>> | undefined;
    await until(async () => (again = await connect(srv, u.token)).outcome === 'ack', 5000, 'a free slot');
    await closeAll([open[1]!, other, again!]);
  });

  it('caps the sockets from one address (4429), leaving other addresses alone', async () => {
    const people = await Promise.all(Array.from({ length: 4 }, () => registerUser(srv.url)));
    const office = uniqueAddress();
    const open = [];
    for (const p of people.slice(0, 3)) open.push(await connect(srv, p.token, office));
    expect(open.map((s) => s.outcome)).toEqual(['ack', 'ack', 'ack']);
    const fourth = await connect(srv, people[3]!.token, office);
    expect(fourth.outcome).toEqual({ code: TOO_MANY, reason: 'Too many connections from this address' });
    const elsewhere = await connect(srv, people[3]!.token);
    expect(elsewhere.outcome).toBe('ack');
    await closeAll([...open, elsewhere]);
  });

  it('caps the sockets of an instance (1013, which clients retry)', async () => {
    const small = await startServer({ ws: { maxSockets: 2 } });
    try {
      const people = await Promise.all(Array.from({ length: 3 }, () => registerUser(small.url)));
      const open = [await connect(small, people[0]!.token), await connect(small, people[1]!.token)];
      expect(open.map((s) => s.outcome)).toEqual(['ack', 'ack']);
      expect((await connect(small, people[2]!.token)).outcome).toEqual({ code: TRY_AGAIN_LATER, reason: 'Server full, try again later' });
      await closeAll(open);
    } finally {
      await small.stop();
    }
  });
});

describe('a reader that falls behind', () => {
  it('is closed (1013) once its send buffer passes the bound, while the others keep receiving', { timeout: 60_000 }, async () => {
    const bounded = await startServer({ ws: { maxBufferedBytes: 256 * 1024 }, rateLimits: { message: [{ points: 10_000, seconds: 60 }] } });
    try {
      const [sender, slow, fast] = await Promise.all([registerUser(bounded.url), registerUser(bounded.url), registerUser(bounded.url)]);
      const chatId = await groupChat(bounded.url, sender, [slow, fast]);
      const hub = bounded.server.hub;
      const fastClient = wsClient(bounded.wsUrl, fast.token);
      const live = await subscribeReady(hub, fastClient, `subscription($c: ID) { messageAdded(chatId: $c) { id } }`, { c: chatId });

      // The slow client subscribes many times over, so that every message costs it many frames.
      const { raw } = await connect(bounded, slow.token);
      const before = hub.stats.subscriptions;
      const copies = 20;
      for (let i = 0; i < copies; i++) {
        raw.send({ id: `s${i}`, type: 'subscribe', payload: { query: `subscription { messageAdded(chatId: "${chatId}") { id content } }` } });
      }
      await until(() => hub.stats.subscriptions === before + copies, 5000, 'the slow subscriptions');
      // Stops reading: what the server sends piles up in the kernel, then in its send buffer.
      const tcp = (raw.socket as unknown as { _socket: Socket })._socket;
      tcp.pause();

      const sent: string[] = [];
      const big = 'x'.repeat(9000);
      while (hub.stats.subscriptions > before) {
        if (sent.length >= 500) throw new Error('the slow socket was never closed');
        sent.push((await send(bounded.url, sender, chatId, big)).id);
      }
      await send(bounded.url, sender, chatId, 'after').then((m) => sent.push(m.id));
      const events = await live.waitFor(sent.length, 20_000);
      expect(events.map((e: any) => e.messageAdded.id)).toEqual(sent);

      // Reading again, the slow client finds what was queued, then the close.
      tcp.resume();
      expect(await raw.closed).toEqual({ code: TRY_AGAIN_LATER, reason: 'Client too slow: reconnect' });
      await fastClient.dispose();
    } finally {
      await bounded.stop();
    }
  });
});

import { randomUUID } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { directChat } from './helpers/chat.js';
import { gql, registerUser } from './helpers/graphql.js';
import { startServerProcess, wsUrlOf, type ServerProcess } from './helpers/process.js';
import { productionProcessEnv, testDatabase } from './helpers/server.js';
import { until } from './helpers/ws.js';

/**
 * `npm start` as a supervisor runs it: a signal to the npm process reaches the server, which
 * drains (sockets closed, requests in flight answered) and exits 0 within SHUTDOWN_TIMEOUT_MS;
 * a drain that cannot finish is cut at that bound.
 */
const SHUTDOWN_TIMEOUT_MS = 5000;
const processes: ServerProcess[] = [];

function start(env: Record<string, string> = {}, launcher: 'node' | 'npm' = 'npm') {
  const server = startServerProcess(productionProcessEnv({ SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), ...env }), launcher);
  processes.push(server);
  return server;
}

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
});

describe('shutdown', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`npm start drains on ${signal} under load and exits 0 in time, keeping every acknowledged message`, { timeout: 60_000 }, async () => {
      const server = start();
      const url = (await server.listening).replace('localhost', '127.0.0.1');
      const [a, b] = await Promise.all([registerUser(url), registerUser(url)]);
      const chatId = await directChat(url, a, b);

      // Subscribers, and senders that keep a message in flight until the server is gone.
      const closes: number[] = [];
      const clients = [a, b].map((u) =>
        createClient({ url: wsUrlOf(url), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${u.token}` }, retryAttempts: 0, on: { closed: (e) => void closes.push((e as { code: number }).code) } }),
      );
      let delivered = 0;
      for (const client of clients) client.subscribe({ query: 'subscription { messageAdded { id } }' }, { next: () => void delivered++, error: () => {}, complete: () => {} });
      const acked = new Map<string, string>();
      let refused = 0;
      const senders = [a, b, a, b].map(async (user) => {
        for (;;) {
          const clientMessageId = randomUUID();
          try {
            const res = await gql(url, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, { i: { chatId, content: 'in flight', clientMessageId } }, user.token);
            if (res.data?.sendMessage) acked.set(clientMessageId, res.data.sendMessage.id);
          } catch {
            refused++; // the server stopped listening
            return;
          }
        }
      });
      await until(() => acked.size >= 20 && delivered > 0, 15_000, 'traffic');

      const { code, ms } = await server.stop(signal);
      await Promise.all(senders);
      expect(code, server.output()).toBe(0);
      expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      expect(server.output()).toContain(`${signal} received`);
      expect(server.output()).toContain('Stopped cleanly');
      expect(refused).toBe(4);
      await until(() => closes.length === 2, 5000, 'sockets to close');
      expect(closes).toEqual([1001, 1001]);
      await Promise.all(clients.map((c) => c.dispose()));

      const db = testDatabase();
      try {
        const rows = await db.sql<{ clientMessageId: string; id: string }[]>`
          select client_message_id as "clientMessageId", id::text from messages where chat_id = ${Number(chatId)} and message_type = 'TEXT'`;
        expect(new Map(rows.map((r) => [r.clientMessageId, r.id]))).toEqual(acked);
      } finally {
        await db.close();
      }
    });
  }

  it('exits non-zero at SHUTDOWN_TIMEOUT_MS when a request never completes', { timeout: 60_000 }, async () => {
    const server = start({ SHUTDOWN_TIMEOUT_MS: '1500' });
    const url = new URL((await server.listening).replace('localhost', '127.0.0.1'));
    // A request whose body never arrives keeps its connection busy for as long as it lasts.
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /graphql HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":`);
    socket.on('error', () => {});
    const { code, ms } = await server.stop('SIGTERM');
    socket.destroy();
    expect(code).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(ms).toBeLessThan(5000);
    expect(server.output()).toContain('Shutdown did not finish within 1500 ms');
  });

  for (const kind of ['exception', 'rejection'] as const) {
    it(`logs one line and exits 1 at once on an unhandled ${kind}`, { timeout: 60_000 }, async () => {
      const fixture = pathToFileURL(path.join(import.meta.dirname, 'fixtures/fail-on-signal.mjs')).href;
      const server = start({ NODE_OPTIONS: `--import=${fixture}`, FAIL_WITH: kind }, 'node');
      const url = (await server.listening).replace('localhost', '127.0.0.1');
      // Open sockets and pooled connections must not keep it alive.
      const u = await registerUser(url);
      const client = createClient({ url: wsUrlOf(url), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${u.token}` }, retryAttempts: 0 });
      // Connected before the crash: a client still connecting would reject its dispose with the close.
      const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
      client.subscribe({ query: 'subscription { messageAdded { id } }' }, { next: () => {}, error: () => {}, complete: () => {} });
      await until(() => server.output().includes('"status":200'), 10_000, 'traffic');
      await connected;
      const { code, ms } = await server.stop('SIGUSR2');
      await client.dispose();
      expect(code).toBe(1);
      expect(ms).toBeLessThan(3000);
      const fatal = server.output().split('\n').filter((l) => l.includes('"level":60'));
      expect(fatal).toHaveLength(1);
      expect(JSON.parse(fatal[0]!)).toMatchObject({ msg: `${kind === 'exception' ? 'uncaught exception' : 'unhandled rejection'}; exiting`, err: { message: `deliberate ${kind}` } });
    });
  }
});

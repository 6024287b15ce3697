import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { directChat } from './helpers/chat.js';
import { registerUser, type TestUser } from './helpers/graphql.js';
import { startServer, testDatabase, type TestServer } from './helpers/server.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';
import { subscribe, until, wsClient } from './helpers/ws.js';

/**
 * While the database cannot be reached, a request that needs it fails at once with
 * INTERNAL_SERVER_ERROR and `retryable: true` (HTTP 503 with Retry-After), and sending the same
 * request again once the database is back stores it exactly once.
 */
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let srv: TestServer;
let a: TestUser;
let chatId: string;
const db = testDatabase();

beforeAll(async () => {
  const url = new URL(inject('databaseUrl'));
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  srv = await startServer({ isProduction: true, env: 'production' }, url.toString());
  let b: TestUser;
  [a, b] = await Promise.all([registerUser(srv.url), registerUser(srv.url)]);
  chatId = await directChat(srv.url, a, b);
});

afterAll(async () => {
  await srv?.stop();
  await proxy?.down().catch(() => {});
  await db.close();
});

const SEND = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`;

async function send(clientMessageId: string) {
  const res = await fetch(srv.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
    body: JSON.stringify({ query: SEND, variables: { i: { chatId, content: 'retry me', clientMessageId } } }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

describe('a database that cannot be reached', () => {
  it('fails requests fast with a retryable error on both transports, and a retry stores once', async () => {
    const clientMessageId = randomUUID();
    await proxy.down();
    try {
      const started = Date.now();
      const failed = await send(clientMessageId);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(failed.status).toBe(503);
      expect(failed.retryAfter).toBe('1');
      expect(failed.body.data).toBeNull();
      expect(failed.body.errors[0]).toMatchObject({
        message: 'The database is unavailable; try again',
        path: ['sendMessage'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: true },
      });

      const client = wsClient(srv.wsUrl, a.token);
      const overSocket = subscribe(client, SEND, { i: { chatId, content: 'retry me', clientMessageId } });
      await until(() => overSocket.errors.length > 0, 5000, 'the socket to answer');
      expect(overSocket.errors[0]).toMatchObject({ extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: true } });
      await client.dispose();
    } finally {
      await proxy.up();
    }
    // The pool reconnects on demand; the first attempts may still meet the outage's last moments.
    let retried: Awaited<ReturnType<typeof send>> | undefined;
    await until(async () => (retried = await send(clientMessageId)).status === 200, 10_000, 'the database to answer again');
    const again = await send(clientMessageId);
    expect(again.body.data.sendMessage.id).toBe(retried!.body.data.sendMessage.id);
    expect(await db.sql`select 1 from messages where client_message_id = ${clientMessageId}`).toHaveLength(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { directChat, send } from './helpers/chat.js';
import { registerUser } from './helpers/graphql.js';
import { startServer, type TestServer } from './helpers/server.js';
import { proxyDatabase } from './helpers/tcp-proxy.js';
import { subscribeReady, until, wsClient } from './helpers/ws.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(() => srv?.stop());

const get = (path: string, server = srv) => fetch(new URL(path, server.url));

/** The value of one sample in Prometheus text format (0 when absent). */
async function sample(name: string, labels = ''): Promise<number> {
  const text = await (await get('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}}` : `${name} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('health', () => {
  it('/healthz answers while the process is up', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz fails while the database is down and recovers with it', { timeout: 30_000 }, async () => {
    const { proxy, url } = await proxyDatabase(inject('databaseUrl'));
    const proxied = await startServer({}, url);
    try {
      expect((await get('/readyz', proxied)).status).toBe(200);
      await proxy.down();
      await until(async () => (await get('/readyz', proxied)).status === 503, 10_000, 'readyz to fail');
      expect(await (await get('/readyz', proxied)).json()).toMatchObject({ ready: false, database: 'down', listen: 'down' });
      expect((await get('/healthz', proxied)).status).toBe(200);
      await proxy.up();
      await until(async () => (await get('/readyz', proxied)).status === 200, 15_000, 'readyz to recover');
    } finally {
      await proxied.stop();
      await proxy.down().catch(() => {});
    }
  });
});

describe('/metrics', () => {
  it('counts operations, a published and a delivered message, sockets and subscriptions', async () => {
    const [a, b] = await Promise.all([registerUser(srv.url), registerUser(srv.url)]);
    const chatId = await directChat(srv.url, a, b);
    const published = await sample('parley_events_published_total', 'type="MESSAGE_ADDED"');
    const delivered = await sample('parley_events_delivered_total', 'type="MESSAGE_ADDED"');
    const client = wsClient(srv.wsUrl, b.token);
    const sub = await subscribeReady(srv.server.hub, client, `subscription($c: ID) { messageAdded(chatId: $c) { id } }`, { c: chatId });
    expect(await sample('parley_subscriptions_active')).toBeGreaterThanOrEqual(1);
    expect(await sample('parley_websocket_connections')).toBeGreaterThanOrEqual(1);

    await send(srv.url, a, chatId, 'counted');
    await sub.waitFor(1);
    expect(await sample('parley_events_published_total', 'type="MESSAGE_ADDED"')).toBeGreaterThanOrEqual(published + 1);
    expect(await sample('parley_events_delivered_total', 'type="MESSAGE_ADDED"')).toBeGreaterThanOrEqual(delivered + 1);
    expect(await sample('parley_graphql_operations_total', 'operation="anonymous",type="mutation",outcome="success"')).toBeGreaterThan(0);
    expect(await sample('parley_event_delivery_lag_seconds_count')).toBeGreaterThan(0);
    await client.dispose();
  });
});

describe('process metrics', () => {
  it('use the standard names dashboards expect, without the parley_ prefix', async () => {
    const text = await (await get('/metrics')).text();
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(await sample('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).not.toMatch(/^parley_(process|nodejs)_/m);
  });
});

describe('/ and /favicon.ico', () => {
  it('points a browser to the explorer and serves an icon', async () => {
    const home = await get('/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toContain('text/html');
    const page = await home.text();
    expect(page).toContain('href="/graphiql"');
    expect(page).toContain('href="/app/"');
    const icon = await get('/favicon.ico');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/x-icon');
    // An ICO file: reserved 0, type 1 (icon), then the number of images.
    const bytes = Buffer.from(await icon.arrayBuffer());
    expect([bytes.readUInt16LE(0), bytes.readUInt16LE(2)]).toEqual([0, 1]);
    expect(bytes.readUInt16LE(4)).toBeGreaterThan(0);
  });
});

describe('/graphiql', () => {
  it('serves the explorer and its assets from local files', async () => {
    const page = await get('/graphiql');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/graphiql/assets/graphiql.min.js');
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['graphiql.min.js', 'graphiql.min.css', 'react.production.min.js', 'react-dom.production.min.js', 'graphql-ws.min.js', 'init.js']) {
      const res = await get(`/graphiql/assets/${asset}`);
      expect(res.status, asset).toBe(200);
    }
    expect((await get('/graphiql/assets/../../package.json')).status).toBe(404);
  });
});

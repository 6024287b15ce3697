import { createHash, randomBytes } from 'node:crypto';
import { ApolloClient, gql as apolloGql, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { errorOf, gql, registerUser } from './helpers/graphql.js';
import { startServer, TEST_JWT_SECRET, type TestServer } from './helpers/server.js';
import { subscribe, wsClient, type Subscription } from './helpers/ws.js';

/**
 * What a production instance shows the world: no introspection and no schema hints on either
 * transport, metrics only to whoever may read them, bounded metric labels, and client mistakes
 * answered as such (BAD_USER_INPUT, HTTP 400), never as internal errors.
 */
const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const production = (env: Record<string, string> = {}) =>
  loadConfig({ NODE_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET, DATABASE_URL: 'postgres://unused@localhost/none', LOG_LEVEL: 'silent', ...env });

let prod: TestServer;
let withToken: TestServer;
let withPort: TestServer;
let dev: TestServer;
beforeAll(async () => {
  [prod, withToken, withPort, dev] = await Promise.all([
    startServer(production()),
    startServer(production({ METRICS_TOKEN, GRAPHQL_INTROSPECTION: 'true' })),
    startServer(production({ METRICS_PORT: '0' })),
    startServer({ limits: { depth: 10, cost: 50, aliases: 3 } }),
  ]);
});
afterAll(async () => {
  await Promise.all([prod, withToken, withPort, dev].map((s) => s?.stop()));
});

/** A raw POST, for status codes and bodies a client library would hide. */
async function post(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

/** Runs one operation over the WebSocket and returns its first error (or its data). */
async function overSocket(srv: TestServer, token: string, query: string, variables: Record<string, unknown> = {}) {
  const client = wsClient(srv.wsUrl, token);
  try {
    const s: Subscription<any> = subscribe(client, query, variables);
    await expect.poll(() => s.errors.length + s.events.length).toBeGreaterThan(0);
    return { error: s.errors[0] as { message: string; extensions: Record<string, unknown> } | undefined, data: s.events[0] };
  } finally {
    await client.dispose();
  }
}

describe('configuration', () => {
  it('turns introspection off in production unless GRAPHQL_INTROSPECTION (or INTROSPECTION) says otherwise', () => {
    expect(production().introspection).toBe(false);
    expect(production({ GRAPHQL_INTROSPECTION: 'true' }).introspection).toBe(true);
    expect(production({ INTROSPECTION: 'true' }).introspection).toBe(true);
    expect(production({ INTROSPECTION: 'true', GRAPHQL_INTROSPECTION: 'false' }).introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).introspection).toBe(true);
  });
});

describe('introspection', () => {
  const INTROSPECT = '{ __schema { queryType { name } } }';

  it('is refused in production over HTTP and WebSocket, and __typename still works', async () => {
    const u = await registerUser(prod.url);
    const http = await post(prod.url, { query: INTROSPECT });
    expect(http.status).toBe(400);
    expect(http.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await post(prod.url, { query: '{ __type(name: "User") { name } }' })).status).toBe(400);
    expect((await overSocket(prod, u.token, INTROSPECT)).error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await post(prod.url, { query: '{ __typename }' })).body.data).toEqual({ __typename: 'Query' });
  });

  it('is served when enabled', async () => {
    const u = await registerUser(withToken.url);
    expect((await post(withToken.url, { query: INTROSPECT })).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await overSocket(withToken, u.token, INTROSPECT)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});

describe('suggestions', () => {
  it('are cut in production on both transports, and kept in development', async () => {
    const [p, d] = await Promise.all([registerUser(prod.url), registerUser(dev.url)]);
    const typo = '{ me { firstnam } }';
    expect((await overSocket(dev, d.token, typo)).error?.message).toMatch(/Did you mean "firstname"/);
    const socket = (await overSocket(prod, p.token, typo)).error!;
    expect(socket.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'firstnam' });
    expect(socket.message).not.toMatch(/Did you mean|firstname/);
    // An enum value in variables: the hint GraphQL writes while coercing them.
    const enumTypo = await gql(prod.url, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, { i: { chatId: '1', content: 'x', messageType: 'TXT' } }, p.token);
    expect(errorOf(enumTypo).code).toBe('BAD_USER_INPUT');
    expect(enumTypo.errors![0]!.message).not.toMatch(/Did you mean|TEXT/);
  });
});

describe('/metrics', () => {
  const metrics = (base: string, token?: string) => fetch(new URL('/metrics', base), { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('is not served in production by default', async () => {
    expect((await metrics(prod.url)).status).toBe(404);
  });

  it('asks for METRICS_TOKEN when one is set', async () => {
    expect((await metrics(withToken.url)).status).toBe(401);
    expect((await metrics(withToken.url, 'wrong-token-of-some-length')).status).toBe(401);
    const ok = await metrics(withToken.url, METRICS_TOKEN);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('parley_graphql_operations_total');
  });

  it('is served on METRICS_PORT only when that is set', async () => {
    expect((await metrics(withPort.url)).status).toBe(404);
    const port = withPort.server.metricsPort!;
    expect(port).toBeGreaterThan(0);
    const ok = await metrics(`http://127.0.0.1:${port}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('process_cpu_seconds_total');
    expect((await fetch(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
  });

  it('keeps operation names bounded, whatever names clients send', async () => {
    const tag = randomBytes(3).toString('hex');
    for (let i = 0; i < 120; i++) await post(dev.url, { query: `query Op_${tag}_${i} { __typename }` });
    await post(dev.url, { query: `query Invalid_${tag} { nope }` });
    const text = await (await metrics(dev.url)).text();
    const names = new Set([...text.matchAll(/parley_graphql_operations_total\{operation="([^"]*)"/g)].map((m) => m[1]));
    expect(names.has('other')).toBe(true);
    expect(names.has('invalid')).toBe(true);
    expect(names.has(`Invalid_${tag}`)).toBe(false);
    expect(names.size).toBeLessThanOrEqual(100 + 3);
  });
});

describe('client mistakes', () => {
  it('answers an unknown persisted query as the client input it is, and Apollo Client recovers from it', async () => {
    const res = await post(prod.url, { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } });
    expect(res.status).toBeLessThan(500);
    expect(res.body.errors![0]).toMatchObject({ message: 'PersistedQueryNotFound', extensions: { code: 'BAD_USER_INPUT', field: 'persistedQuery' } });
    // Apollo Client's persisted-query link sends the hash, hears "not found", resends the query.
    const link = new PersistedQueryLink({ sha256: (q: string) => createHash('sha256').update(q).digest('hex') }).concat(new HttpLink({ uri: prod.url, fetch }));
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    const { data } = await client.query({ query: apolloGql`query Apq { __typename }` });
    expect(data).toEqual({ __typename: 'Query' });
  });

  it('refuses a subscription sent over HTTP with 400', async () => {
    const u = await registerUser(prod.url);
    const res = await post(prod.url, { query: 'subscription { typing { isTyping } }' }, u.token);
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'query' });
    expect(res.body.errors![0]!.message).toMatch(/WebSocket/);
  });

  it('refuses too many aliases, fields or tokens with 400 over HTTP, and the same over the WebSocket', async () => {
    const u = await registerUser(dev.url);
    const aliases = '{ a: me { id } b: me { id } c: me { id } d: me { id } }';
    const fields = '{ chats { edges { node { id name participants { role user { id firstname lastname email } } lastMessage { id content } } } } }';
    const tokens = `{ ${'__typename '.repeat(2500)}}`;
    for (const [query, limit] of [
      [aliases, /Aliases limit of 3/],
      [fields, /Cost limit of 50/],
      [tokens, /more that 2000 tokens/],
    ] as const) {
      const res = await post(dev.url, { query }, u.token);
      expect(res.status, query.slice(0, 40)).toBe(400);
      expect(res.body.errors![0]).toMatchObject({ message: expect.stringMatching(limit), extensions: { code: 'BAD_USER_INPUT' } });
      expect((await overSocket(dev, u.token, query)).error).toMatchObject({ message: expect.stringMatching(limit), extensions: { code: 'BAD_USER_INPUT' } });
    }
  });
});

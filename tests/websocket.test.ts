import { createClient } from 'graphql-ws';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { directChat, send } from './helpers/chat.js';
import { gql, registerUser, uniqueEmail } from './helpers/graphql.js';
import { startServer, TEST_JWT_SECRET, type TestServer } from './helpers/server.js';
import { rawSocket, subscribe, subscribeReady, until, wsClient } from './helpers/ws.js';

const FORBIDDEN = 4403;
let srv: TestServer;
beforeAll(async () => {
  srv = await startServer({
    ws: { maxPayloadBytes: 4096, initTimeoutMs: 500, maxSubscriptions: 3 },
    limits: { depth: 4, cost: 25, aliases: 3 },
    loginLimits: { perEmailIp: 2, windowSeconds: 60 },
  });
});
afterAll(() => srv?.stop());

/** Opens a raw socket, sends `connection_init` with `payload`, and reports how it ended. */
async function initWith(payload: unknown) {
  const raw = rawSocket(srv.wsUrl);
  await raw.opened;
  raw.send({ type: 'connection_init', payload });
  const outcome = await Promise.race([
    raw.closed,
    until(() => raw.messages.some((m) => m.type === 'connection_ack'), 3000).then(() => 'ack' as const),
  ]);
  raw.socket.close();
  return outcome;
}

/** A token of `user`'s session with the given expiry (and algorithm). */
const sign = (user: { id: string; token: string }, exp: number | string, alg = 'HS256', secret = TEST_JWT_SECRET) =>
  new SignJWT({ sid: decodeJwt(user.token).sid }).setProtectedHeader({ alg }).setSubject(user.id).setIssuer('parley').setAudience('parley').setExpirationTime(exp).sign(new TextEncoder().encode(secret));

describe('connection_init', () => {
  it('accepts a valid token as a bearer header or a bare accessToken', async () => {
    const u = await registerUser(srv.url);
    expect(await initWith({ authorization: `Bearer ${u.token}` })).toBe('ack');
    expect(await initWith({ accessToken: u.token })).toBe('ack');
  });

  it('refuses a missing, bad, expired or tampered token with 4403, and keeps serving others', async () => {
    const u = await registerUser(srv.url);
    const [h, , s] = u.token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: '1', iss: 'parley', aud: 'parley', exp: 9999999999 })).toString('base64url')}.${s}`;
    const cases = {
      missing: {},
      garbage: { authorization: 'Bearer nonsense' },
      expired: { authorization: `Bearer ${await sign(u, Math.floor(Date.now() / 1000) - 5)}` },
      tampered: { authorization: `Bearer ${tampered}` },
      otherAlgorithm: { authorization: `Bearer ${await sign(u, '5m', 'HS512')}` },
    };
    for (const [name, payload] of Object.entries(cases)) {
      const outcome = await initWith(payload);
      expect(outcome, name).toMatchObject({ code: FORBIDDEN });
    }
    expect(await initWith({ authorization: `Bearer ${u.token}` })).toBe('ack');
  });

  it('closes a socket that never sends connection_init (4408)', async () => {
    const raw = rawSocket(srv.wsUrl);
    await raw.opened;
    expect((await raw.closed).code).toBe(4408);
  });

  it('closes the socket with 4403 when its token expires', async () => {
    const u = await registerUser(srv.url);
    const shortLived = await sign(u, Math.floor(Date.now() / 1000) + 2);
    const raw = rawSocket(srv.wsUrl);
    await raw.opened;
    raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${shortLived}` } });
    const started = Date.now();
    expect((await raw.closed).code).toBe(FORBIDDEN);
    expect(Date.now() - started).toBeGreaterThan(500);
  });
});

describe('limits on the socket', () => {
  it('closes a socket that sends an oversized frame, and keeps serving others', async () => {
    const u = await registerUser(srv.url);
    const raw = rawSocket(srv.wsUrl);
    await raw.opened;
    raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${u.token}` } });
    await until(() => raw.messages.some((m) => m.type === 'connection_ack'));
    raw.send({ id: '1', type: 'subscribe', payload: { query: `{ me { id } }`, variables: { pad: 'x'.repeat(10_000) } } });
    expect((await raw.closed).code).toBe(1009);
    const other = wsClient(srv.wsUrl, u.token);
    const result = await new Promise<any>((resolve, reject) => other.subscribe({ query: '{ me { id } }' }, { next: resolve, error: reject, complete: () => {} }));
    expect(result.data.me.id).toBe(u.id);
    await other.dispose();
  });

  it('applies the depth limit over the socket too, with the same error code', async () => {
    const u = await registerUser(srv.url);
    const c = wsClient(srv.wsUrl, u.token);
    const sub = subscribe(c, `subscription { messageAdded { chat { participants { user { id } } } } }`);
    await until(() => sub.errors.length > 0, 5000, 'a refusal');
    expect(sub.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(String((sub.errors[0] as any).message)).toMatch(/depth/i);
    await c.dispose();
  });

  it('applies the alias and cost limits over the socket too', async () => {
    const u = await registerUser(srv.url);
    const c = wsClient(srv.wsUrl, u.token);
    const fields = 'id firstname lastname email phone country profilePicture createdAt';
    for (const [query, pattern] of [
      ['{ a: me { id } b: me { id } c: me { id } d: me { id } }', /alias/i],
      [`{ a: me { ${fields} } b: me { ${fields} } c: me { ${fields} } }`, /cost/i],
    ] as const) {
      const sub = subscribe(c, query);
      await until(() => sub.errors.length > 0, 5000, 'a refusal');
      expect(sub.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      expect(String((sub.errors[0] as any).message)).toMatch(pattern);
    }
    await c.dispose();
  });

  it('refuses WebSocket upgrades from origins outside the allow-list', async () => {
    const guarded = await startServer({ corsOrigins: ['http://app.example'] });
    try {
      const u = await registerUser(guarded.url);
      const attempt = (origin: string) =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(guarded.wsUrl, 'graphql-transport-ws', { headers: { origin } });
          socket.on('open', () => {
            socket.close();
            resolve('open');
          });
          socket.on('error', (err) => resolve(err.message));
        });
      expect(await attempt('http://evil.example')).toMatch(/401/);
      expect(await attempt('http://app.example')).toBe('open');
      expect((await gql(guarded.url, '{ me { id } }', {}, u.token)).data!.me.id).toBe(u.id);
    } finally {
      await guarded.stop();
    }
  });

  it('counts logins over the socket in the same rate limit', async () => {
    const u = await registerUser(srv.url);
    const c = wsClient(srv.wsUrl, u.token);
    const login = (password: string) =>
      new Promise<any>((resolve) => {
        const out: any = {};
        c.subscribe({ query: `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`, variables: { e: u.email, p: password } }, {
          next: (r) => Object.assign(out, r),
          error: (e) => resolve({ errors: [e] }),
          complete: () => resolve(out),
        });
      });
    expect((await login('wrong-1')).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await login('wrong-2')).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await login(u.password)).errors[0].extensions.code).toBe('RATE_LIMITED');
    // HTTP sees the same budget.
    const http = await gql(srv.url, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`, { e: u.email, p: u.password });
    expect(http.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    await c.dispose();
  });

  it('caps the operations per socket', async () => {
    const u = await registerUser(srv.url);
    const c = wsClient(srv.wsUrl, u.token);
    const subs = [];
    for (let i = 0; i < 3; i++) subs.push(await subscribeReady(srv.server.hub, c, `subscription { chatUpdated { kind } }`));
    const fourth = subscribe(c, `subscription { chatUpdated { kind } }`);
    await until(() => fourth.errors.length > 0, 5000, 'a refusal');
    expect(fourth.errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    await c.dispose();
  });

  it('masks unexpected errors and gives input errors their code and field over the socket', async () => {
    const u = await registerUser(srv.url);
    const other = await registerUser(srv.url, { email: uniqueEmail() });
    const chatId = await directChat(srv.url, u, other);
    await send(srv.url, u, chatId, 'x');
    const c = wsClient(srv.wsUrl, u.token);
    const sub = subscribe(c, `mutation { sendMessage(input: { chatId: "${chatId}", content: "   " }) { id } }`);
    await until(() => sub.errors.length > 0, 5000, 'an error');
    expect(sub.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'content' } });
    const unknown = subscribe(c, `{ mee { id } }`);
    await until(() => unknown.errors.length > 0, 5000, 'an error');
    expect(unknown.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'mee' } });
    await c.dispose();
  });
});

describe('token refresh on a live socket', () => {
  it('closes at expiry with 4403; the client reconnects with a fresh token and its subscription resumes', { timeout: 30_000 }, async () => {
    const shortLived = await startServer({ accessTokenTtl: 2 });
    try {
      // Accounts come from the ordinary instance (15-minute tokens); Ben's refreshed ones are short.
      const ana = await registerUser(srv.url);
      const ben = await registerUser(srv.url);
      const chatId = await directChat(shortLived.url, ana, ben);
      let refreshToken = ben.refreshToken;
      let connects = 0;
      const closes: number[] = [];
      const client = createClient({
        url: shortLived.wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 5,
        retryWait: () => new Promise((r) => setTimeout(r, 100)),
        // Lazy parameters: every (re)connection refreshes the session first, as an app would.
        connectionParams: async () => {
          connects++;
          const res = await gql(shortLived.url, `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }`, { t: refreshToken });
          refreshToken = res.data!.refreshToken.refreshToken;
          return { authorization: `Bearer ${res.data!.refreshToken.accessToken}` };
        },
        on: { closed: (event) => closes.push((event as { code: number }).code) },
      });
      const sub = subscribe(client, `subscription($c: ID) { messageAdded(chatId: $c) { content } }`, { c: chatId });
      await until(() => connects === 1 && shortLived.server.hub.stats.subscriptions === 1, 5000, 'the first connection');
      await until(() => closes.includes(FORBIDDEN) && connects >= 2 && shortLived.server.hub.stats.subscriptions === 1, 10_000, 'expiry and reconnection');
      await send(shortLived.url, ana, chatId, 'after the refresh');
      expect((await sub.waitFor(1))[0]).toEqual({ messageAdded: { content: 'after the refresh' } });
      await client.dispose();
    } finally {
      await shortLived.stop();
    }
  });
});

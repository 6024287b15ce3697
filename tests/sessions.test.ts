import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverWithCuttableBus } from './helpers/bus.js';
import { errorOf, gql, registerUser, type TestUser } from './helpers/graphql.js';
import { startServer, type TestServer } from './helpers/server.js';
import { execute, rawSocket, until, wsClient } from './helpers/ws.js';

const ME = `{ me { id } }`;
const SESSIONS = `{ sessions { id current createdAt lastUsedAt expiresAt userAgent ip } }`;
const LOGIN = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken } }`;
const REFRESH = `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }`;
const LOGOUT = `mutation($t: String) { logout(refreshToken: $t) }`;
const REVOKE = `mutation($id: ID!) { revokeSession(id: $id) }`;
const CHANGE = `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`;
const FORBIDDEN = 4403;

// Two instances on one database: what one revokes, the other refuses.
let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  [a, b] = await Promise.all([startServer(), startServer()]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

interface Pair {
  accessToken: string;
  refreshToken: string;
}

/** Another session of `u`, signed in through `server`. */
async function signIn(server: TestServer, u: TestUser, userAgent = 'Parley-Test/1.0'): Promise<Pair> {
  const res = await gql(server.url, LOGIN, { e: u.email, p: u.password }, undefined, { 'user-agent': userAgent });
  expect(res.errors).toBeUndefined();
  return res.data!.login;
}

/** A socket on `server` whose `connection_init` was acknowledged. */
async function openSocket(server: TestServer, token: string) {
  const raw = rawSocket(server.wsUrl);
  await raw.opened;
  raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  await Promise.race([
    until(() => raw.messages.some((m) => m.type === 'connection_ack'), 5000, 'connection_ack'),
    raw.closed.then((c) => Promise.reject(new Error(`closed ${c.code} ${c.reason}`))),
  ]);
  return raw;
}

/** How a fresh socket with `token` ends up: acknowledged, or closed with a code. */
async function connectOutcome(server: TestServer, token: string) {
  return openSocket(server, token).then(
    (raw) => {
      raw.socket.close();
      return 'ack';
    },
    (err: Error) => err.message,
  );
}

const works = async (server: TestServer, token: string) => (await gql(server.url, ME, {}, token)).errors === undefined;
const sessionsOf = async (server: TestServer, token: string) => (await gql(server.url, SESSIONS, {}, token)).data!.sessions as any[];

describe('sessions', () => {
  it('lists the live sessions, newest use first, marking the current one', async () => {
    const u = await registerUser(a.url);
    const phone = await signIn(b, u, 'Parley-Phone/2.0');
    const list = await sessionsOf(a, phone.accessToken);
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ current: true, userAgent: 'Parley-Phone/2.0', ip: '127.0.0.1' });
    expect(list[1]).toMatchObject({ current: false });
    expect(new Date(list[0].expiresAt).getTime()).toBeGreaterThan(Date.now());
    // A refresh is a use; the session stays the same.
    const before = (await sessionsOf(a, u.token)).find((s) => !s.current);
    const refreshed = (await gql(b.url, REFRESH, { t: phone.refreshToken })).data!.refreshToken;
    const after = (await sessionsOf(a, refreshed.accessToken)).find((s) => s.current);
    expect(after.id).toBe(before.id);
    expect(new Date(after.lastUsedAt).getTime()).toBeGreaterThanOrEqual(new Date(before.lastUsedAt).getTime());
    expect(errorOf(await gql(a.url, SESSIONS)).code).toBe('UNAUTHENTICATED');
  });

  it('logout through one instance refuses the token on the other at once and closes its sockets there (4403)', async () => {
    const u = await registerUser(a.url);
    const other = await signIn(a, u);
    const [mine, theirs] = await Promise.all([openSocket(b, u.token), openSocket(b, other.accessToken)]);
    expect((await gql(a.url, LOGOUT, { t: u.refreshToken }, u.token)).data!.logout).toBe(true);
    const loggedOutAt = Date.now();
    expect(await works(b, u.token)).toBe(false);
    expect(await works(a, u.token)).toBe(false);
    expect((await mine.closed).code).toBe(FORBIDDEN);
    expect(Date.now() - loggedOutAt).toBeLessThan(1000);
    expect(await connectOutcome(b, u.token)).toMatch(/^closed 4403/);
    // The other session goes on, its socket included.
    expect(await works(b, other.accessToken)).toBe(true);
    const client = wsClient(b.wsUrl, other.accessToken);
    expect((await execute(client, ME)).data).toEqual({ me: { id: u.id } });
    await client.dispose();
    expect(theirs.socket.readyState).toBe(theirs.socket.OPEN);
    theirs.socket.close();
  });

  it('changePassword keeps the current session and ends every other one, sockets included', async () => {
    const u = await registerUser(a.url);
    const other = await signIn(b, u);
    const [mine, theirs] = await Promise.all([openSocket(b, u.token), openSocket(b, other.accessToken)]);
    expect((await gql(a.url, CHANGE, { c: u.password, n: 'another-password' }, u.token)).data!.changePassword).toBe(true);
    const changedAt = Date.now();
    expect(await works(b, other.accessToken)).toBe(false);
    expect(errorOf(await gql(b.url, REFRESH, { t: other.refreshToken })).code).toBe('UNAUTHENTICATED');
    expect((await theirs.closed).code).toBe(FORBIDDEN);
    expect(Date.now() - changedAt).toBeLessThan(1000);
    expect(await works(b, u.token)).toBe(true);
    expect((await gql(b.url, REFRESH, { t: u.refreshToken })).errors).toBeUndefined();
    // The current session's socket still answers.
    mine.send({ id: '1', type: 'subscribe', payload: { query: ME } });
    await until(() => mine.messages.some((m) => m.id === '1' && m.type === 'next'), 5000, 'an answer on the kept socket');
    expect(mine.messages.find((m) => m.id === '1').payload).toEqual({ data: { me: { id: u.id } } });
    mine.socket.close();
  });

  it("revokeSession ends one of the viewer's sessions; anyone else's is NOT_FOUND", async () => {
    const u = await registerUser(a.url);
    const v = await registerUser(a.url);
    const laptop = await signIn(a, u);
    const socket = await openSocket(b, laptop.accessToken);
    const laptopId = (await sessionsOf(a, laptop.accessToken)).find((s) => s.current).id;
    const vId = (await sessionsOf(a, v.token))[0].id;

    expect(errorOf(await gql(a.url, REVOKE, { id: vId }, u.token)).code).toBe('NOT_FOUND');
    expect(await works(b, v.token)).toBe(true);
    expect(errorOf(await gql(a.url, REVOKE, { id: '8a0e9d5e-3f5c-4f2b-9d1e-2b7c1a9e4f00' }, u.token)).code).toBe('NOT_FOUND');
    expect(errorOf(await gql(a.url, REVOKE, { id: laptopId }))).toMatchObject({ code: 'UNAUTHENTICATED' });

    expect((await gql(a.url, REVOKE, { id: laptopId }, u.token)).data!.revokeSession).toBe(true);
    expect(await works(b, laptop.accessToken)).toBe(false);
    expect((await socket.closed).code).toBe(FORBIDDEN);
    expect(errorOf(await gql(b.url, REFRESH, { t: laptop.refreshToken })).code).toBe('UNAUTHENTICATED');
    expect((await sessionsOf(b, u.token)).map((s) => s.id)).not.toContain(laptopId);
    // Revoking again changes nothing; revoking the current session is logging out.
    expect((await gql(a.url, REVOKE, { id: laptopId }, u.token)).data!.revokeSession).toBe(true);
    const current = (await sessionsOf(a, u.token)).find((s) => s.current).id;
    expect((await gql(b.url, REVOKE, { id: current }, u.token)).data!.revokeSession).toBe(true);
    expect(await works(a, u.token)).toBe(false);
  });

  it.each([['not-a-uuid'], [''], ['1'], ["'; drop table sessions; --"]])('refuses the session id %j with BAD_USER_INPUT', async (id) => {
    const u = await registerUser(a.url);
    expect(errorOf(await gql(a.url, REVOKE, { id }, u.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(await works(a, u.token)).toBe(true);
  });

  it('a reused refresh token ends its session on every instance', async () => {
    const u = await registerUser(a.url);
    const rotated = (await gql(a.url, REFRESH, { t: u.refreshToken })).data!.refreshToken;
    expect(errorOf(await gql(a.url, REFRESH, { t: u.refreshToken })).code).toBe('UNAUTHENTICATED');
    expect(await works(b, rotated.accessToken)).toBe(false);
    expect(await works(b, u.token)).toBe(false);
  });
});

describe('a revocation notice lost with the bus connection', () => {
  it('is read from the database once the connection is back, and the socket closed', { timeout: 30_000 }, async () => {
    const cut = await serverWithCuttableBus();
    try {
      const u = await registerUser(a.url);
      const socket = await openSocket(cut.srv, u.token);
      await cut.lose();
      expect((await gql(a.url, LOGOUT, {}, u.token)).data!.logout).toBe(true);
      await cut.restore();
      const closed = await Promise.race([socket.closed, new Promise((r) => setTimeout(() => r('still open'), 15_000))]);
      expect(closed).toMatchObject({ code: FORBIDDEN });
      expect(errorOf(await gql(cut.srv.url, ME, {}, u.token)).code).toBe('UNAUTHENTICATED');
    } finally {
      await cut.stop();
    }
  });
});

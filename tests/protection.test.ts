import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, gql, registerUser, uniqueEmail } from './helpers/graphql.js';
import { startServer, type TestServer } from './helpers/server.js';

const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }`;

describe('login rate limit', () => {
  let srv: TestServer;
  let other: TestServer;
  // Counters are shared through the database by every instance (and every test file), so each
  // test signs in from addresses of its own, passed on by a trusted proxy.
  const limits = { perEmail: 3, perIp: 6, windowSeconds: 60 };
  let hosts = 0;
  const address = () => `10.${process.pid % 250}.${Math.floor(Math.random() * 250)}.${++hosts}`;
  const login = (server: TestServer, email: string, password: string, from: string) =>
    gql(server.url, LOGIN, { email, password }, undefined, { 'x-forwarded-for': from });
  beforeAll(async () => {
    [srv, other] = await Promise.all([startServer({ loginLimits: limits, trustProxy: true }), startServer({ loginLimits: limits, trustProxy: true })]);
  });
  afterAll(async () => {
    await srv?.stop();
    await other?.stop();
  });

  it('limits failed logins per email, even when the password is then right', async () => {
    const u = await registerUser(srv.url);
    for (let i = 0; i < 3; i++) {
      expect(errorOf(await login(srv, u.email, 'wrong-password', address())).code).toBe('UNAUTHENTICATED');
    }
    const limited = await login(srv, u.email.toUpperCase(), u.password, address());
    expect(errorOf(limited).code).toBe('RATE_LIMITED');
    expect(limited.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
  });

  it('limits failed logins per address across emails, without throttling registrations', async () => {
    const from = address();
    for (let i = 0; i < 6; i++) {
      expect(errorOf(await login(srv, uniqueEmail(), 'wrong-password', from)).code).toBe('UNAUTHENTICATED');
    }
    const u = await registerUser(srv.url);
    expect(errorOf(await login(srv, u.email, u.password, from)).code).toBe('RATE_LIMITED');
    // Another address is not affected, and ordinary traffic from the limited one still flows.
    expect((await login(srv, u.email, u.password, address())).errors).toBeUndefined();
    for (let i = 0; i < 5; i++) await registerUser(srv.url);
  });

  it('adds up failures made through different instances', async () => {
    const u = await registerUser(srv.url);
    expect(errorOf(await login(srv, u.email, 'wrong-password', address())).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await login(other, u.email, 'wrong-password', address())).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await login(srv, u.email, 'wrong-password', address())).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await login(other, u.email, u.password, address())).code).toBe('RATE_LIMITED');
  });

  it('clears the count of an email after a successful login', async () => {
    const u = await registerUser(srv.url);
    for (let i = 0; i < 2; i++) await login(srv, u.email, 'wrong-password', address());
    expect((await login(other, u.email, u.password, address())).errors).toBeUndefined();
    for (let i = 0; i < 2; i++) await login(srv, u.email, 'wrong-password', address());
    expect((await login(srv, u.email, u.password, address())).errors).toBeUndefined();
  });
});

describe('query limits', () => {
  let srv: TestServer;
  // Accounts are made through an unrestricted instance on the same database.
  let open: TestServer;
  beforeAll(async () => {
    [srv, open] = await Promise.all([startServer({ limits: { depth: 2, cost: 20, aliases: 3 } }), startServer()]);
  });
  afterAll(async () => {
    await srv?.stop();
    await open?.stop();
  });

  it('refuses a query deeper than the limit', async () => {
    const u = await registerUser(open.url);
    expect((await gql(srv.url, '{ me { id } }', {}, u.token)).errors).toBeUndefined();
    const deep = await gql(srv.url, 'mutation { register(input: {firstname:"a", lastname:"b", email:"x@y.zz", password:"12345678"}) { user { id } } }');
    expect(errorOf(deep).code).toBe('BAD_USER_INPUT');
    expect(deep.errors![0]!.message).toMatch(/depth/i);
  });

  it('refuses too many aliases', async () => {
    const u = await registerUser(open.url);
    const res = await gql(srv.url, '{ a: me { id } b: me { id } c: me { id } d: me { id } }', {}, u.token);
    expect(errorOf(res).code).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toMatch(/alias/i);
  });

  it('refuses a query over the cost limit', async () => {
    const u = await registerUser(open.url);
    const fields = 'id firstname lastname email phone country profilePicture createdAt';
    const res = await gql(srv.url, `{ a: me { ${fields} } b: me { ${fields} } c: me { ${fields} } }`, {}, u.token);
    expect(errorOf(res).code).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toMatch(/cost/i);
  });
});

describe('request body limit', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ maxBodyBytes: 10_000 });
  });
  afterAll(() => srv?.stop());

  it('refuses a body over the limit with a GraphQL error', async () => {
    const res = await gql(srv.url, '{ me { id } }', { padding: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'body' });
  });

  it('refuses a body that is not JSON', async () => {
    const res = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('errors in production', () => {
  let prod: TestServer;
  let dev: TestServer;
  beforeAll(async () => {
    [prod, dev] = await Promise.all([startServer({ isProduction: true, env: 'production' }), startServer()]);
  });
  afterAll(async () => {
    await prod?.stop();
    await dev?.stop();
  });

  it('suggests field names in development only', async () => {
    const u = await registerUser(dev.url);
    const inDev = await gql(dev.url, '{ me { firstnam } }', {}, u.token);
    expect(inDev.errors![0]!.message).toMatch(/Did you mean/);
    const inProd = await gql(prod.url, '{ me { firstnam } }', {}, u.token);
    expect(errorOf(inProd)).toEqual({ code: 'BAD_USER_INPUT', field: 'firstnam' });
    expect(inProd.errors![0]!.message).not.toMatch(/Did you mean|firstname/);
  });

  it('answers unknown routes with 404 and serves /healthz', async () => {
    expect((await fetch(new URL('/nope', prod.url))).status).toBe(404);
    const health = await fetch(new URL('/healthz', prod.url));
    expect(health.status).toBe(200);
  });
});

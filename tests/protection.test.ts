import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, gql, registerUser } from './helpers/graphql.js';
import { startServer, type TestServer } from './helpers/server.js';

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

  it('counts the fields a fragment brings, not the fragment: documents made of fragments meet the limits of their inlined form', async () => {
    const u = await registerUser(open.url);
    const inline = await gql(srv.url, '{ me { id firstname } }', {}, u.token);
    expect(inline.errors).toBeUndefined();
    // Two fragments deep, as codegen and Apollo documents are: the same fields, the same depth and cost.
    const nested = await gql(srv.url, 'query { me { ...Card } } fragment Card on User { ...Name } fragment Name on User { id firstname }', {}, u.token);
    expect(nested.errors).toBeUndefined();
    expect(nested.data).toEqual(inline.data);
    // Fields reached through a fragment still count.
    const deep = await gql(
      srv.url,
      'mutation { register(input: {firstname:"a", lastname:"b", email:"x@y.zz", password:"12345678"}) { ...Auth } } fragment Auth on AuthPayload { user { id } }',
    );
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

  it('tells caches to keep no answer, over POST and GET, answered or refused', async () => {
    const u = await registerUser(prod.url);
    const auth = { authorization: `Bearer ${u.token}` };
    const post = await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ query: '{ me { id } }' }) });
    const get = await fetch(`${prod.url}?query=${encodeURIComponent('{ me { email } }')}`, { headers: { ...auth, 'apollo-require-preflight': 'true' } });
    const refused = await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { id } }' }) });
    for (const [res, ok] of [[post, true], [get, true], [refused, false]] as const) {
      expect(((await res.json()) as any).errors === undefined).toBe(ok);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('answers unknown routes with 404 and serves /healthz', async () => {
    expect((await fetch(new URL('/nope', prod.url))).status).toBe(404);
    const health = await fetch(new URL('/healthz', prod.url));
    expect(health.status).toBe(200);
  });
});

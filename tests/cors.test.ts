import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';

let open: TestServer;
let listed: TestServer;
beforeAll(async () => {
  [open, listed] = await Promise.all([startServer(), startServer({ corsOrigins: ['https://app.example'] })]);
});
afterAll(() => Promise.all([open?.stop(), listed?.stop()]));

/** Request headers a browser may send without asking first (the Fetch standard's CORS-safelisted ones). */
const SAFELISTED = new Set(['accept', 'accept-language', 'content-language']);

/** The request headers Apollo Client 4 really sends with client awareness on, every variant of it. */
async function apolloRequestHeaders(url: string): Promise<string[]> {
  const seen = new Set<string>();
  const recording: typeof fetch = (input, init) => {
    new Headers(init?.headers).forEach((_value, name) => seen.add(name));
    return fetch(input, init);
  };
  const client = new ApolloClient({
    link: new HttpLink({ uri: url, fetch: recording }),
    cache: new InMemoryCache(),
    clientAwareness: { name: 'parley-web', version: '1.2.3' },
    enhancedClientAwareness: { transport: 'headers' },
  });
  const result = await client.query({ query: gql`query Ping { __typename }`, fetchPolicy: 'network-only' });
  expect(result.data).toEqual({ __typename: 'Query' });
  client.stop();
  return [...seen];
}

function preflight(url: string, origin: string, headers: string[]) {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers.join(',') },
  });
}

describe('CORS', () => {
  it("allows every header Apollo Client sends, client awareness included, and an Authorization header", async () => {
    const sent = await apolloRequestHeaders(open.url);
    expect(sent).toEqual(expect.arrayContaining(['apollographql-client-name', 'apollographql-client-version', 'apollographql-library-name', 'content-type']));
    const asked = [...sent.filter((h) => !SAFELISTED.has(h)), 'authorization'];
    const res = await preflight(open.url, 'http://localhost:5173', asked);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = res.headers.get('access-control-allow-headers')!.split(',').map((h) => h.trim().toLowerCase());
    for (const header of asked) expect(allowed, header).toContain(header);
  });

  it('answers only listed origins when an allow-list is set', async () => {
    const headers = ['content-type', 'apollographql-client-name'];
    const yes = await preflight(listed.url, 'https://app.example', headers);
    expect(yes.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const no = await preflight(listed.url, 'https://elsewhere.example', headers);
    expect(no.headers.get('access-control-allow-origin')).toBeNull();
    expect(no.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('lets a page read the request id of an answer', async () => {
    const res = await fetch(open.url, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });
});

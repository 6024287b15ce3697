import http from 'node:http';

/**
 * Kept-alive connections, each dropped after 4 s unused: Node's servers close an idle one after
 * 5 s (keepAliveTimeout), and a request sent on it as it closes fails with ECONNRESET, which is
 * the client's race, not the server's failure. (Node destroys only idle sockets on this timeout.)
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 });

/** POSTs a JSON body over a kept-alive connection; resolves with the status and the raw body. */
export function postRaw(url: string, body: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One GraphQL operation; throws on errors, so set-up fails loudly. */
export async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await postRaw(url, JSON.stringify({ query, variables }), token);
  const parsed = JSON.parse(res.body) as { data?: T; errors?: unknown[] };
  if (parsed.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(parsed.errors)}`);
  return parsed.data!;
}

/** A body that carries a GraphQL error (cheap enough to run on every answer of a load loop). */
export const failed = (res: { status: number; body: string }) => res.status !== 200 || res.body.startsWith('{"errors"') || res.body.includes('"errors":[');

export interface Window {
  warmupMs: number;
  windowMs: number;
}

/**
 * Runs `task` on `n` workers, each one call at a time, for the warm-up and the window; counts
 * the calls that ended inside the window, and returns them per second.
 */
export async function closedLoop(n: number, window: Window, task: (worker: number) => Promise<boolean>): Promise<{ perSec: number; ok: number; failed: number }> {
  const from = performance.now() + window.warmupMs;
  const to = from + window.windowMs;
  let ok = 0;
  let bad = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, w) => {
      while (performance.now() < to) {
        const good = await task(w).catch(() => false);
        const now = performance.now();
        if (now < from || now > to) continue;
        if (good) ok++;
        else bad++;
      }
    }),
  );
  return { perSec: ok / (window.windowMs / 1000), ok, failed: bad };
}

import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { GraphQLResponse } from './graphql.js';

/**
 * A real graphql-ws client, as frontends use it; `token` goes in `connection_init`, `headers`
 * on the upgrade request (an X-Forwarded-For, say).
 */
export function wsClient(url: string, token?: string, options: { payload?: Record<string, unknown>; headers?: Record<string, string> } = {}): Client {
  const { headers } = options;
  return createClient({
    url,
    webSocketImpl: headers
      ? class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers });
          }
        }
      : WebSocket,
    connectionParams: options.payload ?? (token ? { authorization: `Bearer ${token}` } : {}),
    retryAttempts: 0,
    lazy: true,
  });
}

export interface Subscription<T> {
  events: T[];
  errors: unknown[];
  completed: boolean;
  /** Resolves once at least `n` events arrived (or rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<T[]>;
  dispose(): void;
}

export function subscribe<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}): Subscription<T> {
  const sub: Subscription<T> = {
    events: [],
    errors: [],
    completed: false,
    waitFor: async (n, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (sub.events.length < n) {
        if (sub.errors.length) throw new Error(`subscription failed: ${JSON.stringify(sub.errors)}`);
        if (Date.now() > deadline) throw new Error(`timed out with ${sub.events.length}/${n} events: ${JSON.stringify(sub.events)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return sub.events;
    },
    dispose: () => {},
  };
  sub.dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) sub.errors.push(...result.errors);
        else sub.events.push(result.data as T);
      },
      // graphql-ws reports operation errors as a list, and socket failures as one value.
      error: (err) => (Array.isArray(err) ? sub.errors.push(...err) : sub.errors.push(err)),
      complete: () => (sub.completed = true),
    },
  );
  return sub;
}

/** Waits until `check` holds, polling; for server-side state such as active subscriptions. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw socket speaking graphql-transport-ws, for what a well-behaved client would never send. */
export function rawSocket(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages, closed, opened, send: (msg: unknown) => socket.send(typeof msg === 'string' ? msg : JSON.stringify(msg)) };
}

/** Per hub, the subscriptions `subscribeReady` calls are waiting for. */
const awaited = new WeakMap<object, number>();

/**
 * Subscribes and waits until the server has registered the subscription. Calls made together
 * (`Promise.all`) each wait for one more registration than those before them, so that all of
 * them have started once all have resolved: counting from the same start, the first
 * registration would let every one of them through.
 */
export async function subscribeReady<T = any>(
  hub: { stats: { subscriptions: number } },
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Subscription<T>> {
  const ahead = awaited.get(hub) ?? 0;
  awaited.set(hub, ahead + 1);
  const target = hub.stats.subscriptions + ahead + 1;
  try {
    const sub = subscribe<T>(client, query, variables);
    await until(() => hub.stats.subscriptions >= target || sub.errors.length > 0, 5000, 'the subscription to start');
    return sub;
  } finally {
    awaited.set(hub, awaited.get(hub)! - 1);
  }
}

/** Runs one query or mutation over the socket (graphql-ws runs those too), like `gql` over HTTP. */
export function execute(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Omit<GraphQLResponse, 'status'>> {
  return new Promise((resolve) => {
    let result: Omit<GraphQLResponse, 'status'> = {};
    client.subscribe(
      { query, variables },
      {
        next: (r) => (result = r as typeof result),
        error: (err) => resolve({ errors: (Array.isArray(err) ? err : [err]) as GraphQLResponse['errors'] }),
        complete: () => resolve(result),
      },
    );
  });
}

import WebSocket from 'ws';

/**
 * The smallest graphql-transport-ws client: connection_init with the token, one subscribe, and
 * a callback per `next` frame with the raw text (parsing is left to those that need it). Cheap
 * enough that a thousand of them in one process measure the server, not themselves.
 */
export function subscribeRaw(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  onNext: (frame: string) => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    let subscribed = false;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text.includes('"type":"next"')) return onNext(text);
      const msg = JSON.parse(text) as { type: string; payload?: unknown };
      if (msg.type === 'connection_ack' && !subscribed) {
        subscribed = true;
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
        resolve(ws);
      } else if (msg.type === 'ping') ws.send('{"type":"pong"}');
      else if (msg.type === 'error') reject(new Error(`subscription refused: ${text}`));
    });
    ws.on('error', reject);
    ws.on('close', (code) => {
      if (!subscribed) reject(new Error(`closed with ${code} before the subscription`));
    });
  });
}

/** A raw WebSocket, for the floors; every frame counts. */
export function rawSocket(url: string, onFrame: (frame: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('open', () => resolve(ws));
    ws.on('message', (data: Buffer) => onFrame(data.toString('utf8')));
    ws.on('error', reject);
  });
}

/** Runs `open` for each index, at most `concurrency` at a time. */
export async function openAll<T>(count: number, concurrency: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await open(i);
      }
    }),
  );
  return out;
}

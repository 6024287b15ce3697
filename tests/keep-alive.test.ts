import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { startServer, type TestServer } from './helpers/server.js';

/** A raw HTTP/1.1 connection that sends GET /healthz on demand and tells when the server closes it. */
function connection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let buffered = '';
  let waiting: ((response: string) => void) | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    // /healthz answers a short JSON body with a Content-Length: the whole answer is in once it ends with '}'.
    if (waiting && buffered.includes('\r\n\r\n') && buffered.endsWith('}')) {
      const done = waiting;
      waiting = undefined;
      done(buffered);
      buffered = '';
    }
  });
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
  return {
    closed,
    get open() {
      return !socket.destroyed && socket.readyState === 'open';
    },
    get(): Promise<string> {
      return new Promise((resolve) => {
        waiting = resolve;
        socket.write('GET /healthz HTTP/1.1\r\nHost: parley\r\nConnection: keep-alive\r\n\r\n');
      });
    },
    end: () => socket.destroy(),
  };
}

describe('HTTP keep-alive', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it("keeps Node's 5 s by default and reads HTTP_KEEP_ALIVE_MS, refusing zero", async () => {
    expect(loadConfig({}).httpKeepAliveMs).toBe(5000);
    expect(loadConfig({ HTTP_KEEP_ALIVE_MS: '65000' }).httpKeepAliveMs).toBe(65_000);
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_MS: '0' })).toThrow(ConfigError);
    const server = await startServer();
    servers.push(server);
    expect(server.server.httpServer.keepAliveTimeout).toBe(5000);
  });

  it("closes an idle connection after HTTP_KEEP_ALIVE_MS, sooner or later than Node's 5 s", async () => {
    const [short, usual, long] = await Promise.all([startServer({ httpKeepAliveMs: 300 }), startServer(), startServer({ httpKeepAliveMs: 60_000 })]);
    servers.push(short, usual, long);
    const [a, u, b] = [connection(short.port), connection(usual.port), connection(long.port)];
    expect(await a.get()).toMatch(/^HTTP\/1\.1 200/);
    const answeredAt = performance.now();
    // The long one is answered before the usual one: it has been idle longer when that one closes.
    expect(await b.get()).toMatch(/^HTTP\/1\.1 200/);
    expect(await u.get()).toMatch(/^HTTP\/1\.1 200/);
    const shortClosed = await a.closed;
    expect(shortClosed - answeredAt).toBeGreaterThanOrEqual(250);
    expect(u.open).toBe(true);
    await u.closed;
    expect(b.open).toBe(true);
    expect(await b.get()).toMatch(/^HTTP\/1\.1 200/);
    b.end();
  });
});

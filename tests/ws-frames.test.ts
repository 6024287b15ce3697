import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { writeTextFrame } from '../src/http/ws-frames.js';

/**
 * src/http/ws-frames.ts writes `next` frames onto the TCP socket beside `ws`. A real `ws` client
 * must read each of them, at every length encoding (7-bit, 16-bit, 64-bit), in order with the
 * frames `ws` itself sends, also when they leave in one corked write.
 */
describe('writeTextFrame', () => {
  let wss: WebSocketServer;
  let server: WebSocket;
  let client: WebSocket;
  const received: string[] = [];
  let onMessage: (() => void) | undefined;

  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    const connected = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { maxPayload: 1 << 24 });
    client.on('message', (data, isBinary) => {
      expect(isBinary).toBe(false);
      received.push(String(data));
      onMessage?.();
    });
    await new Promise((resolve) => client.once('open', resolve));
    server = await connected;
  });

  afterAll(async () => {
    client?.close();
    await new Promise((resolve) => wss.close(resolve));
  });

  const tcp = () => (server as unknown as { _socket: Socket })._socket;
  const until = (n: number) =>
    new Promise<void>((resolve) => {
      onMessage = () => received.length >= n && resolve();
      onMessage();
    });

  it('is read as the text it was made of, at every length', async () => {
    received.length = 0;
    const texts: string[] = [];
    for (const length of [0, 1, 124, 125, 126, 127, 1000, 65_534, 65_535, 65_536, 70_000, 200_000]) {
      // A prefix of its own, and a body of multi-byte characters to count bytes, not characters.
      const head = `{"id":"${length}","payload":`;
      const body = 'é€'.repeat(Math.max(0, Math.floor((length - head.length) / 5))).padEnd(Math.max(0, length - head.length), 'x');
      texts.push(head + body);
      writeTextFrame(tcp(), Buffer.from(head), Buffer.from(body));
    }
    await until(texts.length);
    expect(received).toEqual(texts);
  });

  it('keeps its place among the frames ws sends, corked into one write', async () => {
    received.length = 0;
    const expected: string[] = [];
    tcp().cork();
    for (let i = 0; i < 50; i++) {
      const own = `ws ${i}`;
      server.send(own);
      const ours = `ours ${i}`.repeat(i * 10);
      writeTextFrame(tcp(), Buffer.from(ours.slice(0, 3)), Buffer.from(ours.slice(3)));
      expected.push(own, ours);
    }
    tcp().uncork();
    await until(expected.length);
    expect(received).toEqual(expected);
  });
});

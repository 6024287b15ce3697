/**
 * The WebSocket floor: a bare `ws` server whose sockets join a room by `?room=`, doing only
 * what any fan-out must. P1: broadcast one pre-serialised frame to every socket of each room in
 * turn, as fast as the sockets take it. P2: LISTEN, and on each notification build the frame
 * once and write it to the room's sockets. P5: hold idle sockets.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { serve } from '../lib/proc.js';
import { frameMaker, socketRooms } from './rooms.js';

const server = http.createServer();
const { rooms, count, send } = socketRooms(server);
const HIGH_WATER = 256 * 1024;
let listener: { sql: postgres.Sql } | undefined;

serve({
  listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
  sockets: count,

  /** P1: broadcasts `frame` to each room in turn for `ms`, waiting while sockets are backed up. */
  async broadcast(frame: string, ms: number) {
    const payload = Buffer.from(frame);
    const until = performance.now() + ms;
    const all = [...rooms.values()];
    let events = 0;
    while (performance.now() < until) {
      for (const room of all) {
        for (const ws of room) ws.send(payload);
        events++;
      }
      // Backpressure: let the kernel take what is queued before adding more.
      while (all.some((room) => room.some((ws) => ws.bufferedAmount > HIGH_WATER))) await new Promise((r) => setTimeout(r, 1));
      await new Promise((r) => setImmediate(r));
    }
    return events;
  },

  /** P2: frames for the notifications of `channel`, `template` with the message's text put in. */
  async follow(databaseUrl: string, template: string) {
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const frame = frameMaker(template);
    await sql.listen('bench_floor', (payload) => {
      const colon = payload.indexOf(':');
      send(Number(payload.slice(0, colon)), frame(payload.slice(colon + 1)));
    });
    listener = { sql };
  },

  async unfollow() {
    await listener?.sql.end();
    listener = undefined;
  },
});

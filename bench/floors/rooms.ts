/**
 * Raw WebSockets grouped into numbered rooms by `?room=`, on any node:http server: the
 * WebSocket floor's sockets, and those of the stack's server when it writes its own frames.
 */
import type http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SocketRooms {
  readonly rooms: Map<number, WebSocket[]>;
  /** Sockets open now, over every room. */
  count(): number;
  /** Writes one frame to every socket of a room. */
  send(room: number, frame: Buffer): void;
}

export function socketRooms(server: http.Server): SocketRooms {
  const rooms = new Map<number, WebSocket[]>();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws, req) => {
    const room = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('room') ?? 0);
    if (!rooms.has(room)) rooms.set(room, []);
    rooms.get(room)!.push(ws);
    ws.on('close', () => rooms.set(room, rooms.get(room)!.filter((s) => s !== ws)));
  });
  return {
    rooms,
    count: () => [...rooms.values()].reduce((n, r) => n + r.length, 0),
    send(room, frame) {
      for (const ws of rooms.get(room) ?? []) ws.send(frame);
    },
  };
}

/** Frames of Parley's `messageAdded` shape with a message's text put in (see frameTemplate). */
export function frameMaker(template: string): (content: string) => Buffer {
  const [before, after] = template.split('__CONTENT__') as [string, string];
  return (content) => Buffer.from(before + content + after);
}

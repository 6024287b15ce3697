import { CloseCode, type Server } from 'graphql-ws';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { metrics } from '../observability/metrics.js';
import { SocketClose } from './socket-registry.js';
import type { TurnWrites } from './turn-writes.js';
import { writeTextFrame } from './ws-frames.js';

/**
 * What every graphql-ws context carries as `extra`: the socket, and what the upgrade request
 * said of the client — not the request itself, which a socket would otherwise hold for life.
 */
export interface SocketExtra {
  socket: WebSocket;
  client: { ip: string; userAgent: string | undefined };
  /** Sends a frame the way graphql-ws's own frames go (bounded buffer, never waiting). */
  send(data: string): void;
  /** The same for a frame made of a prefix and a body already encoded (see ws-frames.ts). */
  sendParts(head: Buffer, body: Buffer): void;
}

export interface TransportOptions {
  /** Bytes queued for a socket beyond which it is closed (1013): a reader that fell behind. */
  maxBufferedBytes: number;
  keepAlive: KeepAlive;
  /** Corks each socket for the rest of the turn in which it is sent something. */
  turnWrites: TurnWrites;
  log: Logger;
}

/**
 * Pings every open socket each interval; one that has not answered the previous ping by the
 * next round is terminated. One timer for all sockets, not two per socket.
 */
export class KeepAlive {
  private readonly answered = new Map<WebSocket, boolean>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => this.round(), intervalMs);
    this.timer.unref();
  }

  watch(socket: WebSocket): void {
    this.answered.set(socket, true);
    socket.on('pong', () => this.answered.set(socket, true));
  }

  forget(socket: WebSocket): void {
    this.answered.delete(socket);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private round(): void {
    for (const [socket, answered] of this.answered) {
      if (socket.readyState !== socket.OPEN) continue;
      if (!answered) {
        socket.terminate();
        continue;
      }
      this.answered.set(socket, false);
      socket.ping();
    }
  }
}

/**
 * Runs graphql-ws's protocol core on one `ws` socket, as graphql-ws's own `useServer` adapter
 * does, with one difference: sends never wait for the network. A subscription therefore never
 * stalls behind a slow reader (nor piles events up in memory for it); instead the socket's send
 * buffer is bounded, and a socket whose client stopped reading is closed with 1013 (Try Again
 * Later, which clients retry) as soon as its buffer passes `maxBufferedBytes`. Its operations end
 * at once; the closing handshake finishes, or times out, on its own.
 */
export function serveSocket(server: Server<SocketExtra>, socket: WebSocket, client: SocketExtra['client'], options: TransportOptions): void {
  let finished = false;
  let closed: ((code?: number, reason?: string) => Promise<void>) | undefined;
  const finish = (code: number, reason: string) => {
    if (finished) return;
    finished = true;
    options.keepAlive.forget(socket);
    closed?.(code, reason).catch((err: unknown) => options.log.error({ err }, 'WebSocket clean-up failed'));
  };
  options.keepAlive.watch(socket);

  const bounded = () => {
    if (socket.bufferedAmount > options.maxBufferedBytes) {
      options.log.warn({ buffered: socket.bufferedAmount }, 'closing a WebSocket whose client does not keep up');
      metrics.socketsRefused.inc({ reason: 'slow_reader' });
      socket.close(SocketClose.TryAgainLater, 'Client too slow: reconnect');
      finish(SocketClose.TryAgainLater, 'Client too slow');
    }
  };
  const send = (data: string) => {
    if (socket.readyState !== socket.OPEN) return;
    options.turnWrites.hold(socket);
    socket.send(data);
    bounded();
  };
  // `ws` keeps the TCP socket it frames onto here; it is not part of its typed API.
  const tcp = (socket as unknown as { _socket: Socket })._socket;
  const sendParts = (head: Buffer, body: Buffer) => {
    if (socket.readyState !== socket.OPEN) return;
    options.turnWrites.hold(socket);
    writeTextFrame(tcp, head, body);
    bounded();
  };
  closed = server.opened(
    {
      protocol: socket.protocol,
      send,
      close: (code, reason) => socket.close(code, reason),
      onMessage: (handle) =>
        socket.on('message', (data) => {
          handle(String(data)).catch((err: unknown) => {
            options.log.error({ err }, 'WebSocket message handling failed');
            socket.close(CloseCode.InternalServerError, 'Internal server error');
          });
        }),
    },
    { socket, client, send, sendParts },
  );

  // ws reports protocol violations (an oversized frame, say) here, then closes the socket itself.
  socket.on('error', (err: Error & { code?: string }) => {
    // A frame `ws` refuses (too large, malformed) is the client's doing: `ws` has already closed
    // the socket with the right code (1009, 1002, ...), so it is one info line, not an error.
    if (err.code?.startsWith('WS_ERR_')) options.log.info({ code: err.code, reason: err.message }, 'WebSocket closed: the client sent a frame it may not send');
    else options.log.debug({ err }, 'WebSocket error');
  });
  socket.once('close', (code, reason) => finish(code, String(reason)));
}

import type { IncomingMessage } from 'node:http';
import { CloseCode, type Server } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { metrics } from '../observability/metrics.js';
import { SocketClose } from './socket-registry.js';

/** What every graphql-ws context carries as `extra`. */
export interface SocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
}

export interface TransportOptions {
  /** Bytes queued for a socket beyond which it is closed (1013): a reader that fell behind. */
  maxBufferedBytes: number;
  /** Ping interval; a socket that has not answered the previous ping by then is terminated. */
  keepAliveMs: number;
  log: Logger;
}

/**
 * Runs graphql-ws's protocol core on one `ws` socket, as graphql-ws's own `useServer` adapter
 * does, with one difference: sends never wait for the network. A subscription therefore never
 * stalls behind a slow reader (nor piles events up in memory for it); instead the socket's send
 * buffer is bounded, and a socket whose client stopped reading is closed with 1013 (Try Again
 * Later, which clients retry) as soon as its buffer passes `maxBufferedBytes`. Its operations end
 * at once; the closing handshake finishes, or times out, on its own.
 */
export function serveSocket(server: Server<SocketExtra>, socket: WebSocket, request: IncomingMessage, options: TransportOptions): void {
  let finished = false;
  let closed: ((code?: number, reason?: string) => Promise<void>) | undefined;
  const finish = (code: number, reason: string) => {
    if (finished) return;
    finished = true;
    clearInterval(pinger);
    clearTimeout(pongWait);
    closed?.(code, reason).catch((err: unknown) => options.log.error({ err }, 'WebSocket clean-up failed'));
  };

  let pongWait: NodeJS.Timeout | undefined;
  const pinger = setInterval(() => {
    if (socket.readyState !== socket.OPEN) return;
    pongWait = setTimeout(() => socket.terminate(), options.keepAliveMs);
    socket.once('pong', () => clearTimeout(pongWait));
    socket.ping();
  }, options.keepAliveMs);

  closed = server.opened(
    {
      protocol: socket.protocol,
      send: (data) => {
        if (socket.readyState !== socket.OPEN) return;
        socket.send(data);
        if (socket.bufferedAmount > options.maxBufferedBytes) {
          options.log.warn({ buffered: socket.bufferedAmount }, 'closing a WebSocket whose client does not keep up');
          metrics.socketsRefused.inc({ reason: 'slow_reader' });
          socket.close(SocketClose.TryAgainLater, 'Client too slow: reconnect');
          finish(SocketClose.TryAgainLater, 'Client too slow');
        }
      },
      close: (code, reason) => socket.close(code, reason),
      onMessage: (handle) =>
        socket.on('message', (data) => {
          handle(String(data)).catch((err: unknown) => {
            options.log.error({ err }, 'WebSocket message handling failed');
            socket.close(CloseCode.InternalServerError, 'Internal server error');
          });
        }),
    },
    { socket, request },
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

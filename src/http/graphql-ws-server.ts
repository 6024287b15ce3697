import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { Extra } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';

const KEEP_ALIVE_MS = 12_000;

/**
 * graphql-ws on a `ws` server: graphql-ws's own `useServer` adapter (which its authors offer as a
 * starter to copy), reporting through the JSON log instead of `console.error`. A frame `ws`
 * refuses (too large, malformed) is the client's doing: `ws` has already closed the socket with
 * the right code (1009, 1002, ...), so it is one info line, not an internal error with a stack.
 */
export function serveGraphQLOverWebSocket(options: ServerOptions<Record<string, unknown> | undefined, Extra>, wss: WebSocketServer, log: Logger) {
  const server = makeServer(options);
  wss.options.handleProtocols = handleProtocols;
  // The HTTP server's own errors (a taken port) reach this server too; whoever listens reports them.
  wss.on('error', (err) => log.debug({ reason: err.message }, 'WebSocket server error'));

  wss.on('connection', (socket: WebSocket, request) => {
    socket.once('error', (err: Error & { code?: string }) => {
      if (err.code?.startsWith('WS_ERR_')) {
        log.info({ code: err.code, reason: err.message }, 'WebSocket closed: the client sent a frame it may not send');
        return;
      }
      log.error({ err }, 'WebSocket error');
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });

    let pongWait: NodeJS.Timeout | undefined;
    const pingInterval = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      socket.once('pong', () => clearTimeout(pongWait));
      socket.ping();
    }, KEEP_ALIVE_MS);

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', async (data) => {
            try {
              await cb(String(data));
            } catch (err) {
              log.error({ err }, 'WebSocket message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request },
    );

    socket.once('close', (code, reason) => {
      clearTimeout(pongWait);
      clearInterval(pingInterval);
      void closed(code, String(reason));
    });
  });

  return {
    async dispose() {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

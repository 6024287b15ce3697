import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { handleProtocols, makeServer } from 'graphql-ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { bearerToken, type AccessTokens } from '../auth/access-tokens.js';
import type { RevokedSessions } from '../auth/revoked-sessions.js';
import { ErrorCode } from '../common/errors.js';
import type { Config } from '../config.js';
import { buildContext, type ContextDeps } from '../context.js';
import { metrics } from '../observability/metrics.js';
import { createFanOut } from '../realtime/fan-out.js';
import { originAllowed } from './cors.js';
import { DocumentCache } from './document-cache.js';
import type { DocumentLimits } from './document-limits.js';
import { clientIp } from './request.js';
import { SocketClose, SocketRegistry, type Refusal, type UserSocketsWatcher } from './socket-registry.js';
import { TurnWrites } from './turn-writes.js';
import { KeepAlive, serveSocket, type SocketExtra } from './ws-transport.js';

// setTimeout fires at once for delays past 2^31 - 1 ms; a very long-lived token waits that long.
const MAX_TIMER_MS = 2 ** 31 - 1;
const KEEP_ALIVE_MS = 12_000;

/** What a socket carries once `connection_init` has been accepted. */
interface SocketState {
  token?: string;
  expiryTimer?: NodeJS.Timeout;
  operations?: number;
}

export interface WebSocketOptions {
  httpServer: http.Server;
  schema: GraphQLSchema;
  config: Config;
  tokens: AccessTokens;
  /** The sockets of a session revoked anywhere are closed (4403) as soon as this instance learns of it. */
  revoked: RevokedSessions;
  contextDeps: ContextDeps;
  /** The same limits HTTP applies (tokens, depth, cost, aliases): the socket is a second front door. */
  limits: DocumentLimits;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  log: Logger;
  /** Told when a user's first socket opens here and when their last one closes (presence). */
  userSockets?: UserSocketsWatcher;
}

/**
 * graphql-ws on /graphql beside HTTP: authenticates in `connection_init` (4403 when refused),
 * closes a socket with 4403 when its token expires or its session is revoked, caps sockets per
 * user, per address and in all, frames and operations per socket, and the bytes waiting for a
 * slow reader, and gives every operation the same validation, context and error masking as HTTP.
 */
export function attachWebSocketServer(options: WebSocketOptions) {
  const { config, tokens, schema, log } = options;
  const wss = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: config.ws.maxPayloadBytes,
    verifyClient: ({ origin }: { origin?: string }) => originAllowed(origin, config.corsOrigins),
    handleProtocols: (protocols) => handleProtocols(protocols),
  });
  const registry = new SocketRegistry(config.ws, options.userSockets);
  const rules = [...specifiedRules, ...options.limits.validationRules];
  const format = (errors: readonly GraphQLError[]) => errors.map((e) => options.formatError(e.toJSON(), e));
  // What a client may see of a result: errors masked like every other error it receives.
  const present = (result: ExecutionResult): ExecutionResult => (result.errors ? { ...result, errors: format(result.errors) as unknown as GraphQLError[] } : result);
  const state = new WeakMap<object, SocketState>();
  const stateOf = (socket: object) => {
    let s = state.get(socket);
    if (!s) state.set(socket, (s = {}));
    return s;
  };

  const fanOut = createFanOut();
  let documentKeys = 0;
  // Clients send the same few documents over and over: each is parsed and validated once.
  const documents = new DocumentCache((query) => {
    let document: DocumentNode;
    try {
      document = parse(query, options.limits.parseOptions);
    } catch (err) {
      return { errors: [withCode(err as GraphQLError, 'GRAPHQL_PARSE_FAILED')] };
    }
    const errors = validate(schema, document, rules);
    return errors.length ? { errors: errors.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED')) } : { document, key: String(++documentKeys) };
  });

  const server = makeServer<Record<string, unknown> | undefined, SocketExtra>(
    {
      schema,
      subscribe: (args) => fanOut.subscribe(args),
      connectionInitWaitTimeout: config.ws.initTimeoutMs,
      onConnect: async (ctx) => {
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        const raw = params.authorization ?? params.Authorization ?? params.accessToken;
        const token = typeof raw === 'string' ? bearerToken(raw) : undefined;
        if (!token) return false;
        const claims = await tokens.verify(token).catch(() => null);
        const { socket } = ctx.extra;
        if (!claims || options.revoked.has(claims.sessionId)) return false;
        const refusal = registry.authenticate(socket, claims.userId, claims.sessionId);
        if (refusal) {
          // Closed first, this code is the one the client sees (graphql-ws's 4403 comes second).
          refuse(socket, refusal);
          return false;
        }
        const s = stateOf(socket);
        s.token = token;
        // A socket lives no longer than its token; the client reconnects with a fresh one.
        const lifetime = Math.min(Math.max(0, claims.expiresAt.getTime() - Date.now()), MAX_TIMER_MS);
        s.expiryTimer = setTimeout(() => socket.close(SocketClose.Forbidden, 'Token expired'), lifetime);
        s.expiryTimer.unref();
        return true;
      },
      onClose: (ctx) => clearTimeout(state.get(ctx.extra.socket)?.expiryTimer),
      onSubscribe: async (ctx, id, payload) => {
        const s = stateOf(ctx.extra.socket);
        if ((s.operations ?? 0) >= config.ws.maxSubscriptions) {
          return [new GraphQLError(`At most ${config.ws.maxSubscriptions} operations per connection`, { extensions: { code: ErrorCode.RATE_LIMITED } })];
        }
        const checked = documents.get(payload.query);
        if ('errors' in checked) return checked.errors;
        s.operations = (s.operations ?? 0) + 1;
        const contextValue = await buildContext(options.contextDeps, {
          token: s.token,
          ip: ctx.extra.client.ip,
          userAgent: ctx.extra.client.userAgent,
          requestId: randomUUID(),
        });
        const args = { schema, document: checked.document, variableValues: payload.variables ?? undefined, operationName: payload.operationName ?? undefined, contextValue };
        // Subscribers who asked the same thing share each event's execution (src/realtime/fan-out.ts).
        fanOut.remember(args, `${checked.key}|${payload.operationName ?? ''}|${JSON.stringify(payload.variables ?? {})}`, {
          id,
          open: () => id in ctx.subscriptions,
          sendParts: ctx.extra.sendParts,
          present,
        });
        return args;
      },
      onComplete: (ctx) => {
        const s = stateOf(ctx.extra.socket);
        s.operations = Math.max(0, (s.operations ?? 1) - 1);
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? present(result) : undefined),
    },
  );

  // The HTTP server's errors (a port in use, say) are repeated here; the server's own handlers act on them.
  wss.on('error', (err) => log.debug({ err }, 'WebSocket server error'));
  const keepAlive = new KeepAlive(KEEP_ALIVE_MS);
  const turnWrites = new TurnWrites();
  wss.on('connection', (socket, request) => {
    const ip = clientIp(request, config.trustProxy);
    const refusal = registry.admit(socket, ip);
    if (refusal) return refuse(socket, refusal);
    serveSocket(server, socket, { ip, userAgent: request.headers['user-agent'] }, { maxBufferedBytes: config.ws.maxBufferedBytes, keepAlive, turnWrites, log });
  });

  const stopClosingRevoked = options.revoked.onRevoked((sessionIds) => {
    for (const socket of registry.socketsOf(sessionIds)) refuse(socket, { code: SocketClose.Forbidden, reason: 'Session ended', cause: 'session_revoked' });
  });

  return {
    get openSockets() {
      return registry.size;
    },
    /** Says goodbye (1001) to every socket; those that do not close within `graceMs` are cut. */
    async close(graceMs = 1000) {
      stopClosingRevoked();
      keepAlive.stop();
      const open = [...wss.clients];
      const closed = Promise.all(open.map((client) => new Promise((resolve) => client.once('close', resolve))));
      for (const client of open) client.close(1001, 'Server shutting down');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
      log.debug('WebSocket server closed');
    },
  };
}

function refuse(socket: WebSocket, refusal: Refusal): void {
  metrics.socketsRefused.inc({ reason: refusal.cause });
  socket.close(refusal.code, refusal.reason);
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

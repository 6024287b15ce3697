import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { CloseCode } from 'graphql-ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { bearerToken, type AccessTokens } from '../auth/access-tokens.js';
import { ErrorCode } from '../common/errors.js';
import type { Config } from '../config.js';
import { buildContext, type ContextDeps } from '../context.js';
import { originAllowed } from './cors.js';
import { serveGraphQLOverWebSocket } from './graphql-ws-server.js';
import { clientIp } from './request.js';

// setTimeout fires at once for delays past 2^31 - 1 ms; a very long-lived token waits that long.
const MAX_TIMER_MS = 2 ** 31 - 1;

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
  contextDeps: ContextDeps;
  /** The same rules HTTP applies (depth, cost, aliases): the socket is a second front door. */
  validationRules: readonly ValidationRule[];
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  log: Logger;
}

/**
 * graphql-ws on /graphql beside HTTP: authenticates in `connection_init` (4403 when refused),
 * closes a socket with 4403 when its token expires, caps frames and operations per socket,
 * and gives every operation the same validation, context and error masking as HTTP.
 */
export function attachWebSocketServer(options: WebSocketOptions) {
  const { config, tokens, schema, log } = options;
  const wss = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: config.ws.maxPayloadBytes,
    verifyClient: ({ origin }: { origin?: string }) => originAllowed(origin, config.corsOrigins),
  });
  const rules = [...specifiedRules, ...options.validationRules];
  const format = (errors: readonly GraphQLError[]) => errors.map((e) => options.formatError(e.toJSON(), e));
  const state = new WeakMap<object, SocketState>();
  const stateOf = (socket: object) => {
    let s = state.get(socket);
    if (!s) state.set(socket, (s = {}));
    return s;
  };

  const disposable = serveGraphQLOverWebSocket(
    {
      schema,
      connectionInitWaitTimeout: config.ws.initTimeoutMs,
      onConnect: async (ctx) => {
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        const raw = params.authorization ?? params.Authorization ?? params.accessToken;
        const token = typeof raw === 'string' ? bearerToken(raw) : undefined;
        if (!token) return false;
        try {
          const claims = await tokens.verify(token);
          const s = stateOf(ctx.extra.socket);
          s.token = token;
          // A socket lives no longer than its token; the client reconnects with a fresh one.
          const lifetime = Math.min(Math.max(0, claims.expiresAt.getTime() - Date.now()), MAX_TIMER_MS);
          s.expiryTimer = setTimeout(() => ctx.extra.socket.close(CloseCode.Forbidden, 'Token expired'), lifetime);
          s.expiryTimer.unref();
          return true;
        } catch {
          return false;
        }
      },
      onClose: (ctx) => clearTimeout(state.get(ctx.extra.socket)?.expiryTimer),
      onSubscribe: async (ctx, _id, payload) => {
        const s = stateOf(ctx.extra.socket);
        if ((s.operations ?? 0) >= config.ws.maxSubscriptions) {
          return [new GraphQLError(`At most ${config.ws.maxSubscriptions} operations per connection`, { extensions: { code: ErrorCode.RATE_LIMITED } })];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [withCode(err as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
        }
        const errors = validate(schema, document, rules);
        if (errors.length) return errors.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
        s.operations = (s.operations ?? 0) + 1;
        const contextValue = await buildContext(options.contextDeps, {
          token: s.token,
          ip: clientIp(ctx.extra.request, config.trustProxy),
          requestId: randomUUID(),
        });
        return { schema, document, variableValues: payload.variables ?? undefined, operationName: payload.operationName ?? undefined, contextValue };
      },
      onComplete: (ctx) => {
        const s = stateOf(ctx.extra.socket);
        s.operations = Math.max(0, (s.operations ?? 1) - 1);
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
    },
    wss,
    log,
  );

  return {
    get openSockets() {
      return wss.clients.size;
    },
    async close() {
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await disposable.dispose();
      log.debug('WebSocket server closed');
    },
  };
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

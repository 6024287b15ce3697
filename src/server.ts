import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { Logger } from 'pino';
import { AccessTokens, bearerToken } from './auth/access-tokens.js';
import { LoginLimiter } from './auth/login-limiter.js';
import { resolveJwtSecret } from './auth/secret.js';
import { createErrorFormatter } from './common/format-error.js';
import type { Config } from './config.js';
import { buildContext, type Context, type ContextDeps } from './context.js';
import { connectDatabase, type Database } from './db/client.js';
import { applyCors } from './http/cors.js';
import { handleGraphQL } from './http/graphql-handler.js';
import { serveGraphiQL } from './http/graphiql.js';
import { serveHome } from './http/home.js';
import { attachWebSocketServer } from './http/websocket.js';
import { registry, trackInstance } from './observability/metrics.js';
import { operationMetricsPlugin } from './observability/operation-metrics.js';
import { clientIp } from './http/request.js';
import { EventBridge } from './realtime/bridge.js';
import { RealtimeHub } from './realtime/hub.js';
import { buildParleySchema } from './schema/build.js';
import { createServices } from './services.js';

export interface ParleyServer {
  httpServer: http.Server;
  database: Database;
  hub: RealtimeHub;
  bridge: EventBridge;
  /** The `application_name` of this instance's LISTEN connection. */
  listenConnectionName: string;
  /** Resolves with the bound port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * One HTTP server: GraphQL over HTTP and WebSocket on /graphql, GraphiQL, health and metrics
 * endpoints, and a shutdown that closes sockets, the LISTEN bridge and the pool in order.
 */
export async function createParleyServer(options: { config: Config; databaseUrl: string; log: Logger }): Promise<ParleyServer> {
  const { config, log } = options;
  const database = connectDatabase(options.databaseUrl);
  const tokens = new AccessTokens(await resolveJwtSecret(config.jwtSecret, config.dataDir), config.accessTokenTtl);
  const limiter = new LoginLimiter(database.db, config.loginLimits);
  const hub = new RealtimeHub(database.db, log, { typingTimeoutMs: config.typing.timeoutMs });
  const listenConnectionName = `parley-listen-${randomUUID().slice(0, 8)}`;
  const bridge = new EventBridge(options.databaseUrl, { onEvent: (e) => hub.receive(e), onReconnect: () => hub.recover() }, log, listenConnectionName);
  await bridge.start();
  const services = createServices({ db: database.db, tokens, limiter, config, hub });
  const contextDeps: ContextDeps = { db: database.db, tokens, services, log };

  const armor = new ApolloArmor({
    maxDepth: { n: config.limits.depth },
    costLimit: { maxCost: config.limits.cost },
    maxAliases: { n: config.limits.aliases },
    maxDirectives: { n: 20 },
    maxTokens: { n: 2000 },
    // Suggestions ("Did you mean ...?") reveal the schema; keep them for development only.
    blockFieldSuggestion: { enabled: config.isProduction },
  });
  const protection = armor.protect();
  const formatError = createErrorFormatter({ isProduction: config.isProduction, log });
  const schema = await buildParleySchema();
  const apollo = new ApolloServer<Context>({
    schema,
    // Armor's types come from Apollo's CJS build; the plugins are the same at run time.
    plugins: [...(protection.plugins as unknown as ApolloServerPlugin<Context>[]), operationMetricsPlugin<Context>()],
    validationRules: protection.validationRules,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.isProduction,
    introspection: config.introspection,
    // Shutdown is ours (main.ts): server, then database, in that order.
    stopOnTerminationSignals: false,
    // Apollo's own warnings join the JSON log instead of the console.
    logger: log,
    formatError,
  });
  await apollo.start();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // A caller's request id is kept when it is a plain token, so it can be traced across services.
    const given = headerValue(req.headers['x-request-id']);
    const requestId = given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    res.once('finish', () => {
      const entry = { requestId, method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(performance.now() - started) };
      if (url.pathname === '/graphql') log.info(entry, 'request');
      else log.debug(entry, 'request');
    });
    if (applyCors(req, res, config.corsOrigins)) return;
    switch (url.pathname) {
      case '/graphql':
        return handleGraphQL(apollo, req, res, {
          maxBodyBytes: config.maxBodyBytes,
          context: () =>
            buildContext(contextDeps, {
              token: bearerToken(headerValue(req.headers.authorization)),
              ip: clientIp(req, config.trustProxy),
              requestId,
            }),
        });
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz': {
        const checks = await readiness(database, bridge);
        return sendJson(res, checks.ready ? 200 : 503, checks);
      }
      case '/metrics':
        res.setHeader('content-type', registry.contentType);
        return void res.end(await registry.metrics());
      default:
        if (serveGraphiQL(url.pathname, res) || serveHome(url.pathname, res)) return;
        return sendJson(res, 404, { error: 'Not found' });
    }
  };

  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.end();
    });
  });

  const websocket = attachWebSocketServer({
    httpServer,
    schema,
    config,
    tokens,
    contextDeps,
    validationRules: protection.validationRules,
    formatError,
    log,
  });

  const untrack = trackInstance({ openSockets: () => websocket.openSockets, activeSubscriptions: () => hub.stats.subscriptions });

  return {
    httpServer,
    database,
    hub,
    bridge,
    listenConnectionName,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve((httpServer.address() as AddressInfo).port));
      }),
    async close() {
      untrack();
      await websocket.close();
      hub.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeIdleConnections();
      });
      await apollo.stop();
      await bridge.stop();
      await database.close();
    },
  };
}

/** Ready when the database answers and this instance's LISTEN connection is up. */
async function readiness(database: Database, bridge: EventBridge) {
  const db = await Promise.race([
    database.sql`select 1`.then(() => true, () => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
  ]);
  const listen = bridge.connected;
  return { ready: db && listen, database: db ? 'up' : 'down', listen: listen ? 'up' : 'down' };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

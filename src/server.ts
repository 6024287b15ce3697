import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import { bearerToken } from './auth/access-tokens.js';
import { RevocationChannel } from './auth/revocation-channel.js';
import { resolveJwtSecret } from './auth/secret.js';
import { createErrorFormatter } from './common/format-error.js';
import type { Config } from './config.js';
import { buildContext, type Context, type ContextDeps } from './context.js';
import { connectDatabase, type Database } from './db/client.js';
import { setCommitHook } from './db/transaction.js';
import { applyCors } from './http/cors.js';
import { documentLimits } from './http/document-limits.js';
import { handleGraphQL } from './http/graphql-handler.js';
import { serveGraphiQL } from './http/graphiql.js';
import { httpTransportPlugin } from './http/transport-plugin.js';
import { serveHome } from './http/home.js';
import { appPolicy, serveWebApp } from './http/web-app.js';
import { attachWebSocketServer } from './http/websocket.js';
import { trackInstance } from './observability/metrics.js';
import { metricsEndpoint } from './observability/metrics-endpoint.js';
import { operationMetricsPlugin } from './observability/operation-metrics.js';
import { clientIp } from './http/request.js';
import { currentPosition } from './chatlog/read.js';
import { handleFileRequest } from './files/file-routes.js';
import { createFiles, type Files } from './files/files.js';
import type { EventBus } from './realtime/bus/bus.js';
import { startEventBus } from './realtime/bus/create.js';
import { listenConnectionName } from './realtime/bus/postgres.js';
import { RealtimeHub } from './realtime/hub.js';
import { PresenceRuntime } from './realtime/presence.js';
import { buildParleySchema } from './schema/build.js';
import { createAuthDeps, createServices } from './services.js';

export interface ParleyServer {
  httpServer: http.Server;
  database: Database;
  /** The hub's own pool: what deliveries load, and presence. */
  realtimeDatabase: Database;
  /** The chat log's reader: one connection, whose statements keep their generic plans. */
  logDatabase: Database;
  hub: RealtimeHub;
  /** How this instance hears the others (EVENT_BUS): PostgreSQL LISTEN/NOTIFY or NATS. */
  bus: EventBus;
  presence: PresenceRuntime;
  /** Names this instance's database connections: `parley-<role>-<instanceId>` in pg_stat_activity. */
  instanceId: string;
  /** The `application_name` of this instance's LISTEN connection (EVENT_BUS=postgres). */
  listenConnectionName: string;
  /** Resolves with the bound port (useful with port 0). Also opens METRICS_PORT when set. */
  listen(port: number, host?: string): Promise<number>;
  /** The bound metrics port, once listening, when METRICS_PORT is set. */
  readonly metricsPort: number | undefined;
  /** Uploads, attachments and their storage (the sweep can be run from here too). */
  files: Files;
  /**
   * Stops taking work and drains: no new connections, sockets closed (1001), requests in
   * flight answered (with `Connection: close`), then the event bus and the pool.
   */
  close(): Promise<void>;
}

/**
 * One HTTP server: GraphQL over HTTP and WebSocket on /graphql, GraphiQL, health and metrics
 * endpoints, and a shutdown that closes sockets, the event bus and the pool in order.
 */
export async function createParleyServer(options: { config: Config; databaseUrl: string; log: Logger }): Promise<ParleyServer> {
  const { config, log } = options;
  const instanceId = randomUUID().slice(0, 8);
  const dbLimits = { statementTimeoutMs: config.db.statementTimeoutMs, idleInTransactionTimeoutMs: config.db.idleInTransactionTimeoutMs };
  const database = connectDatabase(options.databaseUrl, { ...dbLimits, applicationName: `parley-pool-${instanceId}` });
  const jwtSecret = await resolveJwtSecret(config.jwtSecret, config.dataDir);
  const { revoked, tokens, limits, passwords } = createAuthDeps(database.db, config, jwtSecret);
  // Links to files name this server as clients reach it: PUBLIC_URL, or the address it listens on.
  let listeningAt = `http://localhost:${config.port}`;
  const files = createFiles({ db: database.db, config, limits, secret: jwtSecret, baseUrl: () => config.files.publicUrl ?? listeningAt, log });
  // The log follower, its deliveries and presence have connections of their own: they never queue behind requests.
  const realtimeDatabase = connectDatabase(options.databaseUrl, { ...dbLimits, max: 4, applicationName: `parley-realtime-${instanceId}` });
  // The log's reads run one after another, after every wake-up. Left to choose, PostgreSQL would
  // plan each afresh (a plan for unknown positions looks dear), which costs it several times the
  // read itself; the generic plan is the one they need (tests/log-read-plan.test.ts).
  const logDatabase = connectDatabase(options.databaseUrl, { ...dbLimits, max: 1, applicationName: `parley-log-${instanceId}`, genericPlans: true });
  const closeDatabases = () => Promise.all([logDatabase, realtimeDatabase, database].map((d) => d.close()));
  const bus = await startEventBus(config.bus, { databaseUrl: options.databaseUrl, db: database.db, log, instanceId }).catch(async (err: unknown) => {
    await closeDatabases();
    throw err;
  });
  const hub = new RealtimeHub(realtimeDatabase.db, bus, log, {
    typingTimeoutMs: config.typing.timeoutMs,
    reactionIntervalMs: config.reactionUpdateIntervalMs,
    sweepMs: config.bus.sweepMs,
    stallMs: config.logStallMs,
  });
  // Presence writes its leases on the realtime connections, announcing changes on the bus.
  setCommitHook(realtimeDatabase.db, bus.commitHook);
  const presence = new PresenceRuntime({ db: realtimeDatabase.db, instanceId, config: config.presence, log });
  hub.attach(presence.fanout);
  bus.on('presence', (data) => presence.receive(data));
  bus.onReconnect((lostAt) => presence.resync(lostAt));
  // The bus hears first, then the hub joins the log "now": a change committed in between is read either way.
  hub.start(await currentPosition(database.db), logDatabase.db);
  presence.start();
  const revocations = new RevocationChannel(bus, database.db, revoked, log, instanceId, { sweepMs: config.bus.sweepMs });
  await revocations.start();
  const services = createServices({ db: database.db, tokens, revoked, limits, passwords, config, hub, presence, propagation: revocations, files, bus });
  files.start();
  const contextDeps: ContextDeps = { db: database.db, tokens, services, log };
  const appPage = appPolicy(config.files);

  const documents = documentLimits(config);
  const metricsAccess = metricsEndpoint(config);
  const formatError = createErrorFormatter({ isProduction: config.isProduction, log });
  const schema = await buildParleySchema();
  const apollo = new ApolloServer<Context>({
    schema,
    // No cache hints are set: without this, Apollo's cache-control plugin wraps every field's
    // resolver to read them, a cost on each of a history page's hundreds of fields.
    plugins: [operationMetricsPlugin<Context>(), httpTransportPlugin<Context>(), ApolloServerPluginCacheControlDisabled()],
    parseOptions: documents.parseOptions,
    validationRules: documents.validationRules,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    // Introspection is refused by the shared validation rules (both transports) when disabled.
    introspection: true,
    // Shutdown is ours (main.ts): server, then database, in that order.
    stopOnTerminationSignals: false,
    // Apollo's own warnings join the JSON log instead of the console.
    logger: log,
    formatError,
  });
  await apollo.start();

  let draining = false;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // A caller's request id is kept when it is a plain token, so it can be traced across services.
    const given = headerValue(req.headers['x-request-id']);
    const requestId = given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    // While draining, each connection closes after its answer, so clients reconnect elsewhere.
    if (draining) res.setHeader('connection', 'close');
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
              userAgent: headerValue(req.headers['user-agent']),
              requestId,
            }),
        });
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz': {
        const checks = await readiness(database, bus, hub);
        return sendJson(res, checks.ready ? 200 : 503, checks);
      }
      case '/metrics':
        if (metricsAccess.onMainPort) return metricsAccess.serve(req, res);
        return sendJson(res, 404, { error: 'Not found' });
      default:
        if (await handleFileRequest(files, url, req, res)) return;
        if (serveGraphiQL(url.pathname, res) || serveHome(url.pathname, res) || (await serveWebApp(url.pathname, res, { policy: appPage }))) return;
        return sendJson(res, 404, { error: 'Not found' });
    }
  };

  const guarded =
    (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) => (req: IncomingMessage, res: ServerResponse) => {
      handler(req, res).catch((err: unknown) => {
        log.error({ err }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
        else res.end();
      });
    };
  const httpServer = http.createServer(guarded(handle));
  // A balancer that keeps its connections to Parley open longer than Parley does may send a
  // request on one just as Parley closes it, and fail it: HTTP_KEEP_ALIVE_MS must outlast its
  // idle timeout. (headersTimeout counts from a request's first byte, not from the idle wait.)
  httpServer.keepAliveTimeout = config.httpKeepAliveMs;
  // METRICS_PORT: a listener of its own that answers /metrics and nothing else.
  const metricsServer =
    config.metrics.port === undefined
      ? undefined
      : http.createServer(
          guarded(async (req, res) => {
            if (new URL(req.url ?? '/', 'http://localhost').pathname === '/metrics') return metricsAccess.serve(req, res);
            sendJson(res, 404, { error: 'Not found' });
          }),
        );

  const websocket = attachWebSocketServer({
    httpServer,
    schema,
    config,
    tokens,
    revoked,
    contextDeps,
    limits: documents,
    formatError,
    log,
    userSockets: presence.sockets,
  });

  const untrack = trackInstance({
    openSockets: () => websocket.openSockets,
    activeSubscriptions: () => hub.stats.subscriptions,
    messagesWaiting: () => services.messages.waiting,
  });

  return {
    httpServer,
    database,
    realtimeDatabase,
    logDatabase,
    hub,
    bus,
    presence,
    instanceId,
    listenConnectionName: listenConnectionName(instanceId),
    async listen(port, host) {
      if (metricsServer) await listenOn(metricsServer, config.metrics.port!, host);
      const bound = await listenOn(httpServer, port, host);
      const named = host && host !== '0.0.0.0' && host !== '::' ? host : 'localhost';
      listeningAt = `http://${named.includes(':') ? `[${named}]` : named}:${bound}`;
      return bound;
    },
    files,
    get metricsPort() {
      return metricsServer?.listening ? (metricsServer.address() as AddressInfo).port : undefined;
    },
    async close() {
      untrack();
      draining = true;
      const closed = Promise.all([httpServer, metricsServer].map((s) => (s?.listening ? new Promise<void>((resolve) => s.close(() => resolve())) : undefined)));
      httpServer.closeIdleConnections();
      metricsServer?.closeIdleConnections();
      await websocket.close();
      // The sockets just closed start their grace period: clients reconnecting elsewhere stay online.
      await presence.stop();
      hub.close();
      await closed;
      await apollo.stop();
      revocations.stop();
      await bus.stop();
      await files.stop();
      await closeDatabases();
    },
  };
}

/** Ready when the database answers, this instance hears the event bus and its reading of the log goes on. */
async function readiness(database: Database, bus: EventBus, hub: RealtimeHub) {
  const db = await Promise.race([
    database.sql`select 1`.then(() => true, () => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
  ]);
  const listen = bus.connected;
  const stalled = hub.stalled;
  return { ready: db && listen && !stalled, database: db ? 'up' : 'down', bus: bus.kind, listen: listen ? 'up' : 'down', log: stalled ? 'stalled' : 'up' };
}

function listenOn(server: http.Server, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

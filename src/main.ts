import type { Logger } from 'pino';
import { logSafeError } from './common/log-safe-error.js';
import { databaseFailure, listenFailure, startupMessage, StartupError } from './common/startup-error.js';
import { loadConfig } from './config.js';
import { isDriverPatched } from './db/driver-patch.js';
import { runMigrations } from './db/migrate.js';
import { provisionConfiguredDatabase, type ProvisionedDatabase } from './db/provision.js';
import { loadEnvFile } from './env-file.js';
import { createLogger } from './logger.js';
import { createParleyServer, type ParleyServer } from './server.js';

// Until the configuration names a level, and for failures before it does.
let log: Logger = createLogger('info');
let database: ProvisionedDatabase | undefined;
let server: ParleyServer | undefined;

/**
 * The last resort: an error nothing handled leaves the process in an unknown state, so it is
 * logged on one line and the process exits non-zero at once, for a supervisor to restart it.
 * Every expected failure (a lost database connection included) is handled where it happens.
 */
function exitOnUnhandled(kind: string) {
  return (err: unknown) => {
    try {
      log.fatal({ err: logSafeError(err) }, `${kind}; exiting`);
    } finally {
      process.exit(1);
    }
  };
}
process.on('uncaughtException', exitOnUnhandled('uncaught exception'));
process.on('unhandledRejection', exitOnUnhandled('unhandled rejection'));

async function main() {
  const envFile = loadEnvFile();
  const config = loadConfig();
  log = createLogger(config.logLevel);
  if (envFile) log.info(`Read settings from ${envFile} (the environment wins over it)`);
  if (!isDriverPatched()) {
    log.error('postgres.js is missing the patch in patches/ (run `npm install`): a database connection lost mid-query can crash this process');
  }

  let stopping = false;
  // A second signal (a terminal's Ctrl-C reaches npm and node both) changes nothing: the drain
  // is already bounded by SHUTDOWN_TIMEOUT_MS.
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, shutting down`);
    setTimeout(() => {
      log.error(`Shutdown did not finish within ${config.shutdownTimeoutMs} ms; exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    let code = 0;
    try {
      await server?.close();
    } catch (err) {
      log.error({ err }, 'error while stopping the server');
      code = 1;
    }
    try {
      await database?.stop();
    } catch (err) {
      log.error({ err }, 'error while stopping the database');
      code = 1;
    }
    if (code === 0) log.info('Stopped cleanly');
    process.exit(code);
  };
  // SIGHUP: the terminal closed. The embedded PostgreSQL, in its own process group, is ours to stop.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));

  database = await provisionConfiguredDatabase(config, log);
  if (database.notice) log.info(database.notice);
  log.info(`Database: ${database.description}`);

  const { url, description } = database;
  await runMigrations(url).catch((err: unknown) => {
    throw databaseFailure(err, description);
  });
  log.info('Migrations applied');
  server = await createParleyServer({ config, databaseUrl: url, log });
  const port = await server.listen(config.port, config.host).catch((err: unknown) => {
    throw listenFailure(err, config.port, config.host);
  });
  log.info(`Parley GraphQL API listening on http://localhost:${port}/graphql (subscriptions: ws://localhost:${port}/graphql)`);
  if (server.metricsPort !== undefined) log.info(`Metrics: http://localhost:${server.metricsPort}/metrics`);
  log.info(`GraphiQL explorer: http://localhost:${port}/graphiql`);
  if (config.isProduction && !config.files.publicUrl) {
    log.warn(`PUBLIC_URL is not set: upload and file links name http://localhost:${port}, which clients elsewhere cannot reach`);
  }
}

main().catch(async (err: unknown) => {
  // One line that says what is wrong and what to do; the details only for those who ask.
  log.fatal(startupMessage(err));
  if (!(err instanceof StartupError)) log.debug({ err: logSafeError(err) }, 'Start-up failure details');
  await server?.close().catch(() => {});
  await database?.stop().catch(() => {});
  process.exit(1);
});

import type { Logger } from 'pino';
import { logSafeError } from './common/log-safe-error.js';
import { ConfigError, loadConfig } from './config.js';
import { isDriverPatched } from './db/driver-patch.js';
import { runMigrations } from './db/migrate.js';
import { provisionConfiguredDatabase } from './db/provision.js';
import { createLogger } from './logger.js';
import { createParleyServer } from './server.js';

let log: Logger | undefined;

/**
 * The last resort: an error nothing handled leaves the process in an unknown state, so it is
 * logged on one line and the process exits non-zero at once, for a supervisor to restart it.
 * Every expected failure (a lost database connection included) is handled where it happens.
 */
function exitOnUnhandled(kind: string) {
  return (err: unknown) => {
    try {
      if (log) log.fatal({ err: logSafeError(err) }, `${kind}; exiting`);
      else console.error(`${kind}; exiting:`, err);
    } finally {
      process.exit(1);
    }
  };
}
process.on('uncaughtException', exitOnUnhandled('uncaught exception'));
process.on('unhandledRejection', exitOnUnhandled('unhandled rejection'));

async function main() {
  const config = loadConfig();
  log = createLogger(config.logLevel);
  if (!isDriverPatched()) {
    log.error('postgres.js is missing the patch in patches/ (run `npm install`): a database connection lost mid-query can crash this process');
  }
  const database = await provisionConfiguredDatabase(config, log);
  log.info(`Database: ${database.description}`);

  let server: Awaited<ReturnType<typeof createParleyServer>> | undefined;
  let stopping = false;
  // A second signal (a terminal's Ctrl-C reaches npm and node both) changes nothing: the drain
  // is already bounded by SHUTDOWN_TIMEOUT_MS.
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const logger = log!;
    logger.info(`${signal} received, shutting down`);
    setTimeout(() => {
      logger.error(`Shutdown did not finish within ${config.shutdownTimeoutMs} ms; exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    let code = 0;
    try {
      await server?.close();
    } catch (err) {
      logger.error({ err }, 'error while stopping the server');
      code = 1;
    }
    try {
      await database.stop();
    } catch (err) {
      logger.error({ err }, 'error while stopping the database');
      code = 1;
    }
    if (code === 0) logger.info('Stopped cleanly');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await runMigrations(database.url);
  log.info('Migrations applied');
  server = await createParleyServer({ config, databaseUrl: database.url, log });
  const port = await server.listen(config.port, config.host);
  log.info(`Parley GraphQL API listening on http://localhost:${port}/graphql (subscriptions: ws://localhost:${port}/graphql)`);
  if (server.metricsPort !== undefined) log.info(`Metrics: http://localhost:${server.metricsPort}/metrics`);
  log.info(`GraphiQL explorer: http://localhost:${port}/graphiql`);
  if (config.isProduction && !config.files.publicUrl) {
    log.warn(`PUBLIC_URL is not set: upload and file links name http://localhost:${port}, which clients elsewhere cannot reach`);
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('Parley failed to start:', err);
  process.exit(1);
});

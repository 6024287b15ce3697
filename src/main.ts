import type { Logger } from 'pino';
import { databaseFailure, listenFailure, startupMessage, StartupError } from './common/startup-error.js';
import { loadConfig } from './config.js';
import { runMigrations } from './db/migrate.js';
import { provisionConfiguredDatabase, type ProvisionedDatabase } from './db/provision.js';
import { loadEnvFile } from './env-file.js';
import { createLogger } from './logger.js';
import { createParleyServer, type ParleyServer } from './server.js';

// Until the configuration names a level, and for failures before it does.
let log: Logger = createLogger('info');
let database: ProvisionedDatabase | undefined;
let server: ParleyServer | undefined;

async function main() {
  const envFile = loadEnvFile();
  const config = loadConfig();
  log = createLogger(config.logLevel);
  if (envFile) log.info(`Read settings from ${envFile} (the environment wins over it)`);
  // A crash after start-up is still one JSON line in the log, then a clean exit code.
  process.on('uncaughtException', (err) => crash(err, 'Uncaught exception'));
  process.on('unhandledRejection', (err) => crash(err, 'Unhandled rejection'));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, shutting down`);
    try {
      await server?.close();
    } finally {
      await database?.stop();
      log.info('Stopped cleanly');
      process.exit(0);
    }
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
  log.info(`GraphiQL explorer: http://localhost:${port}/graphiql`);
}

function crash(err: unknown, what: string) {
  log.fatal({ err }, `${what}: stopping`);
  process.exit(1);
}

main().catch(async (err: unknown) => {
  // One line that says what is wrong and what to do; the details only for those who ask.
  log.fatal(startupMessage(err));
  if (!(err instanceof StartupError)) log.debug({ err }, 'Start-up failure details');
  await server?.close().catch(() => {});
  await database?.stop().catch(() => {});
  process.exit(1);
});

import { ConfigError, loadConfig } from './config.js';
import { runMigrations } from './db/migrate.js';
import { provisionConfiguredDatabase } from './db/provision.js';
import { createLogger } from './logger.js';
import { createParleyServer } from './server.js';

async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const database = await provisionConfiguredDatabase(config, log);
  log.info(`Database: ${database.description}`);

  let server: Awaited<ReturnType<typeof createParleyServer>> | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, shutting down`);
    try {
      await server?.close();
    } finally {
      await database.stop();
      log.info('Stopped cleanly');
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await runMigrations(database.url);
  log.info('Migrations applied');
  server = await createParleyServer({ config, databaseUrl: database.url, log });
  const port = await server.listen(config.port, config.host);
  log.info(`Parley GraphQL API listening on http://localhost:${port}/graphql (subscriptions: ws://localhost:${port}/graphql)`);
  log.info(`GraphiQL explorer: http://localhost:${port}/graphiql`);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('Parley failed to start:', err);
  process.exit(1);
});

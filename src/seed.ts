// Services share types with the GraphQL layer, whose decorators need the metadata API.
import 'reflect-metadata';
import { resolveJwtSecret } from './auth/secret.js';
import { StartupError, oneLine } from './common/startup-error.js';
import { loadConfig } from './config.js';
import { connectDatabase } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { provisionConfiguredDatabase, type ProvisionedDatabase } from './db/provision.js';
import { loadEnvFile } from './env-file.js';
import { createLogger } from './logger.js';
import { seedDemoData } from './seed/demo-data.js';
import { createAuthDeps, createDataServices } from './services.js';

/** `npm run seed`: demo users, contacts, chats and history, in the database `npm start` uses. */
async function main() {
  loadEnvFile();
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  // An embedded PostgreSQL runs in its own process group: Ctrl-C reaches only us, so stop it here.
  let database: ProvisionedDatabase | undefined;
  const interrupted = async () => {
    await database?.stop();
    process.exit(130);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void interrupted());
  database = await provisionConfiguredDatabase(config, log);
  try {
    await runMigrations(database.url);
    const connection = connectDatabase(database.url, { max: 2 });
    try {
      const auth = createAuthDeps(connection.db, config, await resolveJwtSecret(config.jwtSecret, config.dataDir));
      const services = createDataServices({ db: connection.db, ...auth, config });
      const result = await seedDemoData(connection.db, services);
      console.log(result.created ? `Demo data added to ${database.description}.` : `Demo data already present in ${database.description}; nothing changed.`);
      console.log(`\nLog in as any of these, password "${result.password}":`);
      for (const user of result.users) console.log(`  ${user.email.padEnd(24)} ${user.name}`);
      console.log(`\nWith the server running (npm start), open the explorer: http://localhost:${config.port}/graphiql`);
    } finally {
      await connection.close();
    }
  } finally {
    await database.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof StartupError ? err.message : `Seeding failed: ${oneLine(err)}`);
  process.exit(1);
});

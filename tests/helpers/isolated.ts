import { inject } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { createScratchDatabase } from './scratch-database.js';
import { startServer, type ConfigOverrides, type TestServer } from './server.js';

/**
 * A server on a database of its own, for what acts on every row of a table (a sweep with a
 * short age would otherwise take other tests' rows).
 */
export async function isolatedServer(overrides: ConfigOverrides): Promise<{ srv: TestServer; db: Database; url: string; stop(): Promise<void> }> {
  const scratch = await createScratchDatabase(inject('databaseUrl'), 'parley_isolated');
  await runMigrations(scratch.url);
  const srv = await startServer(overrides, scratch.url);
  const db = connectDatabase(scratch.url, { max: 2 });
  return {
    srv,
    db,
    url: scratch.url,
    async stop() {
      await srv.stop();
      await db.close();
      await scratch.drop();
    },
  };
}

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../../src/db/migrate.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { freePort } from './free-port.js';
import { createScratchDatabase } from './scratch-database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One database for the whole run: a fresh database on DATABASE_URL's server when it is set,
 * otherwise a throwaway embedded PostgreSQL. Tests never share rows: each makes its own users.
 */
export default async function setup(project: TestProject) {
  const given = process.env.DATABASE_URL;
  let url: string;
  let teardown: () => Promise<void>;
  if (given) {
    const scratch = await createScratchDatabase(given, 'parley_test');
    url = scratch.url;
    teardown = scratch.drop;
  } else {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-test-'));
    await fs.chmod(dir, 0o755);
    const embedded = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort() });
    url = embedded.url;
    teardown = async () => {
      await embedded.stop();
      await fs.rm(dir, { recursive: true, force: true });
      // Under a private TMPDIR the cluster lived elsewhere (see src/db/embedded/placement.ts).
      if (embedded.relocated?.linkedFrom) await fs.rm(path.dirname(embedded.dataDir), { recursive: true, force: true });
    };
  }
  await runMigrations(url);
  project.provide('databaseUrl', url);
  return teardown;
}

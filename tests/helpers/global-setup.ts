import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../../src/db/migrate.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { freePort } from './free-port.js';

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
    const name = `parley_test_${randomBytes(4).toString('hex')}`;
    const admin = postgres(given, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const u = new URL(given);
    u.pathname = `/${name}`;
    url = u.toString();
    teardown = async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
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

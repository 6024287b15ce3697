import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { runMigrations } from '../../src/db/migrate.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { redactUrl } from '../../src/db/provision.js';
import { createScratchDatabase } from '../../tests/helpers/scratch-database.js';
import { freePort } from '../../tests/helpers/free-port.js';

export interface BenchDatabase {
  url: string;
  description: string;
  serverVersion: string;
  drop(): Promise<void>;
}

/**
 * A database of the run's own, migrated, with the floors' table: a scratch database on
 * DATABASE_URL's server when set (dropped afterwards), otherwise an embedded PostgreSQL in a
 * temporary folder.
 */
export async function prepareDatabase(): Promise<BenchDatabase> {
  const given = process.env.DATABASE_URL;
  let url: string;
  let drop: () => Promise<void>;
  let description: string;
  if (given) {
    const scratch = await createScratchDatabase(given, 'parley_bench');
    url = scratch.url;
    drop = scratch.drop;
    description = `scratch database ${scratch.name} on ${redactUrl(given)}`;
  } else {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-bench-'));
    await fs.chmod(dir, 0o755);
    const port = await freePort();
    const embedded = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port });
    url = embedded.url;
    description = `embedded PostgreSQL on 127.0.0.1:${port}`;
    drop = async () => {
      await embedded.stop();
      await fs.rm(dir, { recursive: true, force: true });
    };
  }
  await runMigrations(url);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // The floors write here: a table shaped like messages, with its (chat_id, id) index.
    await sql.unsafe(`
      create table if not exists bench_floor_messages (
        id bigserial primary key,
        chat_id integer not null,
        sender_id integer not null,
        content text not null,
        sent_at timestamptz not null default now());
      create index if not exists bench_floor_messages_chat on bench_floor_messages (chat_id, id);`);
    const [version] = await sql<{ server_version: string }[]>`show server_version`;
    return { url, description, serverVersion: version!.server_version, drop };
  } finally {
    await sql.end();
  }
}

/** pgbench from PATH or a PostgreSQL installation, if there is one. */
export function findPgbench(): string | undefined {
  const candidates = ['pgbench'];
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const v of readdirSync(root).sort().reverse()) candidates.push(path.join(root, v, 'bin', 'pgbench'));
  }
  for (const c of candidates) {
    try {
      execFileSync(c, ['--version'], { stdio: 'ignore' });
      return c;
    } catch {
      // not this one
    }
  }
  return undefined;
}

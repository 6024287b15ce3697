import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { StartupError } from '../../common/startup-error.js';
import type { PostgresBinaries } from './binaries.js';
import type { OsUser } from './os-user.js';

export interface ClusterOptions {
  binaries: PostgresBinaries;
  /** The cluster's directory (PGDATA). */
  dir: string;
  port: number;
  /** Who runs PostgreSQL when it is not this process's user (root). */
  user?: OsUser;
  onLog: (line: string) => void;
}

/** Messages in English whatever the machine's language: start-up waits for a known sentence. */
const ENGLISH = { LC_MESSAGES: 'C' };
const READY = 'database system is ready to accept connections';

/**
 * Creates the cluster with one superuser whose password is `password`. The password reaches
 * initdb through a file only that user may read, deleted right after.
 */
export async function initCluster(options: ClusterOptions, superuser: string, password: string): Promise<void> {
  const { dir, user } = options;
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(path.dirname(dir), `.pg-password-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    if (user) {
      await fs.chown(dir, user.uid, user.gid);
      await fs.chown(passwordFile, user.uid, user.gid);
    }
    const args = [`--pgdata=${dir}`, `--username=${superuser}`, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--lc-messages=C', ...unicodeFlags()];
    const initdb = launch(options, options.binaries.initdb, args);
    const code = await new Promise<number | null>((resolve, reject) => {
      initdb.child.once('error', reject);
      initdb.child.once('close', resolve);
    }).catch((err: Error) => {
      throw new StartupError(`The embedded PostgreSQL could not be set up: ${err.message}`);
    });
    if (code !== 0) throw new StartupError(`The embedded PostgreSQL could not be set up in ${dir}: ${initdb.lastWords()}`);
  } finally {
    await fs.rm(passwordFile, { force: true });
  }
}

/**
 * A new cluster takes its character classes from the environment, and without a UTF-8 locale
 * there (LANG unset, as in many containers) text in other scripts would neither fold case nor
 * be searchable (src/search). Then an installed UTF-8 locale is asked for character classes,
 * sorting staying bytewise (C).
 */
function unicodeFlags(): string[] {
  const env = process.env.LC_ALL || process.env.LC_CTYPE || process.env.LANG || '';
  if (/utf-?8/i.test(env)) return ['--encoding=UTF8'];
  let installed: string[] = [];
  try {
    installed = execFileSync('locale', ['-a'], { encoding: 'utf8' }).split(/\r?\n/);
  } catch {
    // No `locale` (Windows): the platform's default stands.
  }
  const utf8 = [/^C\.utf-?8$/i, /^en_US\.utf-?8$/i, /\.utf-?8$/i].map((re) => installed.find((l) => re.test(l))).find(Boolean);
  return utf8 ? ['--encoding=UTF8', `--lc-ctype=${utf8}`, '--lc-collate=C'] : ['--encoding=UTF8'];
}

export interface RunningCluster {
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL on 127.0.0.1 and resolves once it accepts connections. It runs in its own
 * process group, so a Ctrl-C in the terminal reaches Parley, which stops it after the server has
 * drained; should Parley exit any other way, the exit hook stops it.
 */
export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const args = ['-D', options.dir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1'];
  // (On Windows a detached process gets a console window of its own, and Ctrl-C works differently.)
  const postgres = launch(options, options.binaries.postgres, args, { detached: process.platform !== 'win32' });
  const { child } = postgres;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopOnExit = () => child.kill('SIGINT');
  process.once('exit', stopOnExit);
  void exited.then(() => process.off('exit', stopOnExit));
  await new Promise<void>((resolve, reject) => {
    postgres.onLine((line) => line.includes(READY) && resolve());
    child.once('error', (err) => reject(new StartupError(`The embedded PostgreSQL could not be started: ${err.message}`)));
    void exited.then(() =>
      reject(
        new StartupError(
          `The embedded PostgreSQL did not start on port ${options.port} (is the port taken? set EMBEDDED_PG_PORT): ${postgres.lastWords()}`,
        ),
      ),
    );
  });
  return {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGINT is PostgreSQL's "fast" shutdown: sessions end, data is flushed.
      child.kill('SIGINT');
      await exited;
    },
  };
}

/** Spawns a PostgreSQL program (as `user` when given), from `/`, with its output line by line to `onLog`. */
function launch(options: ClusterOptions, program: string, args: string[], extra: { detached?: boolean } = {}) {
  const child: ChildProcess = spawn(program, args, {
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    cwd: '/',
    env: { ...process.env, ...ENGLISH },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: extra.detached ?? false,
    windowsHide: true,
  });
  const recent: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  const take = (line: string) => {
    const text = line.trim();
    if (!text) return;
    recent.push(text);
    if (recent.length > 20) recent.shift();
    options.onLog(text);
    for (const listener of listeners) listener(text);
  };
  for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', take);
  return {
    child,
    onLine: (listener: (line: string) => void) => listeners.push(listener),
    /** Its error lines, else its last lines, on one line. */
    lastWords: () => {
      const errors = recent.filter((l) => /\b(FATAL|ERROR|PANIC|error):?/i.test(l));
      return (errors.length ? errors : recent.slice(-3)).join(' / ') || 'no output';
    },
  };
}

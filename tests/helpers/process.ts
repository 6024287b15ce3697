import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** `node --import tsx <script>`, resolvable from any working directory. */
export const tsxCommand = (script: string) => [process.execPath, '--import', TSX, path.join(ROOT, script)];

export const SERVER_COMMAND = tsxCommand('src/main.ts');

/** The environment a newcomer has: the suite's own settings left out, the project's tsconfig wherever it runs. */
export function cleanEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const { DATABASE_URL: _database, NODE_ENV: _env, LOG_LEVEL: _level, TEST: _test, ...rest } = process.env;
  const inherited = Object.fromEntries(Object.entries(rest).filter(([key]) => !key.startsWith('VITEST')));
  const merged: NodeJS.ProcessEnv = { ...inherited, TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json'), ...env };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return merged;
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything written to stdout so far, then everything written to stderr. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the URL of /graphql once the server says it listens. */
  listening: Promise<string>;
  exited: Promise<number | null>;
}

export interface RunOptions {
  /** Added to the environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** What the rest of the environment is: a newcomer's (`cleanEnv`, the default) or this process's minus DATABASE_URL. */
  base?: 'clean' | 'inherited';
  cwd?: string;
  command?: string[];
  detached?: boolean;
}

/** Runs a command (by default the server) and follows its output. */
export function run(options: RunOptions = {}): RunningProcess & { ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const [command, ...args] = options.command ?? SERVER_COMMAND;
  const env = options.base === 'inherited' ? withoutUndefined({ ...inheritedEnv(), ...options.env }) : cleanEnv(options.env);
  const child = spawn(command!, args, { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  // Kept apart, so that a line on one stream is never cut by a chunk of the other.
  const streams = { stdout: '', stderr: '' };
  const output = () => (streams.stderr ? `${streams.stdout}${streams.stdout.endsWith('\n') ? '' : '\n'}${streams.stderr}` : streams.stdout);
  const waiters = new Set<() => void>();
  for (const name of ['stdout', 'stderr'] as const) {
    child[name]!.on('data', (chunk: Buffer) => {
      streams[name] += chunk.toString('utf8');
      for (const check of [...waiters]) check();
    });
  }
  // `exited` waits for the output to end too; `ended` only for the process (a child it left may hold the pipes).
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output());
        if (match) {
          waiters.delete(check);
          resolve(match);
        }
      };
      waiters.add(check);
      check();
      void exited.then((code) => {
        if (!waiters.has(check)) return;
        waiters.delete(check);
        reject(new Error(`exited with ${code ?? child.signalCode} before printing ${pattern}:\n${output()}`));
      });
    });
  const listening = waitFor(/listening on (http:\/\/[^\s"]+)/).then((m) => m[1]!);
  listening.catch(() => {}); // not every run is meant to listen
  return { child, output, waitFor, listening, exited, ended };
}

function withoutUndefined(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  return env;
}

/** Each non-empty output line parsed as JSON; fails naming the first line that is not. */
export function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${line}\n--- whole output ---\n${output}`);
      }
    });
}

/** How a server process is started: the `npm start` command itself, or npm running it. */
export type Launcher = 'node' | 'npm';

export interface ServerProcess {
  child: ChildProcess;
  /** The GraphQL endpoint once the server says it listens. */
  listening: Promise<string>;
  /** Exit code and signal; a crash shows up here. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** Sends `signal` to the process and waits for its exit (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  /** Kills the process and everything it started. */
  kill(): Promise<void>;
}

/**
 * Starts Parley as its own process, the way it runs in production: `node --import tsx
 * src/main.ts` (what `npm start` runs) or `npm start` itself. The environment is the caller's
 * plus `env`; DATABASE_URL is taken from `env` only.
 */
export function startServerProcess(env: Record<string, string>, launcher: Launcher = 'node'): ServerProcess {
  // A process group of its own, so that cleanup reaches whatever it started, even orphans.
  const { child, output, listening, ended } = run({
    env,
    base: 'inherited',
    command: launcher === 'npm' ? npmCommand(['start', '--silent']) : SERVER_COMMAND,
    detached: true,
  });
  return {
    child,
    listening,
    exited: ended,
    output,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await ended;
      clearTimeout(killer);
      return { ...result, ms: Date.now() - started };
    },
    async kill() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
      await ended;
    },
  };
}

/** This process's environment without DATABASE_URL: a child gets a database only when told. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return inherited;
}

/** npm as the running npm (`npm_execpath` under `npm test`), else the one on PATH. */
function npmCommand(args: string[]): string[] {
  const cli = process.env.npm_execpath;
  return cli && /npm-cli\.js$/.test(cli) ? [process.execPath, cli, ...args] : ['npm', ...args];
}

/** The WebSocket URL for an HTTP GraphQL URL. */
export const wsUrlOf = (url: string) => url.replace(/^http/, 'ws');

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

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
  const [command, args] =
    launcher === 'npm'
      ? npmCommand(['start', '--silent'])
      : [process.execPath, ['--import', 'tsx', 'src/main.ts']];
  // A process group of its own, so that cleanup reaches whatever it started, even orphans.
  const child = spawn(command, args, { cwd: ROOT, env: { ...inheritedEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        clearInterval(timer);
        resolve(match[1]!);
      }
    }, 50);
    void exited.then(({ code, signal }) => {
      clearInterval(timer);
      reject(new Error(`exited with ${code ?? signal} before listening:\n${output}`));
    });
  });
  listening.catch(() => {});
  return {
    child,
    listening,
    exited,
    output: () => output,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(killer);
      return { ...result, ms: Date.now() - started };
    },
    async kill() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
      await exited;
    },
  };
}

/** This process's environment without DATABASE_URL: a child gets a database only when told. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return inherited;
}

/** npm as the running npm (`npm_execpath` under `npm test`), else the one on PATH. */
function npmCommand(args: string[]): [string, string[]] {
  const cli = process.env.npm_execpath;
  return cli && /npm-cli\.js$/.test(cli) ? [process.execPath, [cli, ...args]] : ['npm', args];
}

/** The WebSocket URL for an HTTP GraphQL URL. */
export const wsUrlOf = (url: string) => url.replace(/^http/, 'ws');

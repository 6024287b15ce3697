import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * A process's `/proc/<pid>/stat` fields after the command name (which may contain spaces):
 * [1] its parent, [11] and [12] its user and system time, [13] and [14] those of its ended children.
 */
export function statFields(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * CPU seconds a server and the processes it starts have used so far: its own, its children's
 * that still run, and those of children already ended (PostgreSQL's backends, one a connection).
 */
export function treeCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  let seconds = (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  for (const child of childPids(pid)) {
    try {
      seconds += cpuSeconds(child);
    } catch {
      // ended since: its time is among the ended children's from the next reading on
    }
  }
  return seconds;
}

/** The processes `pid` started that still run (Parley's password process, say). */
export function childPids(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/))
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Resident memory of a process, bytes. */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kib) * 1024;
}

/** Cores a set of processes used between `start()` and `stop()`: each a pid, or a reading of CPU seconds (treeCpuSeconds). */
export function cpuMeter(pids: Record<string, number | (() => number)>) {
  const t0 = performance.now();
  const read = (what: number | (() => number)) => (typeof what === 'number' ? cpuSeconds(what) : what());
  const before = Object.fromEntries(Object.entries(pids).map(([k, what]) => [k, read(what)]));
  return () => {
    const wall = (performance.now() - t0) / 1000;
    return Object.fromEntries(Object.entries(pids).map(([k, what]) => [k, Number(((read(what) - before[k]!) / wall).toFixed(2))]));
  };
}

/** A child process running a TypeScript file with node and tsx, answering calls over IPC. */
export interface Agent {
  name: string;
  pid: number;
  child: ChildProcess;
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

/** Every child still running, killed by one exit handler (one each would pass the listener limit). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Options for every process the benchmark starts: a session of its own, which on Linux (with
 * scheduler autogroups) is also a CPU share of its own, so a load generator competes with the
 * server as another user's process would, not within the server's share. Killed when the
 * benchmark exits, however it exits.
 */
export function ownSession(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Starts `file` (relative to the repository) as an agent; see `serve` for the other side. */
export function spawnAgent(name: string, file: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Agent> {
  const child = ownSession(
    spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, file)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
    }),
  );
  let next = 0;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (msg: { id?: number; result?: unknown; error?: string; ready?: boolean }) => {
    if (msg.id === undefined) return;
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error !== undefined) p?.reject(new Error(`${name}: ${msg.error}`));
    else p?.resolve(msg.result);
  });
  child.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`${name} exited (${code ?? signal})`));
    pending.clear();
  });
  const agent: Agent = {
    name,
    pid: child.pid!,
    child,
    call: (method, ...args) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        child.send({ id, method, args });
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(agent));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
  });
}

type Handlers = Record<string, (...args: any[]) => unknown>;

/** The agent's side: answers calls with `handlers`, and says it is ready. */
export function serve(handlers: Handlers): void {
  process.on('message', async (msg: { id: number; method: string; args: unknown[] }) => {
    try {
      const handler = handlers[msg.method];
      if (!handler) throw new Error(`no method ${msg.method}`);
      process.send!({ id: msg.id, result: (await handler(...msg.args)) ?? null });
    } catch (err) {
      process.send!({ id: msg.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

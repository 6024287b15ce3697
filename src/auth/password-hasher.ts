import type { HashOptions } from 'argon2';
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export type HasherRequest =
  | { id: number; op: 'hash'; password: string; options: HashOptions }
  | { id: number; op: 'verify'; hash: string; password: string };
export type HasherReply = { id: number; value: string | boolean } | { id: number; error: string };

interface Pending {
  request: HasherRequest;
  resolve(value: string | boolean): void;
  reject(err: Error): void;
  /** Sent to a process that died before answering: tried once more, on a new one. */
  retried: boolean;
}

const ENTRY = new URL('./password-process.ts', import.meta.url);

/**
 * The process gets a session of its own: where Linux schedules by autogroup, a session is a CPU
 * share of its own, and a nice value only weighs a process against those of its own session. In
 * the server's, the hasher would yield to the server's thread but not to PostgreSQL. (Not on
 * Windows, where a detached process gets a console window of its own.)
 */
const OWN_SESSION = process.platform === 'linux';

/**
 * argon2id in a process of its own, at a lower CPU priority (a higher nice value) than the
 * server. Hashing is CPU-bound for tens of milliseconds a job: on the server's threads it
 * competes on equal terms with the event loop and PostgreSQL, so a login storm slows every
 * delivery; niced, it yields to them and runs on what they leave.
 *
 * The process starts with the server (`warm`), or with the first job after it died, and is
 * shared by every server of this process. While no job is waiting it does not keep the server
 * alive, and it exits when the server does (even killed). A job whose process died is tried
 * once more on a new one: hashing has no effects.
 */
export class PasswordHasher {
  private child: ChildProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly nice: number) {}

  hash(password: string, options: HashOptions): Promise<string> {
    return this.call({ id: this.nextId++, op: 'hash', password, options }) as Promise<string>;
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.call({ id: this.nextId++, op: 'verify', hash, password }) as Promise<boolean>;
  }

  /** Starts the process ahead of the first job (which would otherwise wait for it, ~0.2 s). */
  warm(): void {
    if (!this.child) this.start();
  }

  /** The process id, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Jobs sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  private call(request: HasherRequest): Promise<string | boolean> {
    return new Promise((resolve, reject) => this.send({ request, resolve, reject, retried: false }));
  }

  private send(job: Pending): void {
    const child = this.child ?? this.start();
    this.pending.set(job.request.id, job);
    if (this.pending.size === 1) child.channel?.ref();
    child.send(job.request);
  }

  private start(): ChildProcess {
    const child = fork(ENTRY, [], {
      execArgv: ['--import', import.meta.resolve('tsx')],
      // Not the server's environment: the process needs none of its secrets.
      env: pick(process.env, ['PATH', 'TMPDIR', 'UV_THREADPOOL_SIZE']),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: OWN_SESSION,
    });
    lowerPriority(child.pid!, this.nice);
    child.on('message', (message: HasherReply) => this.answer(message));
    child.on('exit', () => this.lost(child));
    child.on('error', () => this.lost(child));
    child.unref();
    child.channel?.unref();
    this.child = child;
    return child;
  }

  private answer(message: HasherReply): void {
    const job = this.pending.get(message.id);
    if (!job) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.child?.channel?.unref();
    if ('error' in message) job.reject(new Error(message.error));
    else job.resolve(message.value);
  }

  private lost(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = null;
    const jobs = [...this.pending.values()];
    this.pending.clear();
    for (const job of jobs) {
      if (job.retried) job.reject(new Error('The password process ended during the job'));
      else this.send({ ...job, retried: true });
    }
  }
}

/**
 * `nice` below this process's priority: the process's own nice value, and that of its session's
 * autogroup (Linux), which weighs the session's share against every other session's.
 */
function lowerPriority(pid: number, nice: number): void {
  const value = Math.min(19, os.getPriority() + nice);
  try {
    os.setPriority(pid, value);
  } catch {
    // Not allowed here (a container without the capability): it runs at the server's priority.
  }
  // Only in a session of its own: the autogroup is the whole session's.
  if (!OWN_SESSION) return;
  try {
    fs.writeFileSync(`/proc/${pid}/autogroup`, String(value));
  } catch {
    // No autogroups here (a kernel without them): the nice value is all there is.
  }
}

/** The process-wide hasher for a priority (`PASSWORD_NICE`). */
const shared = new Map<number, PasswordHasher>();
export function sharedHasher(nice: number): PasswordHasher {
  let hasher = shared.get(nice);
  if (!hasher) shared.set(nice, (hasher = new PasswordHasher(nice)));
  return hasher;
}

function pick(env: NodeJS.ProcessEnv, names: string[]): NodeJS.ProcessEnv {
  return Object.fromEntries(names.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}

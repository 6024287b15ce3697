import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/free-port.js';
import { gql, uniqueEmail } from './helpers/graphql.js';
import { inheritedEnv, ROOT, startServerProcess } from './helpers/process.js';

/** Runs the server the way a newcomer does: no DATABASE_URL, so an embedded PostgreSQL. */
const start = (env: Record<string, string>) => startServerProcess({ NODE_ENV: 'development', LOG_LEVEL: 'info', ...env });

describe('npm start', () => {
  const children: ChildProcess[] = [];
  let dataDir: string;
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('starts an embedded database, serves GraphQL, shares it with the seed, stops cleanly on SIGTERM, and reuses the data', { timeout: 120_000 }, async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-start-'));
    await fs.chmod(dataDir, 0o755);
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()) };

    const first = start(env);
    children.push(first.child);
    const url = await first.listening;
    expect(first.output()).toContain(`embedded PostgreSQL on 127.0.0.1:${env.EMBEDDED_PG_PORT}`);
    const email = uniqueEmail('restart');
    const reg = await gql(url, `mutation($i: RegisterInput!) { register(input: $i) { user { id } } }`, {
      i: { firstname: 'Re', lastname: 'Start', email, password: 'password-123' },
    });
    expect(reg.errors, JSON.stringify(reg)).toBeUndefined();
    expect(reg.data?.register.user.id, JSON.stringify(reg)).toBeTruthy();

    // `npm run seed` beside the running server shares its embedded database.
    const seed = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/seed.ts'], {
      cwd: ROOT,
      env: { ...inheritedEnv(), NODE_ENV: 'development', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let seedOutput = '';
    seed.stdout!.on('data', (d) => (seedOutput += d));
    seed.stderr!.on('data', (d) => (seedOutput += d));
    expect(await new Promise((resolve) => seed.on('exit', resolve)), seedOutput).toBe(0);
    expect(seedOutput).toContain('already running');
    const demo = await gql(url, `mutation { login(email: "ana@parley.example", password: "parley-demo-123") { user { firstname } } }`);
    expect(demo.data?.login.user.firstname).toBe('Ana');

    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expect(first.output()).toContain('Stopped cleanly');

    const second = start(env);
    children.push(second.child);
    const url2 = await second.listening;
    const login = await gql(url2, `mutation { login(email: "${email}", password: "password-123") { user { id } } }`);
    expect(login.data?.login.user.id).toBe(reg.data!.register.user.id);
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
  });
});


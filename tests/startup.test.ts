import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/free-port.js';
import { gql, uniqueEmail } from './helpers/graphql.js';
import { jsonLines, run, tsxCommand, type RunningProcess } from './helpers/process.js';

describe('npm start', () => {
  const started: RunningProcess[] = [];
  let dataDir: string;
  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });
  /** Runs the way a newcomer does: no DATABASE_URL, so an embedded PostgreSQL. */
  const start = (env: Record<string, string>, command?: string[]) => {
    const p = run({ env, command });
    started.push(p);
    return p;
  };

  it('starts an embedded database, serves GraphQL, shares it with the seed, stops cleanly on SIGTERM, and reuses the data', { timeout: 120_000 }, async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-start-'));
    await fs.chmod(dataDir, 0o755);
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()) };

    const first = start(env);
    const url = await first.listening;
    expect(first.output()).toContain(`embedded PostgreSQL on 127.0.0.1:${env.EMBEDDED_PG_PORT}`);
    const email = uniqueEmail('restart');
    const reg = await gql(url, `mutation($i: RegisterInput!) { register(input: $i) { user { id } } }`, {
      i: { firstname: 'Re', lastname: 'Start', email, password: 'password-123' },
    });
    expect(reg.errors, JSON.stringify(reg)).toBeUndefined();
    expect(reg.data?.register.user.id, JSON.stringify(reg)).toBeTruthy();

    // `npm run seed` beside the running server shares its embedded database.
    const seed = start(env, tsxCommand('src/seed.ts'));
    expect(await seed.exited, seed.output()).toBe(0);
    expect(seed.output()).toContain('already running');
    const demo = await gql(url, `mutation { login(email: "ana@parley.example", password: "parley-demo-123") { user { firstname } } }`);
    expect(demo.data?.login.user.firstname).toBe('Ana');

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(jsonLines(first.output()).map((l) => l.msg)).toContain('Stopped cleanly');

    const second = start(env);
    const url2 = await second.listening;
    const login = await gql(url2, `mutation { login(email: "${email}", password: "password-123") { user { id } } }`);
    expect(login.data?.login.user.id).toBe(reg.data!.register.user.id);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(jsonLines(second.output()).at(-1)?.msg).toBe('Stopped cleanly');
  });
});

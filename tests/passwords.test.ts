import argon2 from 'argon2';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedHasher } from '../src/auth/password-hasher.js';
import { Passwords } from '../src/auth/passwords.js';
import { loadConfig } from '../src/config.js';
import { sessions, users } from '../src/db/schema.js';
import { errorOf, gql, registerUser, type GraphQLResponse } from './helpers/graphql.js';
import { startServer, testDatabase, type TestServer } from './helpers/server.js';

const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }`;
const ME = `{ me { id } }`;

let srv: TestServer;
let db: ReturnType<typeof testDatabase>;
beforeAll(async () => {
  srv = await startServer();
  db = testDatabase();
});
afterAll(async () => {
  await srv?.stop();
  await db?.close();
});

const storedHash = async (id: string) => (await db.db.select({ password: users.password }).from(users).where(eq(users.id, Number(id))))[0]!.password;
/** The argon2 variant and parameters a PHC-encoded hash names. */
const parametersOf = (hash: string) => {
  const [, type, , params] = hash.split('$');
  const named = Object.fromEntries(params!.split(',').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
  return { type, memoryKib: named.m, timeCost: named.t, parallelism: named.p };
};
const current = () => {
  const { memoryKib, timeCost, parallelism } = srv.config.passwords;
  return { type: 'argon2id', memoryKib, timeCost, parallelism };
};
const login = (server: TestServer, email: string, password: string) => gql(server.url, LOGIN, { email, password });

describe('password hashing', () => {
  it('hashes new passwords with argon2id at the configured parameters, at or above OWASP minimum', async () => {
    const u = await registerUser(srv.url);
    expect(srv.config.passwords.memoryKib).toBeGreaterThanOrEqual(19 * 1024);
    expect(srv.config.passwords.timeCost).toBeGreaterThanOrEqual(2);
    expect(parametersOf(await storedHash(u.id))).toEqual(current());
  });

  it('refuses parameters below every one of OWASP minimums, and accepts each of them', () => {
    expect(() => loadConfig({ PASSWORD_MEMORY_KIB: String(19 * 1024), PASSWORD_TIME_COST: '1' })).toThrow(/PASSWORD_MEMORY_KIB.*OWASP/);
    expect(() => loadConfig({ PASSWORD_MEMORY_KIB: String(6 * 1024), PASSWORD_TIME_COST: '10' })).toThrow(/OWASP/);
    for (const [m, t] of [[46, 1], [19, 2], [12, 3], [9, 4], [7, 5]]) {
      expect(loadConfig({ PASSWORD_MEMORY_KIB: String(m! * 1024), PASSWORD_TIME_COST: String(t) }).passwords).toMatchObject({ memoryKib: m! * 1024, timeCost: t });
    }
  });

  it('verifies a hash made with older parameters and replaces it on a successful login only', async () => {
    const u = await registerUser(srv.url);
    // The parameters hashes were made with before: argon2's defaults.
    const old = await argon2.hash(u.password, { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 });
    await db.db.update(users).set({ password: old }).where(eq(users.id, Number(u.id)));

    expect(errorOf(await login(srv, u.email, 'not-the-password'))).toEqual({ code: 'UNAUTHENTICATED', field: undefined });
    expect(await storedHash(u.id)).toBe(old);

    expect((await login(srv, u.email, u.password)).errors).toBeUndefined();
    const upgraded = await storedHash(u.id);
    expect(parametersOf(old)).not.toEqual(current());
    expect(parametersOf(upgraded)).toEqual(current());
    expect(await argon2.verify(upgraded, u.password)).toBe(true);
    // Nothing more to do on the next login; the new hash stays.
    expect((await login(srv, u.email, u.password)).errors).toBeUndefined();
    expect(await storedHash(u.id)).toBe(upgraded);
  });
});

describe('the password queue', () => {
  it('admits `concurrency + maxQueued` callers and refuses the next at once with retryAfter', async () => {
    const passwords = new Passwords({ ...loadConfig({}).passwords, concurrency: 1, maxQueued: 1 });
    const gates: (() => void)[] = [];
    const held = [0, 1].map(() => passwords.admit(() => new Promise<string>((resolve) => gates.push(() => resolve('done')))));
    const refused = await passwords.admit(async () => 'admitted').catch((err: any) => err);
    expect(refused.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.extensions.retryAfter).toBeGreaterThanOrEqual(1);
    gates.forEach((open) => open());
    expect(await Promise.all(held)).toEqual(['done', 'done']);
    // Places are given back, whatever the task did.
    await expect(passwords.admit(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await passwords.admit(async (work) => (await work.verify(await work.hash('a password'), 'a password')).ok)).toBe(true);
  });

  it('answers RATE_LIMITED over HTTP when full, writing nothing for the refused logins', async () => {
    const strict = await startServer({ passwords: { concurrency: 1, maxQueued: 0 } });
    try {
      const u = await registerUser(strict.url);
      const results = await Promise.all(Array.from({ length: 12 }, () => login(strict, u.email, u.password)));
      const refused = results.filter((r) => errorOf(r).code === 'RATE_LIMITED');
      const accepted = results.filter((r) => r.errors === undefined);
      expect(refused.length).toBeGreaterThan(0);
      expect(accepted.length + refused.length).toBe(12);
      for (const r of refused) expect(r.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
      const [row] = await db.db.select({ n: sql<number>`count(*)::int` }).from(sessions).where(eq(sessions.userId, Number(u.id)));
      expect(row!.n).toBe(1 + accepted.length);
      // The queue drains: the next login is served.
      expect((await login(strict, u.email, u.password)).errors).toBeUndefined();
    } finally {
      await strict.stop();
    }
  });

  it('never makes a token-authenticated request wait behind a storm of 16 logins', async () => {
    const [viewer, ...stormers] = await Promise.all(Array.from({ length: 17 }, () => registerUser(srv.url)));
    const ROUNDS = 4;
    let completed = 0;
    const failures: GraphQLResponse[] = [];
    const storm = Promise.all(
      stormers.map(async (u) => {
        for (let i = 0; i < ROUNDS; i++) {
          const res = await login(srv, u.email, u.password);
          completed += 1;
          if (res.errors) failures.push(res);
        }
      }),
    );
    // Once logins are being served, every stormer has one waiting for its turn.
    while (completed === 0) await new Promise((r) => setTimeout(r, 5));
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const me = await gql(srv.url, ME, {}, viewer!.token);
      waits.push(performance.now() - started);
      expect(me.data?.me?.id).toBe(viewer!.id);
    }
    const stillStorming = completed < stormers.length * ROUNDS;
    await storm;
    expect(failures).toEqual([]);
    expect(stillStorming).toBe(true);
    // Each login waits its turn for seconds; `me` needs none of that work. Behind it (unbounded
    // argon2 sharing the thread pool and the cores), these took one to two seconds here.
    expect(Math.max(...waits)).toBeLessThan(1000);
  });
});

describe('the password process', () => {
  const hasher = () => sharedHasher(srv.config.passwords.nice);

  it('hashes in a process of its own, at a lower CPU priority than the server', async () => {
    const u = await registerUser(srv.url);
    expect((await login(srv, u.email, u.password)).errors).toBeUndefined();
    const pid = hasher().pid!;
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid);
    expect(srv.config.passwords.nice).toBeGreaterThan(0);
    const lowered = Math.min(19, os.getPriority(process.pid) + srv.config.passwords.nice);
    expect(os.getPriority(pid)).toBe(lowered);
    // A session of its own, whose autogroup (where Linux has them) carries the lower priority too.
    const sessionOf = (p: number) => Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[3]);
    expect(sessionOf(pid)).toBe(pid);
    expect(sessionOf(pid)).not.toBe(sessionOf(process.pid));
    if (existsSync('/proc/self/autogroup')) expect(readFileSync(`/proc/${pid}/autogroup`, 'utf8')).toMatch(new RegExp(`nice ${lowered}\\b`));
    // None of the server's environment (secrets, database address) but what it needs.
    const environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => kv.slice(0, kv.indexOf('=')));
    expect(Object.keys(process.env).length).toBeGreaterThan(3);
    // (NODE_CHANNEL_*: Node's own, for the IPC channel.)
    expect(environment.filter((name) => !['PATH', 'TMPDIR', 'UV_THREADPOOL_SIZE'].includes(name) && !name.startsWith('NODE_CHANNEL_'))).toEqual([]);
  });

  it('serves every login when the password process is killed in the middle of a hash', async () => {
    const people = await Promise.all(Array.from({ length: 4 }, () => registerUser(srv.url)));
    const logins = Promise.all(people.map((u) => login(srv, u.email, u.password)));
    while (hasher().inFlight === 0) await new Promise((r) => setTimeout(r, 1));
    const killed = hasher().pid!;
    process.kill(killed, 'SIGKILL');
    for (const res of await logins) expect(res.errors).toBeUndefined();
    expect(hasher().pid).not.toBe(killed);
    expect((await login(srv, people[0]!.email, people[0]!.password)).errors).toBeUndefined();
  });

  it('ends when the server process is killed', async () => {
    const script = `import { PasswordHasher } from './src/auth/password-hasher.ts';
      const h = new PasswordHasher(5);
      await h.hash('a password', { type: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
      console.log(h.pid);
      setInterval(() => {}, 1000);`;
    const server = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = Number(await new Promise<string>((resolve) => server.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
    expect(pid).toBeGreaterThan(0);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    server.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(alive()).toBe(false);
  });
});

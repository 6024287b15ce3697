import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from './helpers/free-port.js';
import { gql, registerUser } from './helpers/graphql.js';
import { jsonLines, ROOT, run, type RunningProcess } from './helpers/process.js';
import { rawSocket, until } from './helpers/ws.js';

const started: RunningProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

function start(options: Parameters<typeof run>[0]) {
  const p = run(options);
  started.push(p);
  return p;
}

async function tempDir() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-process-'));
  dirs.push(dir);
  return dir;
}

const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');

describe('the server as the Docker image runs it', () => {
  it('runs node itself as an unprivileged user with a data volume, and compose demands a JWT_SECRET', () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(cmd[0]).toBe('node');
    expect(/^USER (\S+)$/m.exec(dockerfile)?.[1]).not.toMatch(/^(root|0)$/);
    expect(dockerfile).toMatch(/^ENV [\s\S]*DATA_DIR=\/data/m);
    expect(dockerfile).toMatch(/^VOLUME \/data$/m);
    expect(dockerfile).toMatch(/chown node:node \/data/);
    // `${VAR:?message}`: compose refuses to start without it; config.test.ts covers the sample secrets.
    expect(compose).toMatch(/JWT_SECRET: "\$\{JWT_SECRET:\?[^}]+\}"/);
  });

  it('logs only JSON lines (a request, a refused oversized frame, shutdown) and drains on SIGTERM', { timeout: 60_000 }, async () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    const server = start({
      command: [process.execPath, ...cmd.slice(1)],
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: inject('databaseUrl'),
        JWT_SECRET: randomBytes(48).toString('base64'),
        DATA_DIR: await tempDir(),
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        LOG_LEVEL: 'info',
      },
    });
    const url = await server.listening;
    const wsUrl = url.replace(/^http/, 'ws');
    const user = await registerUser(url);

    const oversized = rawSocket(wsUrl);
    await oversized.opened;
    oversized.send({ type: 'connection_init', payload: { authorization: `Bearer ${user.token}` } });
    await until(() => oversized.messages.some((m) => m.type === 'connection_ack'));
    oversized.send({ id: '1', type: 'subscribe', payload: { query: '{ me { id } }', variables: { pad: 'x'.repeat(100_000) } } });
    expect(await oversized.closed, server.output()).toMatchObject({ code: 1009 });

    const open = rawSocket(wsUrl);
    await open.opened;
    open.send({ type: 'connection_init', payload: { authorization: `Bearer ${user.token}` } });
    await until(() => open.messages.some((m) => m.type === 'connection_ack'));
    server.child.kill('SIGTERM');
    const output = server.output;
    expect(await open.closed, output()).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(await server.exited, output()).toBe(0);

    const lines = jsonLines(output());
    const messages = lines.map((l) => l.msg);
    expect(messages, output()).toContain('SIGTERM received, shutting down');
    expect(messages.at(-1), output()).toBe('Stopped cleanly');
    expect(lines.find((l) => l.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'), output()).toMatchObject({ level: 30, msg: 'WebSocket closed: the client sent a frame it may not send' });
    expect(lines.filter((l) => l.path === '/graphql' && l.status === 200).length, output()).toBeGreaterThan(0);
    // Nothing failed, so no error objects, and no stack anywhere.
    expect(lines.filter((l) => 'err' in l || (l.level as number) >= 50), output()).toEqual([]);
    expect(output()).not.toMatch(/\n\s+at /);
  });
});

describe('start-up failures', () => {
  /** Starts the server, expects it to give up, and returns its single fatal line after checking every line is JSON. */
  async function failure(env: Record<string, string>) {
    const server = start({ env: { HOST: '127.0.0.1', DATA_DIR: await tempDir(), ...env } });
    expect(await server.exited).toBe(1);
    const fatal = jsonLines(server.output()).filter((l) => l.level === 60);
    expect(fatal, server.output()).toHaveLength(1);
    expect(server.output()).not.toMatch(/\n\s+at |Error:/);
    return fatal[0]!.msg as string;
  }

  it('a taken port', { timeout: 30_000 }, async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      expect(await failure({ PORT: String(port), DATABASE_URL: inject('databaseUrl') })).toBe(
        `Port ${port} is already in use (127.0.0.1:${port}): stop what is using it, or set PORT to a free port`,
      );
    } finally {
      holder.close();
    }
  });

  it('a database that does not answer, or does not exist', { timeout: 30_000 }, async () => {
    const closed = await freePort();
    expect(await failure({ DATABASE_URL: `postgres://parley:secret@127.0.0.1:${closed}/parley` })).toBe(
      `Cannot use the database postgres://parley:***@127.0.0.1:${closed}/parley: connect ECONNREFUSED 127.0.0.1:${closed}`,
    );
    const missing = new URL(inject('databaseUrl'));
    missing.pathname = '/parley_no_such_database';
    expect(await failure({ DATABASE_URL: missing.toString() })).toMatch(/^Cannot use the database postgres:\/\/.*\/parley_no_such_database: database "parley_no_such_database" does not exist$/);
  });

  it('an invalid setting, and a sample secret in production', { timeout: 30_000 }, async () => {
    expect(await failure({ PORT: 'eighty' })).toMatch(/^Invalid configuration: PORT: /);
    expect(await failure({ NODE_ENV: 'production', DATABASE_URL: inject('databaseUrl'), JWT_SECRET: 'change-me-please-change-me-please-32+' })).toMatch(
      /^JWT_SECRET is a sample value; /,
    );
  });
});

describe('.env', () => {
  it('is read from the working directory, and the real environment wins over it', { timeout: 30_000 }, async () => {
    const dir = await tempDir();
    const [fromFile, fromEnvironment] = [await freePort(), await freePort()];
    await fs.writeFile(
      path.join(dir, '.env'),
      [`# copied from .env.example and edited`, `PORT=${fromFile}`, `HOST=127.0.0.1`, `DATABASE_URL=${inject('databaseUrl')}`, `LOG_LEVEL=debug`, ''].join('\n'),
    );
    const server = start({ cwd: dir, env: { PORT: String(fromEnvironment) } });
    const url = await server.listening;
    expect(new URL(url).port).toBe(String(fromEnvironment));
    expect((await gql(url, '{ __typename }')).data).toEqual({ __typename: 'Query' });
    expect((await fetch(new URL('/healthz', url))).status).toBe(200);
    // LOG_LEVEL=debug came from the file: the health check is logged at debug level.
    await server.waitFor(/"level":20,[^\n]*"path":"\/healthz"/);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const messages = jsonLines(server.output()).map((l) => l.msg);
    expect(messages).toContain(`Read settings from ${path.join(dir, '.env')} (the environment wins over it)`);
    expect(messages.find((m) => String(m).startsWith('Database: '))).toMatch(/^Database: postgres:\/\//);
  });
});

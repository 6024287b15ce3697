import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { afterAll, beforeAll, inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { connectDatabase, type Database } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';
import { createParleyServer, type ParleyServer } from '../../src/server.js';

/** Random per test process: production mode refuses sample secrets, and so should tests that run it. */
export const TEST_JWT_SECRET = randomBytes(36).toString('base64url');

export interface TestServer {
  url: string;
  wsUrl: string;
  port: number;
  server: ParleyServer;
  config: Config;
  stop(): Promise<void>;
}

/** Settings to change for one test server; nested groups (`ws`, `loginLimits`…) merge with the defaults. */
export type ConfigOverrides = { [K in keyof Config]?: Config[K] extends unknown[] ? Config[K] : Config[K] extends object ? Partial<Config[K]> : Config[K] };

/** The configuration every test server starts from: on NATS in the "nats" project (vitest.config.ts). */
export const testConfig = (): Config =>
  loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: path.join(os.tmpdir(), 'parley-test-data'),
    // On NATS, only wake-ups bring entries in time: the sweep (a minute) cannot hide a missing one.
    ...(inject('natsUrl') ? { EVENT_BUS: 'nats', NATS_URL: inject('natsUrl'), EVENT_SWEEP_MS: '60000' } : {}),
  });

/** A real Parley server on a free port, against the run's database; `log` to read what it logs. */
export async function startServer(overrides: ConfigOverrides = {}, databaseUrl = inject('databaseUrl'), log?: Logger): Promise<TestServer> {
  const config = withOverrides(testConfig(), overrides);
  const server = await createParleyServer({
    config,
    databaseUrl,
    log: log ?? createLogger(config.logLevel),
  });
  const port = await server.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    port,
    server,
    config,
    stop: () => server.close(),
  };
}

function withOverrides(base: Config, overrides: ConfigOverrides): Config {
  const isGroup = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] = isGroup(value) && isGroup(current) ? { ...current, ...value } : value;
  }
  return merged as unknown as Config;
}

/** The environment of a production-mode server process (helpers/process.ts) on the run's database. */
export const productionProcessEnv = (env: Record<string, string> = {}): Record<string, string> => ({
  NODE_ENV: 'production',
  DATABASE_URL: inject('databaseUrl'),
  JWT_SECRET: TEST_JWT_SECRET,
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'info',
  ...env,
});

/** A direct connection for assertions about what is (and is not) stored. */
export function testDatabase(): Database {
  return connectDatabase(inject('databaseUrl'), { max: 2 });
}

/**
 * The usual file set-up: one server and one direct database connection for the whole file,
 * started before its tests and stopped after them.
 */
export function useServerAndDatabase(overrides: ConfigOverrides = {}) {
  const env = {} as { srv: TestServer; db: Database };
  beforeAll(async () => {
    env.srv = await startServer(overrides);
    env.db = testDatabase();
  });
  afterAll(async () => {
    await env.srv?.stop();
    await env.db?.close();
  });
  return env;
}

/** A logger configured as in production whose lines (parsed JSON) a test can read. */
export function capturedLogger(level = 'info') {
  const lines: Record<string, any>[] = [];
  const raw: string[] = [];
  const log = createLogger(level, {
    write(line: string) {
      raw.push(line);
      lines.push(JSON.parse(line));
    },
  });
  return { log, lines, raw };
}

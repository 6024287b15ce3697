import { defineConfig } from 'vitest/config';
import { NATS_MISSING, natsServerPath } from './tests/helpers/nats.js';

/** The real-time files run a second time with EVENT_BUS=nats, against a nats-server of the run's own. */
const ON_BOTH_BUSES = ['realtime', 'chatlog', 'sync-exact', 'sync-faults', 'sessions'].map((name) => `tests/${name}.test.ts`);
const nats = natsServerPath();
if (!nats) console.warn(`Skipping the "nats" test project: ${NATS_MISSING}.`);

export default defineConfig({
  // Node loads graphql's CommonJS build for the libraries; tests must share that one instance.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    globalSetup: ['tests/helpers/global-setup.ts'],
    setupFiles: ['reflect-metadata'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'postgres', include: ['tests/**/*.test.ts'] } },
      ...(nats ? [{ extends: true as const, test: { name: 'nats', include: ON_BOTH_BUSES, globalSetup: ['tests/helpers/global-setup.ts', 'tests/helpers/nats-setup.ts'] } }] : []),
    ],
  },
});

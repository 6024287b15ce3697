import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARIABLES, loadConfig } from '../src/config.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://parley@db:5432/parley' };
const loadError = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    return err;
  }
  return undefined;
};

describe('configuration', () => {
  it('refuses the published sample secrets and repetitive ones in production, and accepts a random one', () => {
    for (const secret of ['change-me-please-change-me-please-32+', 'change-me-to-at-least-32-random-characters', 'my-example-jwt-secret-for-production-use']) {
      const err = loadError({ ...production, JWT_SECRET: secret });
      expect(err, secret).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe('JWT_SECRET is a sample value; production needs 32+ random characters (openssl rand -base64 48)');
    }
    expect((loadError({ ...production, JWT_SECRET: 'ab'.repeat(20) }) as Error).message).toMatch(/^JWT_SECRET has too little variety to be random;/);
    expect(loadConfig({ ...production, JWT_SECRET: 'q7T2vX9kLmP4rS8wZ1yB6nC3dF5gH0jK' }).jwtSecret).toBe('q7T2vX9kLmP4rS8wZ1yB6nC3dF5gH0jK');
    // Development keeps working with whatever secret a sample hands out.
    expect(loadConfig({ JWT_SECRET: 'change-me-please-change-me-please-32+' }).isProduction).toBe(false);
  });

  it('requires a secret in production with DATABASE_URL, saying how to make one', () => {
    expect((loadError(production) as Error).message).toMatch(/^JWT_SECRET is required when NODE_ENV=production and DATABASE_URL is set: .*openssl rand/);
  });

  it('lists every invalid setting on one line', () => {
    const err = loadError({ PORT: 'port', DATABASE_URL: 'not a url' }) as Error;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^Invalid configuration: /);
    expect(err.message).toContain('PORT: ');
    expect(err.message).toContain('DATABASE_URL: ');
    expect(err.message).not.toContain('\n');
  });

  it('takes NATS as the event bus only with a NATS_URL, and a sweep interval within bounds', () => {
    expect(loadConfig({}).bus).toEqual({ kind: 'postgres', sweepMs: 1000 });
    expect(loadConfig({ EVENT_BUS: 'nats', NATS_URL: 'nats://n1:4222,nats://n2:4222', EVENT_SWEEP_MS: '250' }).bus).toEqual({
      kind: 'nats',
      natsUrl: 'nats://n1:4222,nats://n2:4222',
      sweepMs: 250,
      startupWaitMs: 15_000,
    });
    expect((loadError({ EVENT_BUS: 'nats' }) as Error).message).toBe('EVENT_BUS=nats needs NATS_URL (for example nats://127.0.0.1:4222)');
    const bad = (loadError({ EVENT_BUS: 'kafka', NATS_URL: 'localhost:4222', EVENT_SWEEP_MS: '0' }) as Error).message;
    for (const name of ['EVENT_BUS', 'NATS_URL', 'EVENT_SWEEP_MS']) expect(bad).toContain(`${name}: `);
  });

  it('bounds how long a read of the log may take before it counts as stalled', () => {
    expect(loadConfig({}).logStallMs).toBe(60_000);
    expect(loadConfig({ LOG_STALL_MS: '5000' }).logStallMs).toBe(5000);
    for (const value of ['999', '0', 'soon']) expect((loadError({ LOG_STALL_MS: value }) as Error).message).toContain('LOG_STALL_MS: ');
  });

  it('reads how many message batches go at once and when one has stalled, and refuses anything but a positive whole number', () => {
    expect(loadConfig({}).messageWrites).toEqual({ batchesAtOnce: 1, stalledMs: 100 });
    expect(loadConfig({ MESSAGE_BATCHES_AT_ONCE: '4', MESSAGE_BATCH_STALL_MS: '250' }).messageWrites).toEqual({ batchesAtOnce: 4, stalledMs: 250 });
    for (const name of ['MESSAGE_BATCHES_AT_ONCE', 'MESSAGE_BATCH_STALL_MS']) {
      for (const value of ['0', '-1', '1.5', 'many']) {
        const err = loadError({ [name]: value });
        expect(err, `${name}=${value}`).toBeInstanceOf(ConfigError);
        expect((err as Error).message).toContain(`${name}: `);
      }
    }
  });

  it("reads the password process's nice increment, 0 to 19, and refuses anything else", () => {
    expect(loadConfig({}).passwords.nice).toBe(10);
    for (const nice of ['0', '19']) expect(loadConfig({ PASSWORD_NICE: nice }).passwords.nice).toBe(Number(nice));
    for (const nice of ['-1', '20', '2.5', 'low']) {
      const err = loadError({ PASSWORD_NICE: nice });
      expect(err, nice).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('PASSWORD_NICE: ');
    }
  });

  it('reads how long start-up waits for NATS, and refuses a negative or fractional wait', () => {
    const nats = { EVENT_BUS: 'nats', NATS_URL: 'nats://127.0.0.1:4222' };
    expect(loadConfig(nats).bus).toEqual({ kind: 'nats', natsUrl: 'nats://127.0.0.1:4222', sweepMs: 1000, startupWaitMs: 15_000 });
    expect(loadConfig({ ...nats, NATS_STARTUP_WAIT_MS: '0' }).bus).toMatchObject({ startupWaitMs: 0 });
    for (const wait of ['-1', '2.5', 'soon']) {
      const err = loadError({ ...nats, NATS_STARTUP_WAIT_MS: wait });
      expect(err, wait).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('NATS_STARTUP_WAIT_MS: ');
    }
  });

  it('reads the presence timings, and refuses a lease too short to be renewed between batches', () => {
    expect(loadConfig({ PRESENCE_GRACE_MS: '5000' }).presence).toEqual({ graceMs: 5000, leaseMs: 30_000, flushMs: 1000, coalesceMs: 3000 });
    const err = loadError({ PRESENCE_LEASE_MS: '2000', PRESENCE_FLUSH_MS: '1000' });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^PRESENCE_LEASE_MS must be at least 3 × PRESENCE_FLUSH_MS/);
  });

  it('.env.example, copied to .env as it is, is a valid configuration naming only real settings', () => {
    const text = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    expect(() => loadConfig(parseEnv(text))).not.toThrow();
    const named = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(5);
    for (const name of named) expect(ENV_VARIABLES, `${name} in .env.example`).toContain(name);
  });
});

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { isDriverPatched } from '../src/db/driver-patch.js';
import { testDatabase } from './helpers/server.js';

/**
 * postgres.js 3.4.9 crashes the process, runs a dead transaction's statements outside it, or
 * leaves a query pending forever when a connection is lost mid-query;
 * patches/postgres+3.4.9.patch fixes all three. Each scenario runs in a child process, so a
 * crash is an exit code.
 */
const FIXTURE = path.join(import.meta.dirname, 'fixtures/postgres-driver.ts');

async function run(scenario: string, ...args: string[]) {
  const child = await promisify(execFile)(process.execPath, ['--import', 'tsx', FIXTURE, scenario, inject('databaseUrl'), ...args], { timeout: 20_000 }).catch(
    (err: { code?: number; stdout?: string; stderr?: string }) => {
      throw new Error(`${scenario} exited with ${err.code}:\n${err.stdout}${err.stderr}`);
    },
  );
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('the postgres.js patch', () => {
  it('is applied to the driver this project loads', () => {
    expect(isDriverPatched()).toBe(true);
  });

  it('fails a transaction whose backend is terminated, without crashing, and the pool goes on', async () => {
    expect(await run('transaction-backend-terminated')).toEqual({ transaction: 'CONNECTION_CLOSED', next: 1 });
  });

  it('never runs the statements of a lost transaction on the next session', async () => {
    const table = `driver_fault_${randomBytes(4).toString('hex')}`;
    const db = testDatabase();
    await db.sql.unsafe(`create table ${table} (v int)`);
    try {
      expect(await run('transaction-continues-after-loss', table)).toEqual({ transaction: 'CONNECTION_CLOSED', stored: [] });
    } finally {
      await db.sql.unsafe(`drop table ${table}`);
      await db.close();
    }
  });

  it('settles a query handed to a connection between its error and its close', async () => {
    expect(await run('query-between-error-and-close')).toEqual({ busy: { first: 'ECONNRESET', retry: 'CONNECTION_CLOSED' }, idle: 'CONNECTION_CLOSED', next: 1 });
  });

  it("keeps each result's count, command, columns and statement out of its own properties", async () => {
    const db = testDatabase();
    try {
      const rows = await db.sql.unsafe('select n as a from generate_series(1, 2) as n where n > $1', [0], { prepare: true });
      expect(rows).toEqual([{ a: 1 }, { a: 2 }]);
      expect({ count: rows.count, command: rows.command, columns: rows.columns.map((c) => c.name) }).toEqual({ count: 2, command: 'SELECT', columns: ['a'] });
      expect(rows.statement.string).toContain('generate_series');
      // Patched: no property defined on every result (Object.defineProperties, one per query).
      expect(Object.getOwnPropertyNames(rows)).toEqual(['0', '1', 'length']);
      expect(JSON.stringify(rows)).toBe('[{"a":1},{"a":2}]');
      expect(Array.isArray(rows.map((r) => r.a))).toBe(true);
    } finally {
      await db.close();
    }
  });
});

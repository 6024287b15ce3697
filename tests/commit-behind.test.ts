import { spawnSync } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase, type Tx } from '../src/db/client.js';
import { commitBehind, setCommitHook } from '../src/db/transaction.js';

const database = connectDatabase(inject('databaseUrl'), { max: 1 });
const observer = connectDatabase(inject('databaseUrl'), { max: 1 });
const table = `commit_behind_${process.pid}`;
setCommitHook(database.db, { signalsInTransaction: true, notifyIn: async () => undefined, committed: () => undefined });

beforeAll(() => database.sql.unsafe(`create table ${table} (x int not null)`));
afterAll(async () => {
  await database.sql.unsafe(`drop table if exists ${table}`);
  await Promise.all([database.close(), observer.close()]);
});

const insert = (x: number) => sql`insert into ${sql.identifier(table)} (x) values (${x}) returning (pg_current_xact_id()::text) as xid`;
const stored = async () => (await observer.db.execute<{ x: number }>(sql`select x from ${sql.identifier(table)} order by x`)).map((r) => r.x);

describe('commitBehind', () => {
  it('runs the statements, in order, in one transaction, committed when their answers arrive', async () => {
    const [[first], [second]] = await commitBehind(database.db, (tx) => Promise.all([tx.execute<{ xid: string }>(insert(1)), tx.execute<{ xid: string }>(insert(2))]));
    expect(first!.xid).toBe(second!.xid);
    // Seen from another session: committed.
    expect(await stored()).toEqual([1, 2]);
  });

  it('rolls back every statement when one fails, and answers with its error', async () => {
    await observer.db.execute(sql`delete from ${sql.identifier(table)}`);
    const failing = commitBehind(database.db, (tx) => Promise.all([tx.execute(insert(3)), tx.execute(sql`select 1 / 0`), tx.execute(insert(4))]));
    await expect(failing).rejects.toMatchObject({ cause: { code: '22012' } });
    expect(await stored()).toEqual([]);
    // The connection went back to the pool outside any transaction.
    const [row] = await database.db.execute<{ open: boolean }>(sql`select pg_current_xact_id_if_assigned() is not null as open`);
    expect(row!.open).toBe(false);
  });

  it('commits without Parley: the answers need not come back first', { timeout: 30_000 }, async () => {
    await observer.db.execute(sql`delete from ${sql.identifier(table)}`);
    const key = process.pid;
    const statements = (tx: Tx) =>
      Promise.all([tx.execute(sql`select pg_advisory_xact_lock(7, ${key})`), tx.execute(insert(5)), tx.execute(sql`select pg_sleep(0.2)`)]);
    // A statement new to a connection is described before it runs, which stops the pipeline
    // once: these are prepared on the pool's connection now, as a busy server's are.
    await commitBehind(database.db, statements);
    await observer.db.execute(sql`delete from ${sql.identifier(table)}`);
    let pending: Promise<unknown> | undefined;
    await observer.sql.begin(async (hold) => {
      await hold`select pg_advisory_xact_lock(7, ${key})`;
      // Behind the lock: the row, then a pause before the answers can come back.
      pending = commitBehind(database.db, statements);
      await waitFor(async () => (await hold`select 1 from pg_locks where locktype = 'advisory' and objid = ${key} and not granted`).length > 0);
    });
    // The lock is free. This process now stops (a synchronous child) and cannot answer anything
    // or send anything: the row can only be committed if the COMMIT went out with the statements.
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', LOOK_FOR_ROW, inject('databaseUrl'), table], { cwd: process.cwd(), encoding: 'utf8', timeout: 20_000 });
    await pending;
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
  });

  it('sends BEGIN, the statements and COMMIT in one go: one round trip in all', { timeout: 30_000 }, async () => {
    const statements = (tx: Tx) => Promise.all([tx.execute(insert(5))]);
    await commitBehind(database.db, statements);
    await observer.db.execute(sql`delete from ${sql.identifier(table)}`);
    const pending = commitBehind(database.db, statements);
    // The driver writes what the statements queued in the event loop's next check phase (and
    // this callback was queued before its write): then this process stops, before it could
    // read BEGIN's answer (patches/postgres+3.4.9.patch).
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', LOOK_FOR_ROW, inject('databaseUrl'), table], { cwd: process.cwd(), encoding: 'utf8', timeout: 20_000 });
    await pending;
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
  });
});

/** Polls (for 3 s at most) for the row from its own connection; exits 0 once it is there. */
const LOOK_FOR_ROW = `
import postgres from 'postgres';
const [url, table] = process.argv.slice(1);
const sql = postgres(url, { max: 1, onnotice: () => {} });
const until = Date.now() + 3000;
let found = false;
while (!found && Date.now() < until) {
  found = (await sql.unsafe('select 1 from ' + table + ' where x = 5')).length > 0;
  if (!found) await new Promise((r) => setTimeout(r, 20));
}
await sql.end();
process.exit(found ? 0 : 1);
`;

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await condition()); i++) await new Promise((r) => setTimeout(r, 10));
}

import { eq, sql } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../src/db/client.js';
import { users } from '../src/db/schema.js';

const database = connectDatabase(inject('databaseUrl'), { max: 1 });
afterAll(() => database.close());

/** The statements the session of `tx` has prepared (pg_prepared_statements is per session). */
const preparedIn = async (tx: Pick<typeof database.db, 'execute'>) =>
  (await tx.execute<{ statement: string }>(sql`select statement from pg_prepared_statements`)).map((r) => r.statement);

describe('the pool drizzle runs on', () => {
  it('sends every query as a named prepared statement, parsed once per connection', async () => {
    const byId = (id: number) => database.db.select({ id: users.id }).from(users).where(eq(users.id, id));
    await byId(1);
    await byId(2);
    const statements = await database.db.transaction(async (tx) => {
      await tx.select({ id: users.id }).from(users).where(eq(users.id, 3));
      return preparedIn(tx);
    });
    const text = byId(1).toSQL().sql;
    // One statement for the three calls: the pool has one connection, which keeps it by its text.
    expect(statements.filter((s) => s === text)).toHaveLength(1);
  });

  it('counts each statement, and BEGIN and COMMIT for each transaction', async () => {
    const before = database.queryCount;
    await database.db.select({ id: users.id }).from(users).limit(1);
    expect(database.queryCount - before).toBe(1);
    const inside = database.queryCount;
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await tx.execute(sql`select 2`);
    });
    expect(database.queryCount - inside).toBe(4);
    const tagged = database.queryCount;
    await database.sql`select 1`;
    expect(database.queryCount - tagged).toBe(1);
  });
});

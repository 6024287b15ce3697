import type postgres from 'postgres';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readBatchStatement, readBatchWithRowsStatement } from '../src/chatlog/read.js';
import { connectDatabase, type Database } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { planNodes } from './helpers/plan.js';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-database.js';

/**
 * The instance's read of the chat log runs after every wake-up, as a prepared statement whose
 * plan PostgreSQL may make generic: it must reach the log through the (xid, id) index whatever
 * the planner guesses about how many entries wait behind the mark, never by scanning the log.
 */
let scratch: ScratchDatabase;
let database: Database;

beforeAll(async () => {
  scratch = await createScratchDatabase(inject('databaseUrl'), 'parley_log_plan');
  await runMigrations(scratch.url);
  database = connectDatabase(scratch.url, { max: 1 });
  await database.sql`insert into chats (id, name, is_group) select g, 'c' || g, true from generate_series(1, 10) g`;
  // Final entries (their xids are below any running transaction's), as wide as real ones.
  await database.sql`insert into chat_log (chat_id, kind, xid, chat_name, last_activity_at)
    select (g % 10) + 1, 'CHAT_CHANGED', g / 5 + 3, repeat('n', 40), now() from generate_series(1, 5000) g`;
  await database.sql`analyze chat_log`;
}, 60_000);

afterAll(async () => {
  await database?.close();
  await scratch?.drop();
});

/** The generic plan of a statement, and a line that shows it in a failure's message. */
async function genericPlan(query: SQL) {
  const statement = new PgDialect().sqlToQuery(query);
  const plan = await database.sql.begin(async (tx) => {
    await tx`set local plan_cache_mode = force_generic_plan`;
    const [row] = await tx.unsafe(`explain (format json) ${statement.sql}`, statement.params as postgres.ParameterOrJSON<never>[]);
    return planNodes(row!);
  });
  const shown = plan.map((n) => [n['Node Type'], n['Relation Name'], n['Index Name'], n['Scan Direction']].filter(Boolean).join(' ')).join(' | ');
  return { plan, shown };
}

describe("the chat log's reader", () => {
  it('reads through the position index, with a generic plan, and never scans the log', async () => {
    const { plan, shown } = await genericPlan(readBatchStatement({ xid: 990, id: 0 }, 500));
    const onLog = plan.filter((n) => n['Relation Name'] === 'chat_log');
    expect(onLog.map((n) => n['Node Type']), shown).not.toContain('Seq Scan');
    // Every index it reads is the position index (a bitmap heap scan is fed by one).
    expect(plan.filter((n) => n['Index Name'] !== undefined && n['Index Name'] !== 'chat_log_position_idx'), shown).toEqual([]);
    // Whether entries wait behind the mark: the index's last entry, read backwards.
    expect(plan.filter((n) => n['Index Name'] === 'chat_log_position_idx' && n['Scan Direction'] === 'Backward'), shown).toHaveLength(1);
  });

  it('reads the rows entries show one primary-key lookup per entry, never by reading a table whole', async () => {
    const { plan, shown } = await genericPlan(readBatchWithRowsStatement({ xid: 990, id: 0 }, 500));
    expect(plan.filter((n) => n['Relation Name'] === 'chat_log').map((n) => n['Node Type']), shown).not.toContain('Seq Scan');
    // Per entry, not joined wholesale: no hash or merge join, each row through its primary key.
    expect(plan.map((n) => n['Node Type']), shown).not.toContain('Hash Join');
    expect(plan.map((n) => n['Node Type']), shown).not.toContain('Merge Join');
    for (const table of ['messages', 'chats', 'users']) {
      expect(plan.filter((n) => n['Relation Name'] === table).map((n) => `${n['Node Type']} ${n['Index Name']}`), shown).toEqual([`Index Scan ${table}_pkey`]);
    }
  });
});

import { spawn } from 'node:child_process';
import postgres from 'postgres';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findPgbench } from '../lib/database.js';
import type { BenchContext, BenchRow, RowResult } from '../lib/harness.js';
import type { Window } from '../lib/http.js';
import { cpuMeter, ownSession } from '../lib/proc.js';

const CONTENT = 'a message of ordinary length, some forty characters';

/** The floor's transaction: the message row and its wake-up, in one statement. */
const script = (shared: boolean) => `\\set chat ${shared ? '1' : ':client_id + 1'}
with m as (insert into bench_floor_messages (chat_id, sender_id, content) values (:chat, :chat, '${CONTENT}') returning id) select pg_notify('bench_floor', m.id::text) from m;
`;

/**
 * What sendMessage asks of PostgreSQL for a plain message, statement for statement as Parley
 * sends them (prepared; BEGIN, the two statements and COMMIT pipelined): the chat's lock, then
 * the sender's message budget and the message, on the condition that the sender may write
 * there, with its chat update, log entry and wake-up.
 * Writer i is user `CEILING_BASE + i` in chat `CEILING_BASE + i`.
 * The wake-up goes to a channel nobody hears, as the floor's does: Parley's own reading of the
 * log would otherwise run on the same cores during the measurement.
 */
const CEILING_BASE = 900_001;
const sendStatements = `\\set chat :client_id + ${CEILING_BASE}
\\set user :client_id + ${CEILING_BASE}
\\startpipeline
begin;
select pg_advisory_xact_lock(1, :chat);
with taken as (insert into rate_limits (key, points, expire) select w.key, 1, w.expire from (values ('message-1s:' || :user, now() + interval '1 second', 1000000000)) as w(key, expire, "limit") where 1 <= w."limit" on conflict (key) do update set points = case when rate_limits.expire <= now() then excluded.points else rate_limits.points + excluded.points end, expire = case when rate_limits.expire <= now() then excluded.expire else rate_limits.expire end where rate_limits.expire <= now() or rate_limits.points + excluded.points <= case excluded.key when 'message-1s:' || :user then 1000000000 end returning 1), budget as (select budget_check(count(*), 1) as taken from taken), m as (insert into messages (id, chat_id, sender_id, content, message_type) select (with x as (select (pg_current_xact_id()::text)::bigint * 256 as base) select x.base + coalesce((select max(m.id) - x.base + 1 from messages m where m.id >= x.base and m.id < x.base + 256), 0) from x), :chat, :user, '${CONTENT}', 'TEXT' from budget where case when budget.taken then exists (select 1 from chats c join chat_participants p on p.chat_id = c.id and p.user_id = :user where c.id = :chat and not (not c.is_group and exists (select 1 from contacts k where k.status = 'BLOCKED' and ((k.user_id = :user and k.contact_id = 0) or (k.user_id = 0 and k.contact_id = :user))))) end returning *), c as (update chats set last_message_id = m.id, last_activity_at = m.sent_at, activity_seq = nextval('chat_activity_seq') from m where chats.id = m.chat_id returning chats.id, chats.name, chats.last_message_id, chats.last_activity_at), e as (insert into chat_log (chat_id, user_id, kind, message_id, chat_name, last_message_id, last_activity_at, top_message_id) select c.id, m.sender_id, 'MESSAGE_ADDED', m.id, c.name, c.last_message_id, c.last_activity_at, m.id from c, m returning id) select m.*, e.id, pg_notify('bench_ceiling', 'log') from m, e;
commit;
\\endpipeline
`;

/** The writers of the ceiling: their own users and chats, far from the ids the API hands out. */
async function ceilingWriters(databaseUrl: string, writers: number): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const last = CEILING_BASE + writers - 1;
    await sql`insert into users (id, firstname, lastname, email, password)
      select g, 'Ceiling', 'Writer', 'ceiling-' || g || '@example.com', 'x' from generate_series(${CEILING_BASE}::int, ${last}::int) g on conflict do nothing`;
    await sql`insert into chats (id, name, is_group) select g, 'ceiling ' || g, true from generate_series(${CEILING_BASE}::int, ${last}::int) g on conflict do nothing`;
    await sql`insert into chat_participants (chat_id, user_id, role) select g, g, 'OWNER' from generate_series(${CEILING_BASE}::int, ${last}::int) g on conflict do nothing`;
  } finally {
    await sql.end();
  }
}

/** pgbench running `statements` (the floor's by default; a pipelined script needs prepared statements). */
async function pgbench(bin: string, databaseUrl: string, clients: number, shared: boolean, window: Window, statements?: string): Promise<number> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-pgbench-'));
  const file = path.join(dir, 'insert-notify.sql');
  await fs.writeFile(file, statements ?? script(shared));
  const protocol = statements ? ['-M', 'prepared'] : [];
  try {
    const seconds = String(Math.max(1, Math.round((window.warmupMs + window.windowMs) / 1000)));
    const out = await new Promise<string>((resolve, reject) => {
      const child = ownSession(spawn(bin, ['-n', ...protocol, '-f', file, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', seconds, databaseUrl], { detached: true }));
      let text = '';
      child.stdout!.on('data', (d) => (text += d));
      child.stderr!.on('data', (d) => (text += d));
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}: ${text}`))));
    });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out) ?? /tps = ([\d.]+)/.exec(out);
    if (!tps) throw new Error(`no tps in pgbench output: ${out}`);
    return Number(tps[1]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * P3: sendMessage/s from 8 and 32 writers, each in its own chat, then all in one chat; each
 * writer one request at a time over HTTP. Floor: the same clients running INSERT + pg_notify
 * (one statement) through pgbench, or through postgres.js when pgbench is not installed.
 */
const row: BenchRow = {
  id: 'P3',
  title: 'sendMessage throughput',
  async run(ctx: BenchContext) {
    const load = await ctx.agent('load', 'bench/agents/load.ts');
    const bin = findPgbench();
    const floorWhat = bin ? 'pgbench, INSERT + `pg_notify`, same clients' : 'INSERT + `pg_notify` through postgres.js, same clients (no pgbench found)';
    const out: RowResult[] = [];
    for (const shared of [false, true]) {
      for (const writers of [8, 32]) {
        const chats = shared ? [await ctx.fixtures.sharedChat(writers)] : await ctx.fixtures.ownChats(writers);
        const members = shared ? chats[0]!.members : chats.map((c) => c.members[0]!);
        const specs = members.map((m, i) => ({ token: m.token, chatId: chats[shared ? 0 : i]!.chatId }));
        ctx.log(`P3: ${writers} writers${shared ? ' in one chat' : ' in their own chats'}`);
        const details: unknown[] = [];
        const { parley, floor } = await ctx.interleave(
          async (rep) => {
            const cpu = cpuMeter({ parley: ctx.parley.pid, load: load.pid });
            const r = await load.call<{ perSec: number; failed: number }>('sends', ctx.parley.url, specs, ctx.window);
            details.push({ rep, side: 'parley', cpu: cpu(), failed: r.failed });
            return r.perSec;
          },
          async (rep) => {
            if (bin) return pgbench(bin, ctx.database.url, writers, shared, ctx.window);
            const r = await load.call<{ perSec: number }>('sqlInserts', ctx.database.url, writers, shared, ctx.window);
            details.push({ rep, side: 'floor' });
            return r.perSec;
          },
        );
        out.push({
          id: 'P3',
          metric: `sendMessage/s, ${writers} writers ${shared ? 'all in one chat' : 'in their own chats'}`,
          unit: '/s',
          better: 'higher',
          parley,
          floor: { what: floorWhat, values: floor },
          target: shared ? '≥ 0.25' : '≥ 0.3, no drop 8 → 32',
          details,
        });
      }
    }
    // The ceiling: sendMessage's statements alone, through pgbench against the same floor. The
    // ratio Parley cannot pass on this machine however little it spent outside PostgreSQL.
    if (bin) {
      for (const writers of [8, 32]) {
        ctx.log(`P3: the database's part of sendMessage, ${writers} writers`);
        await ceilingWriters(ctx.database.url, writers);
        const { parley, floor } = await ctx.interleave(
          () => pgbench(bin, ctx.database.url, writers, false, ctx.window, sendStatements),
          () => pgbench(bin, ctx.database.url, writers, false, ctx.window),
        );
        out.push({
          id: 'P3',
          metric: `ceiling: sendMessage's own statements through pgbench, ${writers} writers in their own chats`,
          unit: '/s',
          better: 'higher',
          parley,
          floor: { what: floorWhat, values: floor },
          note: 'no HTTP, GraphQL or Node.js, and no instance reading the log: the most the database work lets sendMessage reach',
        });
      }
    }
    return out;
  },
};
export default row;

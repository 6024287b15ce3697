import { findPgbench } from '../lib/database.js';
import type { BenchContext, BenchRow, RowResult } from '../lib/harness.js';
import { logReads } from '../lib/parley.js';
import { pgbench } from '../lib/pgbench.js';
import { cpuMeter } from '../lib/proc.js';
import { sendStack } from '../lib/send-stack.js';
import { ceilingScript, ceilingWriters } from '../lib/send-statements.js';

/** The ceiling's writers: user `CEILING_BASE + i` in chat `CEILING_BASE + i`. */
const CEILING_BASE = 900_001;
/**
 * The one-chat ceiling's writers: users `SHARED_CEILING_BASE + i`, all in chat
 * `SHARED_CEILING_BASE`; clear of P2's stack rooms (900_101 on) and the stack's warm-up (900_201 on).
 */
const SHARED_CEILING_BASE = 900_301;

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
    /** Each writer's token and chat: a chat of their own, or one for all. */
    const writersIn = async (writers: number, shared: boolean) => {
      const chats = shared ? [await ctx.fixtures.sharedChat(writers)] : await ctx.fixtures.ownChats(writers);
      const members = shared ? chats[0]!.members : chats.map((c) => c.members[0]!);
      return members.map((m, i) => ({ token: m.token, chatId: chats[shared ? 0 : i]!.chatId }));
    };
    /** The floor's rate with `writers` clients, pgbench's or (without it) postgres.js's. */
    const floorRate = async (writers: number, shared: boolean, rep: number, details: unknown[]) => {
      if (bin) return pgbench(bin, ctx.database.url, writers, shared, ctx.window);
      const r = await load.call<{ perSec: number }>('sqlInserts', ctx.database.url, writers, shared, ctx.window);
      details.push({ rep, side: 'floor' });
      return r.perSec;
    };
    for (const shared of [false, true]) {
      for (const writers of [8, 32]) {
        const specs = await writersIn(writers, shared);
        ctx.log(`P3: ${writers} writers${shared ? ' in one chat' : ' in their own chats'}`);
        const details: unknown[] = [];
        const { parley, floor } = await ctx.interleave(
          async (rep) => {
            const cpu = cpuMeter({ parley: ctx.parley.pid, load: load.pid });
            const log = await logReads(ctx.parley);
            const r = await load.call<{ perSec: number; failed: number }>('sends', ctx.parley.url, specs, ctx.window);
            details.push({ rep, side: 'parley', cpu: cpu(), failed: r.failed, ...(await log()) });
            return r.perSec;
          },
          (rep) => floorRate(writers, shared, rep, details),
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
    // ratio Parley cannot pass on this machine however little it spent outside PostgreSQL. In
    // one chat, each message waits for the chat's lock, so for the commit of the one before it.
    if (bin) {
      for (const shared of [false, true]) {
        const base = shared ? SHARED_CEILING_BASE : CEILING_BASE;
        for (const writers of [8, 32]) {
          ctx.log(`P3: the database's part of sendMessage, ${writers} writers${shared ? ' in one chat' : ''}`);
          await ceilingWriters(ctx.database.url, base, writers, shared);
          const { parley, floor } = await ctx.interleave(
            () => pgbench(bin, ctx.database.url, writers, false, ctx.window, ceilingScript(base, 'none', shared)),
            () => pgbench(bin, ctx.database.url, writers, shared, ctx.window),
          );
          out.push({
            id: 'P3',
            metric: `ceiling: sendMessage's own statements through pgbench, ${writers} writers ${shared ? 'all in one chat' : 'in their own chats'}`,
            unit: '/s',
            better: 'higher',
            parley,
            floor: { what: floorWhat, values: floor },
            note: shared
              ? "no HTTP, GraphQL or Node.js, and no instance reading the log; a transaction for each message, which holds the chat's lock until its commit is flushed: the most one chat reaches one message per commit"
              : 'no HTTP, GraphQL or Node.js, and no instance reading the log: the most the database work lets sendMessage reach',
          });
        }
      }
    }
    // The stack's ceiling: P3's very requests, answered by the fixed stack alone (Apollo Server,
    // type-graphql, postgres.js) running sendMessage's statements, against the same floor.
    const { agent: stack, url: stackUrl } = await sendStack(ctx);
    for (const writers of [8, 32]) {
      const specs = await writersIn(writers, false);
      ctx.log(`P3: the stack alone running sendMessage's statements, ${writers} writers`);
      const details: unknown[] = [];
      const { parley, floor } = await ctx.interleave(
        async (rep) => {
          const cpu = cpuMeter({ stack: stack.pid, load: load.pid });
          const r = await load.call<{ perSec: number; failed: number }>('sends', stackUrl, specs, ctx.window);
          if (r.failed) throw new Error(`P3: the stack's server failed ${r.failed} requests`);
          details.push({ rep, side: 'stack', cpu: cpu() });
          return r.perSec;
        },
        (rep) => floorRate(writers, false, rep, details),
      );
      out.push({
        id: 'P3',
        metric: `stack ceiling: Apollo Server + type-graphql + postgres.js running sendMessage's statements, ${writers} writers in their own chats`,
        unit: '/s',
        better: 'higher',
        parley,
        floor: { what: floorWhat, values: floor },
        details,
        note: 'the same requests and statements, no chat log reader, rules, middleware or metrics: the most the fixed stack lets sendMessage reach',
      });
    }
    return out;
  },
};
export default row;

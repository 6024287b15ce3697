import { databaseCpu } from '../lib/database.js';
import { fanoutSetup, frameTemplate, PER_ROOM, ROOMS } from '../lib/fanout.js';
import type { BenchContext, BenchRow, RowResult } from '../lib/harness.js';
import { logReads } from '../lib/parley.js';
import { cpuMeter } from '../lib/proc.js';
import { benchToken, sendStack } from '../lib/send-stack.js';
import { ceilingWriters } from '../lib/send-statements.js';
import { median } from '../lib/stats.js';

/** The chats (and their one writer each) of P2's stack ceiling. */
const STACK_ROOMS = 900_101;

export interface PacedResult {
  p50: number;
  p99: number;
  /** Time from sending to the answer (sendMessage's, or the floor's statement's), p50 and p99. */
  answerP50: number;
  answerP99: number;
  samples: number;
  expectedSamples: number;
  errors: number;
  /** The first few failures, one line each (see the fleet). */
  failures: string[];
  drained: boolean;
}

/** Half of what Parley delivered in P1, in messages a second (each reaches 100 sockets). */
export function halfLoadRate(ctx: BenchContext, share = 0.5): { rate: number; note?: string } {
  const p1 = ctx.earlier('P1');
  // --p2-rate is P2's rate (half load): other rows take their share of the load it stands for.
  if (!p1 && ctx.p2Rate) return { rate: ctx.p2Rate * 2 * share, note: `from --p2-rate ${ctx.p2Rate}` };
  if (!p1) return { rate: 10, note: 'P1 not run: 10 msg/s' };
  return { rate: Math.max(1, (share * median(p1.parley)) / PER_ROOM) };
}

/** Starts the floor's LISTEN side once; its frames are Parley's with the text filled in. */
export async function followNotifications(ctx: BenchContext) {
  const s = await fanoutSetup(ctx);
  await ctx.shared('floor-follow', async () => {
    let sample = await s.fleet.call<string | null>('sample', 'parley');
    if (!sample) {
      await s.fleet.call('paced', 'parley', { parley: ctx.parley.url }, s.specs, 5, { warmupMs: 0, windowMs: 500 });
      sample = await s.fleet.call<string>('sample', 'parley');
    }
    await s.floor.call('follow', ctx.database.url, frameTemplate(sample!));
  });
  return s;
}

/**
 * P2: sendMessage → frame, p50 and p99 over every delivery, with messages sent at a fixed rate
 * of half of P1's throughput (open loop). Floor: one statement (INSERT + pg_notify) from the
 * same process at the same rate, the floor server LISTENing and writing the frame to the room's
 * sockets.
 */
const row: BenchRow = {
  id: 'P2',
  title: 'delivery latency at half load',
  async run(ctx) {
    const s = await followNotifications(ctx);
    const { rate, note } = ctx.p2Rate ? { rate: ctx.p2Rate, note: 'a fixed rate (--p2-rate)' } : halfLoadRate(ctx);
    ctx.log(`P2: ${rate.toFixed(1)} messages/s to ${ROOMS} rooms`);
    const details: unknown[] = [];
    const floorRun = (into: unknown[]) => async (rep: number) => {
      const cpu = s.meter('floor');
      const r = await s.fleet.call<PacedResult>('paced', 'floor', { notify: ctx.database.url }, s.floorSpecs, rate, ctx.window);
      into.push({ rep, side: 'floor', cpu: cpu(), ...r });
      return r;
    };
    const { parley, floor } = await ctx.interleave(
      async (rep) => {
        const cpu = s.meter('parley');
        const log = await logReads(ctx.parley);
        const r = await s.fleet.call<PacedResult>('paced', 'parley', { parley: ctx.parley.url }, s.specs, rate, ctx.window);
        details.push({ rep, side: 'parley', cpu: cpu(), ...(await log()), ...r });
        return r;
      },
      floorRun(details),
    );
    const what = 'INSERT + `pg_notify` + LISTEN + raw `ws` send';
    const load = ctx.p2Rate ? 'at a fixed rate' : 'at half load';
    const base = { unit: 'ms', better: 'lower' as const, note: `${rate.toFixed(1)} msg/s${note ? `; ${note}` : ''}` };
    const rows: RowResult[] = [
      { id: 'P2', metric: `sendMessage → frame p50, ${load}`, ...base, parley: parley.map((r) => r.p50), floor: { what, values: floor.map((r) => r.p50) } },
      { id: 'P2', metric: `sendMessage → frame p99, ${load}`, ...base, parley: parley.map((r) => r.p99), floor: { what, values: floor.map((r) => r.p99) }, target: '≤ 2×', details },
    ];

    // The stack's ceiling: the same paced sendMessage requests answered by the fixed stack alone
    // (bench/floors/send-stack.ts) in chats of their own, whose wake-ups the floor server turns
    // into frames: what taking the request through Apollo Server and type-graphql adds.
    ctx.log(`P2: the stack alone taking sendMessage, ${rate.toFixed(1)} messages/s`);
    const stack = await sendStack(ctx);
    await ceilingWriters(ctx.database.url, STACK_ROOMS, ROOMS);
    const stackSpecs = await Promise.all(s.floorSpecs.map(async (spec, i) => ({ ...spec, chatId: String(STACK_ROOMS + i), senderToken: await benchToken(STACK_ROOMS + i) })));
    await stack.agent.call('rooms', Object.fromEntries(stackSpecs.map((spec, i) => [spec.chatId, i])));
    /** A repetition of the stack's server paced as Parley is, its frames received by the fleet's `group` sockets. */
    const stackRun = (group: 'floor' | 'stack', pids: Record<string, number>, into: unknown[]) => async (rep: number) => {
      const cpu = cpuMeter({ stack: stack.agent.pid, ...pids, fleet: s.fleet.pid, ...databaseCpu(ctx.database) });
      const r = await s.fleet.call<PacedResult>('paced', group, { parley: stack.url }, stackSpecs, rate, ctx.window);
      into.push({ rep, side: 'stack', cpu: cpu(), ...r });
      return r;
    };
    const stackDetails: unknown[] = [];
    const stackRuns = await ctx.interleave(stackRun('floor', { floorServer: s.floor.pid }, stackDetails), floorRun(stackDetails));
    const stackNote = `${base.note}; the fixed stack (Apollo Server, type-graphql, postgres.js) taking the request and running sendMessage's statements, the floor server writing the frames`;
    rows.push(...latencyRows('stack ceiling', stackRuns, stackDetails, stackNote));

    // The same server writing the frames itself, to sockets of its own, right after each commit:
    // what any one process that takes sendMessage and delivers it must do at least.
    ctx.log(`P2: the stack alone taking sendMessage and writing the frames, ${rate.toFixed(1)} messages/s`);
    await s.fleet.call('connectFloor', 'stack', stack.url.replace(/^http/, 'ws').replace(/graphql$/, ''), ROOMS, PER_ROOM);
    await stack.agent.call('frames', frameTemplate((await s.fleet.call<string>('sample', 'parley'))!));
    const ownDetails: unknown[] = [];
    try {
      const ownRuns = await ctx.interleave(stackRun('stack', {}, ownDetails), floorRun(ownDetails));
      const ownNote = `${base.note}; the fixed stack taking the request, running sendMessage's statements and, once they commit, writing the frame to the room's 100 sockets itself (no chat log, no GraphQL execution per event)`;
      rows.push(...latencyRows('one-process stack ceiling', ownRuns, ownDetails, ownNote));
    } finally {
      await stack.agent.call('frames', null);
      await s.fleet.call('close', 'stack');
    }
    return rows;

    function latencyRows(name: string, runs: { parley: PacedResult[]; floor: PacedResult[] }, runDetails: unknown[], rowNote: string): RowResult[] {
      return (['p50', 'p99'] as const).map((at) => ({
        id: 'P2',
        metric: `${name}: sendMessage → frame ${at}, ${load}`,
        ...base,
        note: rowNote,
        parley: runs.parley.map((r) => r[at]),
        floor: { what, values: runs.floor.map((r) => r[at]) },
        ...(at === 'p99' ? { details: runDetails } : {}),
      }));
    }
  },
};
export default row;

import { fanoutSetup, frameTemplate, PER_ROOM, ROOMS } from '../lib/fanout.js';
import type { BenchContext, BenchRow, RowResult } from '../lib/harness.js';
import { median } from '../lib/stats.js';

export interface PacedResult {
  p50: number;
  p99: number;
  samples: number;
  expectedSamples: number;
  errors: number;
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
    const { parley, floor } = await ctx.interleave(
      async (rep) => {
        const cpu = s.meter('parley');
        // Reads of the log that found committed entries behind a transaction still running.
        const heldBefore = await ctx.parley.metric('parley_log_held_back_total');
        const r = await s.fleet.call<PacedResult>('paced', 'parley', { parley: ctx.parley.url }, s.specs, rate, ctx.window);
        const heldBack = (await ctx.parley.metric('parley_log_held_back_total')) - heldBefore;
        details.push({ rep, side: 'parley', cpu: cpu(), heldBack, ...r });
        return r;
      },
      async (rep) => {
        const cpu = s.meter('floor');
        const r = await s.fleet.call<PacedResult>('paced', 'floor', { notify: ctx.database.url }, s.floorSpecs, rate, ctx.window);
        details.push({ rep, side: 'floor', cpu: cpu(), ...r });
        return r;
      },
    );
    const what = 'INSERT + `pg_notify` + LISTEN + raw `ws` send';
    const load = ctx.p2Rate ? 'at a fixed rate' : 'at half load';
    const base = { unit: 'ms', better: 'lower' as const, note: `${rate.toFixed(1)} msg/s${note ? `; ${note}` : ''}` };
    const rows: RowResult[] = [
      { id: 'P2', metric: `sendMessage → frame p50, ${load}`, ...base, parley: parley.map((r) => r.p50), floor: { what, values: floor.map((r) => r.p50) } },
      { id: 'P2', metric: `sendMessage → frame p99, ${load}`, ...base, parley: parley.map((r) => r.p99), floor: { what, values: floor.map((r) => r.p99) }, target: '≤ 2×', details },
    ];
    return rows;
  },
};
export default row;

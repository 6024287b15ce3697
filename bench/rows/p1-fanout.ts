import { fanoutSetup, PER_ROOM, ROOMS } from '../lib/fanout.js';
import type { BenchRow } from '../lib/harness.js';

/** Messages per room not yet received by all of its sockets, for Parley's writers. */
const IN_FLIGHT = 4;

/**
 * P1: deliveries a second to 10 rooms × 100 subscribed sockets. Parley: one writer per room
 * sends as fast as the room's sockets receive (at most 4 messages outstanding per room), and
 * every `next` frame counts. Floor: a bare `ws` server broadcasting Parley's own frame, bytes
 * unchanged, to the same sockets in the same process.
 */
const row: BenchRow = {
  id: 'P1',
  title: 'fan-out deliveries/s',
  async run(ctx) {
    const s = await fanoutSetup(ctx);
    // A first pass warms Parley up and gives the frame the floor sends.
    await s.fleet.call('fanout', 'parley', ctx.parley.url, s.specs, { warmupMs: 0, windowMs: 1000 }, IN_FLIGHT);
    const frame = await s.fleet.call<string>('sample', 'parley');
    const details: unknown[] = [];
    const { parley, floor } = await ctx.interleave(
      async (rep) => {
        const cpu = s.meter('parley');
        const r = await s.fleet.call<{ perSec: number; errors: number; drained: boolean }>('fanout', 'parley', ctx.parley.url, s.specs, ctx.window, IN_FLIGHT);
        details.push({ rep, side: 'parley', cpu: cpu(), errors: r.errors, drained: r.drained });
        return r.perSec;
      },
      async (rep) => {
        const cpu = s.meter('floor');
        const [, r] = await Promise.all([
          s.floor.call('broadcast', frame, ctx.window.warmupMs + ctx.window.windowMs + 100),
          s.fleet.call<{ perSec: number }>('countWindow', 'floor', ctx.window),
        ]);
        details.push({ rep, side: 'floor', cpu: cpu() });
        await s.fleet.call('settle', 'floor');
        return r.perSec;
      },
    );
    return [
      {
        id: 'P1',
        metric: `deliveries/s, ${ROOMS} rooms × ${PER_ROOM} subscribed sockets`,
        unit: '/s',
        better: 'higher',
        parley,
        floor: { what: 'raw `ws` broadcast of one pre-serialised frame to the same sockets', values: floor },
        target: '≥ 0.5',
        details,
      },
    ];
  },
};
export default row;

import { fanoutSetup, PER_ROOM, ROOMS } from '../lib/fanout.js';
import type { BenchRow } from '../lib/harness.js';
import { logReads } from '../lib/parley.js';
import { followNotifications } from './p2-latency.js';

/** Messages per room not yet received by all of its sockets, for Parley's writers. */
const IN_FLIGHT = 4;

const FLOOR = 'raw `ws` broadcast of one pre-serialised frame to the same sockets';

/**
 * P1: deliveries a second to 10 rooms × 100 subscribed sockets. Parley: one writer per room
 * sends as fast as the room's sockets receive (at most 4 messages outstanding per room), and
 * every `next` frame counts. Floor: a bare `ws` server broadcasting Parley's own frame, bytes
 * unchanged, to the same sockets in the same process.
 *
 * The ceiling line drives the floor server the way Parley is driven: the same writers, the same
 * 4 outstanding messages per room, each message one statement (INSERT + pg_notify) that the floor
 * server hears (LISTEN) and writes to the room's sockets. It is what a server doing nothing but
 * that reaches against the broadcast floor: the most P1 can show for a server woken by the
 * database one message at a time.
 */
const row: BenchRow = {
  id: 'P1',
  title: 'fan-out deliveries/s',
  async run(ctx) {
    const s = await fanoutSetup(ctx);
    // A first pass warms Parley up and gives the frame the floor sends.
    await s.fleet.call('fanout', 'parley', { parley: ctx.parley.url }, s.specs, { warmupMs: 0, windowMs: 1000 }, IN_FLIGHT);
    const frame = await s.fleet.call<string>('sample', 'parley');
    const broadcast = async (rep: number, details: unknown[]) => {
      const cpu = s.meter('floor');
      const [, r] = await Promise.all([
        s.floor.call('broadcast', frame, ctx.window.warmupMs + ctx.window.windowMs + 100),
        s.fleet.call<{ perSec: number }>('countWindow', 'floor', ctx.window),
      ]);
      details.push({ rep, side: 'floor', cpu: cpu() });
      await s.fleet.call('settle', 'floor');
      return r.perSec;
    };
    const details: unknown[] = [];
    const { parley, floor } = await ctx.interleave(
      async (rep) => {
        const cpu = s.meter('parley');
        const log = await logReads(ctx.parley);
        const r = await s.fleet.call<{ perSec: number; errors: number; failures: string[]; drained: boolean }>('fanout', 'parley', { parley: ctx.parley.url }, s.specs, ctx.window, IN_FLIGHT);
        details.push({ rep, side: 'parley', cpu: cpu(), errors: r.errors, failures: r.failures, drained: r.drained, ...(await log()) });
        return r.perSec;
      },
      (rep) => broadcast(rep, details),
    );
    await followNotifications(ctx);
    const ceilingDetails: unknown[] = [];
    const ceiling = await ctx.interleave(
      async (rep) => {
        const cpu = s.meter('floor');
        const r = await s.fleet.call<{ perSec: number; errors: number; failures: string[]; drained: boolean }>('fanout', 'floor', { notify: ctx.database.url }, s.floorSpecs, ctx.window, IN_FLIGHT);
        ceilingDetails.push({ rep, side: 'ceiling', cpu: cpu(), errors: r.errors, failures: r.failures, drained: r.drained });
        return r.perSec;
      },
      (rep) => broadcast(rep, ceilingDetails),
    );
    const metric = `deliveries/s, ${ROOMS} rooms × ${PER_ROOM} subscribed sockets`;
    return [
      { id: 'P1', metric, unit: '/s', better: 'higher', parley, floor: { what: FLOOR, values: floor }, target: '≥ 0.5', details },
      {
        id: 'P1',
        metric: `ceiling: the floor server woken by INSERT + \`pg_notify\` per message, ${IN_FLIGHT} outstanding per room, as Parley's writers send`,
        unit: '/s',
        better: 'higher',
        parley: ceiling.parley,
        floor: { what: FLOOR, values: ceiling.floor },
        note: 'no GraphQL, chat log or per-subscriber work: the most a server woken by the database one message at a time reaches',
        details: ceilingDetails,
      },
    ];
  },
};
export default row;

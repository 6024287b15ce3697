import { fanoutSetup } from '../lib/fanout.js';
import { sleep, type BenchRow } from '../lib/harness.js';
import { rssBytes, spawnAgent, type Agent } from '../lib/proc.js';

const ROOMS = 10;
/** Time for memory to settle after the sockets are open. */
const SETTLE_MS = 3000;

/** Resident memory once it has settled: the lowest of a few readings. */
async function settledRss(pid: number): Promise<number> {
  await sleep(SETTLE_MS);
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(rssBytes(pid));
    await sleep(200);
  }
  return Math.min(...readings);
}

/**
 * P5: resident memory per subscribed socket. Each repetition starts a fresh server, warms it up
 * (a hundred sockets and an event, then closed), reads its memory, opens the sockets (each with a
 * `messageAdded` subscription on Parley, idle on the floor) and reads it again: (after − before)
 * / sockets. Floor: a bare `ws` server holding idle sockets.
 */
const row: BenchRow = {
  id: 'P5',
  title: 'memory per socket',
  async run(ctx) {
    const counts = ctx.quick ? [1000, 2000] : [2000, 5000];
    const { specs } = await fanoutSetup(ctx);
    const per = (delta: number, n: number) => delta / n / 1024;
    const measure = async (side: 'parley' | 'floor'): Promise<number[]> => {
      const fleet = await spawnAgent('memory-fleet', 'bench/agents/fleet.ts');
      let server: { pid: number; stop(): Promise<void> } | undefined;
      try {
        if (side === 'parley') {
          const p = await ctx.startParley();
          server = p;
          await fleet.call('connectParley', 'warm', p.wsUrl, specs.slice(0, 1), 100);
          await p.waitForMetric('parley_subscriptions_active', 100);
          await fleet.call('paced', 'warm', { parley: p.url }, specs.slice(0, 1), 5, { warmupMs: 0, windowMs: 1000 });
          await fleet.call('close', 'warm');
          const base = await settledRss(p.pid);
          const out: number[] = [];
          let open = 0;
          for (const n of counts) {
            await fleet.call('connectParley', 'mem', p.wsUrl, specs, (n - open) / ROOMS);
            open = n;
            await p.waitForMetric('parley_subscriptions_active', n);
            out.push(per((await settledRss(p.pid)) - base, n));
          }
          return out;
        }
        const floor: Agent = await spawnAgent('memory-floor', 'bench/floors/ws-server.ts');
        server = floor;
        const url = `ws://127.0.0.1:${await floor.call<number>('listen')}/`;
        await fleet.call('connectFloor', 'warm', url, 1, 100);
        await fleet.call('close', 'warm');
        const base = await settledRss(floor.pid);
        const out: number[] = [];
        let open = 0;
        for (const n of counts) {
          await fleet.call('connectFloor', 'mem', url, ROOMS, (n - open) / ROOMS);
          open = n;
          out.push(per((await settledRss(floor.pid)) - base, n));
        }
        return out;
      } finally {
        await fleet.stop();
        await server?.stop();
      }
    };
    const { parley, floor } = await ctx.interleave(() => measure('parley'), () => measure('floor'));
    return counts.map((n, i) => ({
      id: 'P5',
      metric: `RSS per subscribed socket, ${n.toLocaleString('en-US')} sockets`,
      unit: 'KiB',
      better: 'lower' as const,
      parley: parley.map((r) => r[i]!),
      floor: { what: 'raw `ws` idle socket', values: floor.map((r) => r[i]!) },
      target: '≤ 3×',
    }));
  },
};
export default row;

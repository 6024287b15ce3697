import { runPresenceBench } from '../presence.js';
import type { BenchRow, RowResult } from '../lib/harness.js';

/**
 * S2: presence frames during reconnect storms (bench/presence.ts): 1,000 users (300 with
 * --quick) on two instances, each a contact of 20 subscribers. Within the grace period a
 * reconnect must publish nothing; past it, each user's change reaches each subscriber once, and
 * the rate is what subscribers must absorb. No floor: the targets are counts.
 */
const row: BenchRow = {
  id: 'S2',
  title: 'presence under reconnect storms',
  async run(ctx) {
    const options = { users: ctx.quick ? 300 : 1000, subscribers: 20, instances: 2 };
    const phases = await runPresenceBench(options, { ...process.env, ...ctx.parleyEnv, DATABASE_URL: ctx.database.url });
    const of = (name: string) => {
      const phase = phases.find((p) => p.name === name);
      if (!phase) throw new Error(`no phase ${name}`);
      return phase;
    };
    const within = of('storm within grace');
    const back = of('outage past grace: online');
    const base = { unit: '', better: 'lower' as const, details: phases };
    return [
      { ...base, id: 'S2', metric: `presence frames per subscriber, ${options.users} users reconnecting within the grace period`, parley: [within.framesPerSubscriber], target: '0' },
      {
        ...base,
        id: 'S2',
        metric: `presence frames per subscriber, ${options.users} users back after an outage`,
        parley: [back.framesPerSubscriber],
        target: `≤ ${options.users} (one per user)`,
        note: `peak ${back.peakPerSecond} frames/s over ${options.subscribers} subscribers, ${back.seconds.toFixed(1)} s`,
      },
    ] satisfies RowResult[];
  },
};
export default row;

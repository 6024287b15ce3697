import { loadConfig } from '../../src/config.js';
import type { BenchRow } from '../lib/harness.js';
import { BENCH_ENV, logReads } from '../lib/parley.js';
import { childPids, cpuMeter } from '../lib/proc.js';
import { followNotifications, halfLoadRate, type PacedResult } from './p2-latency.js';

const STORM = 16;

/**
 * P6: delivery latency (as P2, at a quarter of P1's throughput) with no logins, then while 16
 * clients log in again and again; and the logins a second of that storm against argon2id
 * verifications at Parley's parameters, 16 at a time, in a process of their own.
 */
const row: BenchRow = {
  id: 'P6',
  title: 'login storm',
  async run(ctx) {
    const s = await followNotifications(ctx);
    const { rate, note } = halfLoadRate(ctx, 0.25);
    const stormers = (await ctx.fixtures.users(STORM)).map((u) => ({ email: u.email, password: u.password }));
    const [storm, argon] = await Promise.all([ctx.agent('storm', 'bench/agents/load.ts'), ctx.agent('argon2-floor', 'bench/floors/argon2-verify.ts')]);
    const params = loadConfig({ ...process.env, ...BENCH_ENV, ...ctx.parleyEnv, DATABASE_URL: ctx.database.url }).passwords;
    const quiet: number[] = [];
    const stormy: number[] = [];
    const logins: number[] = [];
    const verifies: number[] = [];
    const details: unknown[] = [];
    for (let rep = 0; rep < ctx.reps; rep++) {
      const order = rep % 2 === 0 ? ['quiet', 'storm', 'argon2'] : ['argon2', 'storm', 'quiet'];
      for (const step of order) {
        if (step === 'quiet') {
          const cpu = cpuMeter({ parley: ctx.parley.pid });
          const log = await logReads(ctx.parley);
          const r = await s.fleet.call<PacedResult>('paced', 'parley', { parley: ctx.parley.url }, s.specs, rate, ctx.window);
          quiet.push(r.p99);
          details.push({ rep, step, cpu: cpu(), ...(await log()), ...r });
        } else if (step === 'storm') {
          // Parley's password process (src/auth/password-hasher.ts) counts apart.
          const passwords = childPids(ctx.parley.pid)[0];
          const cpu = cpuMeter({ parley: ctx.parley.pid, storm: storm.pid, ...(passwords ? { passwords } : {}) });
          const log = await logReads(ctx.parley);
          const [r, l] = await Promise.all([
            s.fleet.call<PacedResult>('paced', 'parley', { parley: ctx.parley.url }, s.specs, rate, ctx.window),
            storm.call<{ perSec: number; refused: number; failed: number }>('logins', ctx.parley.url, stormers, ctx.window),
          ]);
          stormy.push(r.p99);
          logins.push(l.perSec);
          details.push({ rep, step, cpu: cpu(), ...(await log()), ...r, logins: l });
        } else {
          const cpu = cpuMeter({ argon2: argon.pid });
          const r = await argon.call<{ perSec: number }>('verify', params, STORM, ctx.window);
          verifies.push(r.perSec);
          details.push({ rep, step, cpu: cpu(), ...r });
        }
      }
    }
    const p = `m=${params.memoryKib} KiB, t=${params.timeCost}, p=${params.parallelism}; ${params.concurrency} at a time in Parley`;
    return [
      {
        id: 'P6',
        metric: `delivery p99 during a ${STORM}-client login storm vs quiet`,
        unit: 'ms',
        better: 'lower',
        parley: stormy,
        floor: { what: 'the same without the storm', values: quiet },
        target: '≤ 1.5×',
        note: `${rate.toFixed(1)} msg/s${note ? `; ${note}` : ''}`,
        details,
      },
      {
        id: 'P6',
        metric: 'logins/s vs standalone argon2 verify at the same parameters',
        unit: '/s',
        better: 'higher',
        parley: logins,
        floor: { what: `argon2id verify, ${STORM} at a time (${p})`, values: verifies },
        target: '≥ 0.8',
      },
    ];
  },
};
export default row;

import type { ScaleOutRow } from '../scale-out.js';
import type { BenchRow, RowResult } from '../lib/harness.js';
import { runBenchScript } from '../lib/script.js';

/**
 * X1: three instances on one PostgreSQL, woken by LISTEN/NOTIFY and then by NATS, 8 and 32
 * writers spread over them and a reader on each (bench/scale-out.ts, which starts its own
 * nats-server and needs the binary). sendMessage/s per bus and writer count, delivery p99 in the
 * note. No floor: the buses are compared with each other, and NATS must not fall from 8 to 32.
 */
const row: BenchRow = {
  id: 'X1',
  title: 'scale-out: NOTIFY vs NATS, 3 instances',
  async run(ctx) {
    const seconds = ctx.window.windowMs / 1000;
    const report = await runBenchScript<{ rows: ScaleOutRow[] }>(ctx, 'X1', 'bench/scale-out.ts', ['--seconds', String(seconds)]);
    return report.rows.map(
      (r): RowResult => ({
        id: 'X1',
        metric: `sendMessage/s, ${r.writers} writers across 3 instances, ${r.bus}`,
        unit: '/s',
        better: 'higher',
        parley: [r.sendPerSecond],
        target: r.bus === 'NATS' ? 'no drop 8 → 32' : '',
        note: `delivery p50 ${r.deliveryP50Ms} ms, p99 ${r.deliveryP99Ms} ms, ${r.delivered}/${r.expected} delivered`,
        details: [r],
      }),
    );
  },
};
export default row;

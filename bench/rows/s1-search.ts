import type { BenchRow, RowResult } from '../lib/harness.js';
import { runBenchScript } from '../lib/script.js';

interface SearchReport {
  corpus: { messages: number };
  personas: { persona: string; chats: number; searchMessages: { n: number; p50: number; p95: number; p99: number } }[];
}

/**
 * S1: `searchMessages` latency on a million messages (100k with --quick), as a person in 60 and
 * one in 250 chats. bench/search-run.ts does the work, on a scratch database of the run's
 * server; each repetition is three rounds of every kind of query. No floor: the budget is
 * absolute.
 */
const row: BenchRow = {
  id: 'S1',
  title: 'message search latency',
  async run(ctx) {
    const messages = ctx.quick ? 100_000 : 1_000_000;
    const report = await runBenchScript<SearchReport>(ctx, 'S1', 'bench/search-run.ts', ['--messages', String(messages), '--rounds', String(ctx.reps * 3)]);
    const size = `${(report.corpus.messages / 1e6).toLocaleString('en')}M messages`;
    return report.personas.map(
      (p): RowResult => ({
        id: 'S1',
        metric: `\`searchMessages\` p50, ${size}, ${p.persona}`,
        unit: 'ms',
        better: 'lower',
        parley: [p.searchMessages.p50],
        target: '≤ 50 ms',
        note: `p95 ${p.searchMessages.p95} ms, ${p.searchMessages.n} searches`,
        details: [p],
      }),
    );
  },
};
export default row;

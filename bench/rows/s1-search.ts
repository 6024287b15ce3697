import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow, RowResult } from '../lib/harness.js';
import { ROOT } from '../lib/proc.js';

interface SearchReport {
  corpus: { messages: number };
  personas: { persona: string; chats: number; searchMessages: { n: number; p50: number; p95: number; p99: number } }[];
}

/**
 * S1: `searchMessages` latency on a million messages (100k with --quick), as a person in 60 and
 * one in 250 chats. bench/search-run.ts does the work in a process of its own, on a scratch
 * database of the run's server; each repetition is a round of every query kind. No floor: the
 * budget is absolute.
 */
const row: BenchRow = {
  id: 'S1',
  title: 'message search latency',
  async run(ctx) {
    const messages = ctx.quick ? 100_000 : 1_000_000;
    const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'parley-bench-s1-')), 'search.json');
    const args = ['--import', 'tsx', 'bench/search-run.ts', '--messages', String(messages), '--rounds', String(Math.max(3, ctx.reps * 3)), '--out', out];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...ctx.parleyEnv, DATABASE_URL: ctx.database.url }, stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) if (line.trim()) ctx.log(`S1 ${line}`);
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench/search-run.ts exited with ${code}`))));
    });
    const report = JSON.parse(await fs.readFile(out, 'utf8')) as SearchReport;
    await fs.rm(path.dirname(out), { recursive: true, force: true });
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

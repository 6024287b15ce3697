import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext } from './harness.js';
import { ROOT } from './proc.js';

/**
 * Runs a standalone benchmark script (`npm run bench:…`) in a process of its own against the
 * run's database, its output logged under `tag`, and returns the JSON report it wrote (`--out`).
 */
export async function runBenchScript<T>(ctx: BenchContext, tag: string, script: string, args: string[]): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `parley-bench-${tag.toLowerCase()}-`));
  const out = path.join(dir, 'report.json');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, ...args, '--out', out], {
        cwd: ROOT,
        env: { ...process.env, ...ctx.parleyEnv, DATABASE_URL: ctx.database.url },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child.stdout.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) if (line.trim()) ctx.log(`${tag} ${line}`);
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`))));
    });
    return JSON.parse(await fs.readFile(out, 'utf8')) as T;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

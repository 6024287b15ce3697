import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const underTsx = (file: string, ...args: string[]) => run(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT });

/**
 * patches/tsx+4.23.15.patch: tsx made esbuild wrap every named function to set its name again,
 * each time the function is created; the extra property turns each such closure into an object
 * of the slow, dictionary kind (about 250 bytes more, a dozen per subscribed socket). Without it,
 * what `npm start` runs must still name its GraphQL types as the committed schema does.
 */
describe('the tsx patch (no keepNames)', () => {
  it('leaves functions unwrapped, and a decorated class keeps its name', async () => {
    const { stdout } = await underTsx('tests/fixtures/function-names.ts');
    expect(JSON.parse(stdout)).toEqual({ wrapped: false, decorated: 'Decorated', created: 'Decorated' });
  });

  it('builds the committed schema.graphql under tsx, as npm start runs the code', async () => {
    const { stdout } = await underTsx('src/schema/emit.ts', '--check');
    expect(stdout).toContain('matches');
  });
});

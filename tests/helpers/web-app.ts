import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(import.meta.dirname, '../..');
const app = path.join(root, 'examples/web');
const built = path.join(app, 'dist/index.html');

/** The newest modification time under `p` (a file or a directory). */
function newest(p: string): number {
  const stat = statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(p).map((name) => newest(path.join(p, name))));
}

/**
 * Builds the web app (`npm run web:build`) unless examples/web/dist is newer than its sources,
 * so the browser test always drives the code in the tree. CI builds it before the suite.
 */
export async function ensureWebAppBuilt() {
  const sources = Math.max(...['src', 'index.html', 'vite.config.ts', 'tsconfig.json'].map((p) => newest(path.join(app, p))));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  const npm = process.env.npm_execpath;
  const [command, args] = npm ? [process.execPath, [npm, 'run', 'web:build']] : ['npm', ['run', 'web:build']];
  await promisify(execFile)(command, args, { cwd: root, timeout: 300_000 });
}

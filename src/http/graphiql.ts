import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/** Every file the explorer needs, from the project's own dependencies: it works offline. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'graphiql.min.js': { file: path.join(packageDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { file: path.join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
  'react.production.min.js': { file: path.join(packageDir('react'), 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.production.min.js': { file: path.join(packageDir('react-dom'), 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'init.js': { file: path.join(here, 'graphiql/init.js'), type: 'text/javascript' },
};
const PAGE = path.join(here, 'graphiql/index.html');
const cache = new Map<string, Buffer>();
const read = (file: string) => {
  let body = cache.get(file);
  if (!body) cache.set(file, (body = readFileSync(file)));
  return body;
};

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
].join('; ');

/** Serves GraphiQL at /graphiql and its assets under /graphiql/assets/; false for other paths. */
export function serveGraphiQL(pathname: string, res: ServerResponse): boolean {
  if (pathname === '/graphiql' || pathname === '/graphiql/') {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('content-security-policy', CSP);
    res.end(read(PAGE));
    return true;
  }
  const name = pathname.startsWith('/graphiql/assets/') ? pathname.slice('/graphiql/assets/'.length) : undefined;
  const asset = name ? ASSETS[name] : undefined;
  if (!asset) return false;
  res.setHeader('content-type', `${asset.type}; charset=utf-8`);
  res.setHeader('cache-control', 'public, max-age=86400');
  res.end(read(asset.file));
  return true;
}

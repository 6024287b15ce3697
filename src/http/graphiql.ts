import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGE_CSP, sendFile } from './static-files.js';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/** Every file the explorer needs, from the project's own dependencies: it works offline. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'graphiql.min.js': { file: path.join(packageDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { file: path.join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
  'react.production.min.js': { file: path.join(packageDir('react'), 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.production.min.js': { file: path.join(packageDir('react-dom'), 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  // The page's own graphql-ws client, to decide which socket closes are worth retrying.
  'graphql-ws.min.js': { file: path.join(packageDir('graphql-ws'), 'umd/graphql-ws.min.js'), type: 'text/javascript' },
  'init.js': { file: path.join(here, 'graphiql/init.js'), type: 'text/javascript' },
};
const PAGE = path.join(here, 'graphiql/index.html');

/** Serves GraphiQL at /graphiql and its assets under /graphiql/assets/; false for other paths. */
export function serveGraphiQL(pathname: string, res: ServerResponse): boolean {
  if (pathname === '/graphiql' || pathname === '/graphiql/') {
    sendFile(res, PAGE, 'text/html', { 'content-security-policy': PAGE_CSP });
    return true;
  }
  const name = pathname.startsWith('/graphiql/assets/') ? pathname.slice('/graphiql/assets/'.length) : undefined;
  const asset = name ? ASSETS[name] : undefined;
  if (!asset) return false;
  sendFile(res, asset.file, asset.type, { 'cache-control': 'public, max-age=86400' });
  return true;
}

import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FilesConfig } from '../config.js';
import { PAGE_CSP } from './static-files.js';

/** Where `npm run web:build` puts the chat app (examples/web). */
export const WEB_APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/web/dist');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
/** Vite's output names: hashed, no directories. */
const ASSET = /^\/app\/assets\/([\w-]+\.[a-z0-9]+)$/;
/**
 * The app's page may show pictures from anywhere (profile pictures are any http(s) URL, files may
 * be in a bucket); it talks only to its own origin and to where uploads go (PUBLIC_URL, the bucket).
 */
export function appPolicy(files: Pick<FilesConfig, 'publicUrl' | 'storage' | 's3'>): string {
  const bucket = files.storage === 's3' ? (files.s3?.endpoint ?? 'https://*.amazonaws.com') : undefined;
  const origins = [files.publicUrl, bucket].flatMap((u) => (u ? [u.includes('*') ? u : new URL(u).origin] : []));
  return PAGE_CSP.replace("img-src 'self' data:", "img-src 'self' data: https: http:").replace(
    "connect-src 'self' ws: wss:",
    ["connect-src 'self' ws: wss:", ...new Set(origins)].join(' '),
  );
}

const LOCAL_ONLY = appPolicy({ storage: 'local', s3: undefined, publicUrl: undefined });
const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Parley</title>
<p style="font:16px system-ui;margin:3rem">The web app is not built yet: run <code>npm run web:build</code>, then reload.</p>`;

/**
 * Serves the built chat app at /app (its page) and /app/assets/ (hashed files, cached for a
 * year), read from disk on each request so a rebuild shows without a restart. False for other paths.
 */
export async function serveWebApp(pathname: string, res: ServerResponse, options: { dir?: string; policy?: string } = {}): Promise<boolean> {
  const { dir = WEB_APP_DIR, policy = LOCAL_ONLY } = options;
  if (pathname === '/app') {
    res.writeHead(308, { location: '/app/' }).end();
    return true;
  }
  if (!pathname.startsWith('/app/')) return false;
  const asset = ASSET.exec(pathname)?.[1];
  if (pathname.startsWith('/app/assets/')) {
    const body = asset && TYPES[path.extname(asset)] ? await readFile(path.join(dir, 'assets', asset)).catch(() => null) : null;
    if (!body) res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    else res.writeHead(200, { 'content-type': TYPES[path.extname(asset!)]!, 'cache-control': 'public, max-age=31536000, immutable' }).end(body);
    return true;
  }
  // Every other path under /app is the app's page (it routes in the URL's fragment).
  const page = await readFile(path.join(dir, 'index.html')).catch(() => null);
  res
    .writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'content-security-policy': policy })
    .end(page ?? NOT_BUILT);
  return true;
}

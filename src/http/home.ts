import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGE_CSP, sendFile } from './static-files.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'home');

/** `/`: a page pointing a browser to what this server offers; `/favicon.ico`: its icon. False for other paths. */
export function serveHome(pathname: string, res: ServerResponse): boolean {
  if (pathname === '/') {
    sendFile(res, path.join(dir, 'index.html'), 'text/html', { 'content-security-policy': PAGE_CSP });
    return true;
  }
  if (pathname === '/favicon.ico') {
    sendFile(res, path.join(dir, 'favicon.ico'), 'image/x-icon', { 'cache-control': 'public, max-age=86400' });
    return true;
  }
  return false;
}

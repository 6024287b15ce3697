import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

const cache = new Map<string, Buffer>();

/** Sends a file shipped with Parley (read once, then kept in memory) with its type and extra headers. */
export function sendFile(res: ServerResponse, file: string, type: string, headers: Record<string, string> = {}) {
  let body = cache.get(file);
  if (!body) cache.set(file, (body = readFileSync(file)));
  res.setHeader('content-type', type.startsWith('text/') ? `${type}; charset=utf-8` : type);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(body);
}

/** A Content-Security-Policy for Parley's own pages: nothing from elsewhere, no inline scripts. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
].join('; ');

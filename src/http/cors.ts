import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for browser clients. With no allow-list every origin may call (tokens travel in a
 * header, not a cookie); with one, only listed origins get CORS headers.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin && (allowed.length === 0 || allowed.includes(origin))) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
    res.setHeader('access-control-allow-headers', 'authorization, content-type, apollo-require-preflight, x-request-id, x-apollo-operation-name');
    // PUT: uploads sent to Parley itself (src/files/file-routes.ts).
    res.setHeader('access-control-allow-methods', 'GET, POST, PUT, OPTIONS');
    res.setHeader('access-control-max-age', '600');
  }
  if (req.method === 'OPTIONS') {
    res.statusCode = 204;
    res.end();
    return true;
  }
  return false;
}

export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  return !origin || allowed.length === 0 || allowed.includes(origin);
}

import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Request headers a browser client may send: the token and body type, Apollo Client's
 * client-awareness headers (`clientAwareness` and `enhancedClientAwareness: { transport:
 * "headers" }`), Apollo's CSRF-prevention headers, and a caller's request id.
 */
export const ALLOWED_REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'apollographql-client-name',
  'apollographql-client-version',
  'apollographql-library-name',
  'apollographql-library-version',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-request-id',
];

/**
 * CORS for browser clients. With no allow-list every origin may call (tokens travel in a
 * header, not a cookie); with one, only listed origins get CORS headers.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin && (allowed.length === 0 || allowed.includes(origin))) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
    res.setHeader('access-control-allow-headers', ALLOWED_REQUEST_HEADERS.join(', '));
    // PUT: uploads sent to Parley itself (src/files/file-routes.ts).
    res.setHeader('access-control-allow-methods', 'GET, POST, PUT, OPTIONS');
    res.setHeader('access-control-expose-headers', 'x-request-id');
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

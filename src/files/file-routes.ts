import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ErrorCode } from '../common/errors.js';
import { sendGraphQLError } from '../http/request.js';
import type { Files } from './files.js';
import { UploadTooLarge } from './uploads.service.js';

const UPLOAD = /^\/uploads\/([0-9a-f-]{36})$/;
const DOWNLOAD = /^\/files\/([0-9a-f-]{36})\/(file|thumbnail)$/;

const STATUS: Record<string, number> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
};

/**
 * The HTTP side of files: `PUT /uploads/<id>` receives an upload's bytes (local storage) and
 * `GET /files/<id>/<file|thumbnail>` serves them to members. Both take signed links; errors
 * are GraphQL-shaped (`errors[0].extensions.code`). Answers false for other paths.
 */
export async function handleFileRequest(files: Files, url: URL, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const upload = UPLOAD.exec(url.pathname);
  const download = DOWNLOAD.exec(url.pathname);
  if (!upload && !download) return false;
  res.setHeader('x-content-type-options', 'nosniff');
  try {
    if (upload) {
      if (req.method !== 'PUT') return methodNotAllowed(res, 'PUT');
      const length = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
      const row = await files.uploads.receive(upload[1]!, url.searchParams, req, length);
      res.statusCode = 200;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ id: row.id, filename: row.filename, contentType: row.contentType, size: row.size, width: row.width, height: row.height }));
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    const found = await files.access.open(download![1]!, download![2] as 'file' | 'thumbnail', url.searchParams, req.headers['if-none-match']);
    if (found.kind === 'redirect') {
      // Not cached: every visit asks again (membership is checked); the bucket URL it leads
      // to is the same all time bucket long, so the browser keeps the bytes.
      res.writeHead(302, { location: found.location, 'cache-control': 'no-store' });
      res.end();
      return true;
    }
    res.setHeader('content-type', found.headers.contentType);
    res.setHeader('content-disposition', found.headers.contentDisposition);
    res.setHeader('cache-control', found.headers.cacheControl);
    res.setHeader('etag', found.headers.etag);
    // Nothing served here is a page: no scripts, no plugins, no framing of it elsewhere.
    res.setHeader('content-security-policy', "default-src 'none'; sandbox");
    if (found.kind === 'not-modified') {
      res.statusCode = 304;
      res.end();
      return true;
    }
    if (found.size !== null) res.setHeader('content-length', found.size);
    if (req.method === 'HEAD') {
      found.body.destroy();
      res.end();
      return true;
    }
    found.body.on('error', () => res.destroy());
    found.body.pipe(res);
    return true;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const code = String(err.extensions.code);
    if (err instanceof UploadTooLarge) {
      // The rest of the body is not read: the connection closes after this answer.
      res.setHeader('connection', 'close');
      sendGraphQLError(res, 413, err.message, code, { field: 'file' });
      return true;
    }
    const extra = err.extensions.field ? { field: err.extensions.field } : {};
    sendGraphQLError(res, STATUS[code] ?? 500, err.message, code, extra);
    return true;
  }
}

function methodNotAllowed(res: ServerResponse, allow: string): true {
  res.setHeader('allow', allow);
  sendGraphQLError(res, 405, 'Method not allowed', ErrorCode.BAD_USER_INPUT, { field: 'method' });
  return true;
}

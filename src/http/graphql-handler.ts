import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { ErrorCode } from '../common/errors.js';
import type { Context } from '../context.js';
import { BodyTooLargeError, readBody, sendGraphQLError } from './request.js';

/** Runs Apollo Server on a plain Node request: body limit, JSON parsing, streaming responses. */
export async function handleGraphQL(
  apollo: ApolloServer<Context>,
  req: IncomingMessage,
  res: ServerResponse,
  options: { maxBodyBytes: number; context: () => Promise<Context> },
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let body: unknown;
  try {
    const raw = req.method === 'POST' ? await readBody(req, options.maxBodyBytes) : '';
    const type = req.headers['content-type'] ?? '';
    body = raw && /json/i.test(type) ? JSON.parse(raw) : raw;
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      res.setHeader('connection', 'close');
      return sendGraphQLError(res, 413, `Request body over ${options.maxBodyBytes} bytes`, ErrorCode.BAD_USER_INPUT, { field: 'body' });
    }
    return sendGraphQLError(res, 400, 'Request body is not valid JSON', ErrorCode.BAD_USER_INPUT, { field: 'body' });
  }

  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context: options.context,
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

import pino, { type Logger } from 'pino';

/**
 * JSON lines on stdout, one object per line, whatever is watching: log collectors parse them as
 * they are, and a person reads them through `npx pino-pretty`.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: ['req.headers.authorization', '*.password', '*.accessToken', '*.refreshToken'],
  });
}

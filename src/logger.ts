import pino, { type DestinationStream, type Logger } from 'pino';
import { logSafeError } from './common/log-safe-error.js';

/**
 * Secrets that must never reach a log line, wherever they are nested in what is logged:
 * credentials, tokens, and GraphQL variables (which carry passwords and message text).
 */
const SECRET_KEYS = ['password', 'currentPassword', 'newPassword', 'accessToken', 'refreshToken', 'token', 'authorization', 'cookie', 'variables', 'connectionParams', 'params', 'parameters'];
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

/**
 * JSON lines on stdout, one object per line, whatever is watching: log collectors parse them as
 * they are, and a person reads them through `npx pino-pretty`. `destination` lets a caller (a
 * test) receive the lines this configuration writes.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: REDACT, censor: '[redacted]' },
    // Database errors are logged as code and message: their wrappers quote every query parameter.
    serializers: { err: logSafeError },
  };
  return destination ? pino(options, destination) : pino(options);
}

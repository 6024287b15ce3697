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
 * JSON logs; human-readable ones when a person is watching the terminal. `destination` lets a
 * caller (a test) receive the lines this configuration writes.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const pretty = !destination && process.stdout.isTTY && level !== 'silent';
  const options = {
    level,
    base: undefined,
    redact: { paths: REDACT, censor: '[redacted]' },
    // Database errors are logged as code and message: their wrappers quote every query parameter.
    serializers: { err: logSafeError },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

import pino, { type Logger } from 'pino';

/** JSON logs; human-readable ones when a person is watching the terminal. */
export function createLogger(level: string): Logger {
  const pretty = process.stdout.isTTY && level !== 'silent';
  return pino({
    level,
    base: undefined,
    redact: ['req.headers.authorization', '*.password', '*.accessToken', '*.refreshToken'],
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  });
}

import path from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

/** A budget of `points` per `seconds`, shared by every instance. */
export interface RateWindow {
  points: number;
  seconds: number;
}

/** `points/seconds`, comma-separated when a limit has several windows (a burst and a sustained rate). */
const windows = z
  .string()
  .regex(/^\s*\d+\s*\/\s*\d+\s*(,\s*\d+\s*\/\s*\d+\s*)*$/, 'expected points/seconds, comma-separated, e.g. "200/10,5000/3600"')
  .transform((v) =>
    v.split(',').map((w) => {
      const [points, seconds] = w.split('/').map(Number) as [number, number];
      return { points, seconds };
    }),
  )
  .refine((ws) => ws.every((w) => w.points > 0 && w.seconds > 0), 'points and seconds must be positive');

/** The named limits of src/limits, each a list of windows that must all have room. */
export interface RateLimitsConfig {
  /** Registrations per client address. */
  register: RateWindow[];
  /** Messages per user. */
  message: RateWindow[];
  /** Invitations sent per user. */
  invitation: RateWindow[];
  /** People added to groups per user (at creation or later). */
  groupAdd: RateWindow[];
  /** `searchUsers` calls per user. */
  search: RateWindow[];
  /** `searchMessages` calls (pages included) per user. */
  messageSearch: RateWindow[];
}

/** Every environment variable Parley reads, with its default. The README documents this table. */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL: z.coerce.number().int().positive().default(900),
  REFRESH_TOKEN_TTL: z.coerce.number().int().positive().default(30 * 24 * 3600),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGINS: list.default([]),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(100 * 1024),
  MAX_QUERY_DEPTH: z.coerce.number().int().positive().default(10),
  MAX_QUERY_COST: z.coerce.number().int().positive().default(5000),
  MAX_ALIASES: z.coerce.number().int().positive().default(15),
  GRAPHQL_INTROSPECTION: bool.optional(),
  /** The earlier name of GRAPHQL_INTROSPECTION, still read when that one is unset. */
  INTROSPECTION: bool.optional(),
  LOGIN_MAX_FAILURES_PER_EMAIL_IP: z.coerce.number().int().positive().default(10),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(100),
  LOGIN_MAX_FAILURES_PER_EMAIL: z.coerce.number().int().positive().default(100),
  LOGIN_FAILURE_WINDOW: z.coerce.number().int().positive().default(15 * 60),
  RATE_LIMIT_REGISTER: windows.default([{ points: 1000, seconds: 3600 }]),
  RATE_LIMIT_MESSAGE: windows.default([
    { points: 200, seconds: 10 },
    { points: 5000, seconds: 3600 },
  ]),
  RATE_LIMIT_INVITATION: windows.default([{ points: 100, seconds: 3600 }]),
  RATE_LIMIT_GROUP_ADD: windows.default([{ points: 500, seconds: 3600 }]),
  RATE_LIMIT_SEARCH: windows.default([
    { points: 60, seconds: 60 },
    { points: 1000, seconds: 3600 },
  ]),
  RATE_LIMIT_MESSAGE_SEARCH: windows.default([
    { points: 60, seconds: 60 },
    { points: 1000, seconds: 3600 },
  ]),
  TRUST_PROXY: bool.optional(),
  TYPING_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  TYPING_MAX_PER_WINDOW: z.coerce.number().int().positive().default(10),
  TYPING_WINDOW: z.coerce.number().int().positive().default(5),
  WS_MAX_PAYLOAD_BYTES: z.coerce.number().int().positive().default(64 * 1024),
  WS_INIT_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  WS_MAX_SUBSCRIPTIONS: z.coerce.number().int().positive().default(50),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  WS_MAX_SOCKETS_PER_USER: z.coerce.number().int().positive().default(20),
  WS_MAX_SOCKETS_PER_IP: z.coerce.number().int().positive().default(500),
  WS_MAX_SOCKETS: z.coerce.number().int().positive().default(10_000),
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  jwtSecret: string | undefined;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  logLevel: string;
  corsOrigins: string[];
  maxBodyBytes: number;
  limits: { depth: number; cost: number; aliases: number };
  introspection: boolean;
  /**
   * Where /metrics is served: on its own port when `port` is set (and then not on the main
   * one), behind `Authorization: Bearer <token>` when `token` is set. In production, with
   * neither, it is not served at all.
   */
  metrics: { port: number | undefined; token: string | undefined };
  /** How long a SIGTERM/SIGINT drain may take before the process exits regardless. */
  shutdownTimeoutMs: number;
  loginLimits: LoginLimitsConfig;
  rateLimits: RateLimitsConfig;
  trustProxy: boolean;
  typing: { timeoutMs: number; points: number; windowSeconds: number };
  /** Caps on Parley's own database work: an open transaction holds back every delivery. */
  db: { statementTimeoutMs: number; idleInTransactionTimeoutMs: number };
  ws: {
    maxPayloadBytes: number;
    initTimeoutMs: number;
    maxSubscriptions: number;
    /** Open sockets per user, per client address and in all, on each instance. */
    maxSocketsPerUser: number;
    maxSocketsPerIp: number;
    maxSockets: number;
    /** Bytes queued for a socket that does not read; past this it is closed (1013). */
    maxBufferedBytes: number;
  };
}

/** Failed logins, counted before the password is checked (see src/auth/login-limiter.ts). */
export interface LoginLimitsConfig {
  /** Consecutive failures for one email from one address. */
  perEmailIp: number;
  /** Failures from one address, whatever the email. */
  perIp: number;
  /** Failures for one email from addresses it has never signed in from. */
  perEmail: number;
  windowSeconds: number;
}

export class ConfigError extends Error {}

/** Parses the environment once into a typed object; fails fast with every problem listed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  if (isProduction && e.DATABASE_URL && !e.JWT_SECRET) {
    throw new ConfigError('JWT_SECRET is required when NODE_ENV=production and DATABASE_URL is set');
  }
  return {
    env: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    jwtSecret: e.JWT_SECRET,
    accessTokenTtl: e.ACCESS_TOKEN_TTL,
    refreshTokenTtl: e.REFRESH_TOKEN_TTL,
    logLevel: e.LOG_LEVEL,
    corsOrigins: e.CORS_ORIGINS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    limits: { depth: e.MAX_QUERY_DEPTH, cost: e.MAX_QUERY_COST, aliases: e.MAX_ALIASES },
    introspection: e.GRAPHQL_INTROSPECTION ?? e.INTROSPECTION ?? !isProduction,
    metrics: { port: e.METRICS_PORT, token: e.METRICS_TOKEN },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    loginLimits: {
      perEmailIp: e.LOGIN_MAX_FAILURES_PER_EMAIL_IP,
      perIp: e.LOGIN_MAX_FAILURES_PER_IP,
      perEmail: e.LOGIN_MAX_FAILURES_PER_EMAIL,
      windowSeconds: e.LOGIN_FAILURE_WINDOW,
    },
    rateLimits: {
      register: e.RATE_LIMIT_REGISTER,
      message: e.RATE_LIMIT_MESSAGE,
      invitation: e.RATE_LIMIT_INVITATION,
      groupAdd: e.RATE_LIMIT_GROUP_ADD,
      search: e.RATE_LIMIT_SEARCH,
      messageSearch: e.RATE_LIMIT_MESSAGE_SEARCH,
    },
    trustProxy: e.TRUST_PROXY ?? false,
    typing: { timeoutMs: e.TYPING_TIMEOUT_MS, points: e.TYPING_MAX_PER_WINDOW, windowSeconds: e.TYPING_WINDOW },
    db: { statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS, idleInTransactionTimeoutMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS },
    ws: {
      maxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
      initTimeoutMs: e.WS_INIT_TIMEOUT_MS,
      maxSubscriptions: e.WS_MAX_SUBSCRIPTIONS,
      maxSocketsPerUser: e.WS_MAX_SOCKETS_PER_USER,
      maxSocketsPerIp: e.WS_MAX_SOCKETS_PER_IP,
      maxSockets: e.WS_MAX_SOCKETS,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    },
  };
}

import path from 'node:path';
import { z } from 'zod';
import { StartupError } from './common/startup-error.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

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
  INTROSPECTION: bool.optional(),
  LOGIN_MAX_FAILURES_PER_EMAIL: z.coerce.number().int().positive().default(10),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(100),
  LOGIN_FAILURE_WINDOW: z.coerce.number().int().positive().default(15 * 60),
  TRUST_PROXY: bool.optional(),
  TYPING_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  TYPING_MAX_PER_WINDOW: z.coerce.number().int().positive().default(10),
  TYPING_WINDOW: z.coerce.number().int().positive().default(5),
  WS_MAX_PAYLOAD_BYTES: z.coerce.number().int().positive().default(64 * 1024),
  WS_INIT_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  WS_MAX_SUBSCRIPTIONS: z.coerce.number().int().positive().default(50),
});

/** The names of every environment variable Parley reads. */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape);

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
  loginLimits: { perEmail: number; perIp: number; windowSeconds: number };
  trustProxy: boolean;
  typing: { timeoutMs: number; points: number; windowSeconds: number };
  ws: { maxPayloadBytes: number; initTimeoutMs: number; maxSubscriptions: number };
}

export class ConfigError extends StartupError {
  override name = 'ConfigError';
}

/** Secrets published in this project's samples: whoever read them could sign tokens. */
const SAMPLE_SECRETS = ['change-me-please-change-me-please-32+', 'change-me-to-at-least-32-random-characters'];

/** Why a production JWT_SECRET is unfit, if it is: a sample value, or too little variety to be random. */
function weakSecret(secret: string): string | undefined {
  if (SAMPLE_SECRETS.includes(secret) || /change.?me|example|placeholder|secret/i.test(secret)) return 'is a sample value';
  if (new Set(secret).size < 10) return 'has too little variety to be random';
  return undefined;
}

/** Parses the environment once into a typed object; fails fast with every problem listed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  if (isProduction && e.DATABASE_URL && !e.JWT_SECRET) {
    throw new ConfigError('JWT_SECRET is required when NODE_ENV=production and DATABASE_URL is set: use 32+ random characters (openssl rand -base64 48)');
  }
  const weak = isProduction && e.JWT_SECRET ? weakSecret(e.JWT_SECRET) : undefined;
  if (weak) throw new ConfigError(`JWT_SECRET ${weak}; production needs 32+ random characters (openssl rand -base64 48)`);
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
    introspection: e.INTROSPECTION ?? true,
    loginLimits: {
      perEmail: e.LOGIN_MAX_FAILURES_PER_EMAIL,
      perIp: e.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: e.LOGIN_FAILURE_WINDOW,
    },
    trustProxy: e.TRUST_PROXY ?? false,
    typing: { timeoutMs: e.TYPING_TIMEOUT_MS, points: e.TYPING_MAX_PER_WINDOW, windowSeconds: e.TYPING_WINDOW },
    ws: { maxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES, initTimeoutMs: e.WS_INIT_TIMEOUT_MS, maxSubscriptions: e.WS_MAX_SUBSCRIPTIONS },
  };
}

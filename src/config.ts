import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { StartupError } from './common/startup-error.js';

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
  /** `addReaction` and `removeReaction` calls per user. */
  reaction: RateWindow[];
  /** `createUpload` calls per user. */
  upload: RateWindow[];
  /** `searchMessages` calls (pages included) per user. */
  messageSearch: RateWindow[];
}

/** How long start-up waits for NATS and its JetStream to come up, unless configured. */
export const NATS_STARTUP_WAIT_MS = 15_000;

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
  HTTP_KEEP_ALIVE_MS: z.coerce.number().int().positive().default(5000),
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
  RATE_LIMIT_REACTION: windows.default([
    { points: 300, seconds: 60 },
    { points: 5000, seconds: 3600 },
  ]),
  REACTION_UPDATE_INTERVAL_MS: z.coerce.number().int().min(0).default(250),
  RATE_LIMIT_UPLOAD: windows.default([
    { points: 30, seconds: 60 },
    { points: 500, seconds: 3600 },
  ]),
  STORAGE: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: z.string().url().optional(),
  S3_BUCKET: z.string().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: bool.optional(),
  PUBLIC_URL: z.string().url().optional(),
  UPLOAD_MAX_BYTES: z.coerce.number().int().positive().max(2 ** 31 - 1).default(25 * 1024 * 1024),
  UPLOAD_MAX_IMAGE_PIXELS: z.coerce.number().int().positive().default(50_000_000),
  UPLOAD_IMAGE_TIMEOUT: z.coerce.number().int().positive().default(20),
  UPLOAD_URL_TTL: z.coerce.number().int().positive().default(15 * 60),
  UPLOAD_ORPHAN_TTL: z.coerce.number().int().positive().default(24 * 3600),
  FILE_URL_TTL: z.coerce.number().int().positive().default(3600),
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
  MESSAGE_BATCHES_AT_ONCE: z.coerce.number().int().positive().default(1),
  MESSAGE_BATCH_STALL_MS: z.coerce.number().int().positive().default(100),
  WS_MAX_SOCKETS_PER_USER: z.coerce.number().int().positive().default(20),
  WS_MAX_SOCKETS_PER_IP: z.coerce.number().int().positive().default(500),
  WS_MAX_SOCKETS: z.coerce.number().int().positive().default(10_000),
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  PASSWORD_MEMORY_KIB: z.coerce.number().int().positive().default(19 * 1024),
  PASSWORD_TIME_COST: z.coerce.number().int().positive().default(2),
  PASSWORD_PARALLELISM: z.coerce.number().int().positive().max(16).default(1),
  PASSWORD_CONCURRENCY: z.coerce.number().int().positive().optional(),
  PASSWORD_QUEUE: z.coerce.number().int().min(0).default(32),
  PASSWORD_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** libuv's thread pool (read, not set, here): password work must leave some of it free. */
  UV_THREADPOOL_SIZE: z.coerce.number().int().positive().default(4),
  EVENT_BUS: z.enum(['postgres', 'nats']).default('postgres'),
  NATS_URL: z.string().regex(/^(nats|tls|wss?):\/\/\S+$/, 'expected a URL such as nats://127.0.0.1:4222 (comma-separated for a cluster)').optional(),
  EVENT_SWEEP_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  LOG_STALL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  NATS_STARTUP_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(NATS_STARTUP_WAIT_MS),
  PRESENCE_GRACE_MS: z.coerce.number().int().positive().default(15_000),
  PRESENCE_LEASE_MS: z.coerce.number().int().positive().default(30_000),
  PRESENCE_FLUSH_MS: z.coerce.number().int().positive().default(1000),
  PRESENCE_COALESCE_MS: z.coerce.number().int().min(0).default(3000),
});

/** The names of every environment variable Parley reads. */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape);
/**
 * OWASP's argon2id minimums (Password Storage Cheat Sheet), equally strong: memory in KiB and
 * passes. Parameters are accepted when they are at or above one of them in both.
 */
export const OWASP_ARGON2ID_MINIMUMS = [
  { memoryKib: 46 * 1024, timeCost: 1 },
  { memoryKib: 19 * 1024, timeCost: 2 },
  { memoryKib: 12 * 1024, timeCost: 3 },
  { memoryKib: 9 * 1024, timeCost: 4 },
  { memoryKib: 7 * 1024, timeCost: 5 },
] as const;

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
  /** How long an idle kept-alive HTTP connection stays open: above any load balancer's own idle timeout in front. */
  httpKeepAliveMs: number;
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
  /** Reaction updates reach a subscriber at most once per this interval, carrying the latest totals. */
  reactionUpdateIntervalMs: number;
  files: FilesConfig;
  /** Caps on Parley's own database work: an open transaction holds back every delivery. */
  db: { statementTimeoutMs: number; idleInTransactionTimeoutMs: number };
  messageWrites: MessageWritesConfig;
  passwords: PasswordsConfig;
  /**
   * How instances wake each other (src/realtime/bus): PostgreSQL's NOTIFY, or NATS at `natsUrl`.
   * Every instance reads the log (and, with NATS, recent revocations) at least every `sweepMs`,
   * so a lost wake-up delays delivery by no more than that.
   */
  bus: { kind: 'postgres'; sweepMs: number } | { kind: 'nats'; natsUrl: string; sweepMs: number; startupWaitMs?: number };
  /**
   * A read of the log, with its hand-out to subscribers, that takes longer has stalled: the
   * instance says so in its log and /readyz fails until it ends.
   */
  logStallMs: number;
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
  presence: PresenceConfig;
}

/**
 * How an instance writes plain messages (src/messages/chat-write-line.ts): in batches, each
 * chat's one at a time; at most `batchesAtOnce` of them at once, so that chats whose messages
 * come meanwhile share the next batch's transaction. A batch unwritten after `stalledMs` no
 * longer counts, so one slow chat holds the others up no longer than that.
 */
export interface MessageWritesConfig {
  batchesAtOnce: number;
  stalledMs: number;
}

/** Presence (src/realtime/presence.ts): how long it takes to go offline, and how changes are batched. */
export interface PresenceConfig {
  /** A user whose last socket closed stays online this long: reconnects and deploys don't flap. */
  graceMs: number;
  /** How long an instance's lease on its users lasts unrenewed (renewed every third of it): an instance that dies leaves them online this long. */
  leaseMs: number;
  /** How often an instance writes the sockets opened and closed meanwhile, in one batch. */
  flushMs: number;
  /** Each instance delivers at most one change per user per this long (the latest). */
  coalesceMs: number;
}

/** argon2id parameters for new hashes, and the bound on password work (src/auth/passwords.ts). */
export interface PasswordsConfig {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
  /** Password jobs (hash or verify) running at once. */
  concurrency: number;
  /** Jobs admitted beyond those; past this a caller is refused with RATE_LIMITED. */
  maxQueued: number;
  /** The password process's nice value: how far below the server's its CPU priority is. */
  nice: number;
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

/** Uploads, attachments and where their bytes live (see src/files). */
export interface FilesConfig {
  storage: 'local' | 's3';
  /** Set when `storage` is 's3'. */
  s3: S3Config | undefined;
  /** The address clients reach this server at, for the links it hands out; unset: http://localhost:<port>. */
  publicUrl: string | undefined;
  maxBytes: number;
  /** Images with more pixels (width × height × frames) are refused before they are decoded. */
  maxImagePixels: number;
  /** Longest an image may take to decode, check and thumbnail, seconds. */
  imageTimeoutSeconds: number;
  /** How long an upload URL accepts the bytes, seconds. */
  uploadUrlTtl: number;
  /** Uploads not attached to a message within this many seconds are deleted. */
  orphanTtl: number;
  /** Download links are the same for this many seconds (so browsers cache them) and valid for up to twice as long. */
  linkTtl: number;
}

export interface S3Config {
  endpoint: string | undefined;
  bucket: string;
  region: string;
  /** Both or neither: unset, the AWS SDK's default credential chain applies. */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  forcePathStyle: boolean;
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
  if (e.EVENT_BUS === 'nats' && !e.NATS_URL) throw new ConfigError('EVENT_BUS=nats needs NATS_URL (for example nats://127.0.0.1:4222)');
  if (e.PRESENCE_LEASE_MS < 3 * e.PRESENCE_FLUSH_MS) {
    throw new ConfigError('PRESENCE_LEASE_MS must be at least 3 × PRESENCE_FLUSH_MS: leases are renewed every third of their life, at a flush');
  }
  const weak = isProduction && e.JWT_SECRET ? weakSecret(e.JWT_SECRET) : undefined;
  if (weak) throw new ConfigError(`JWT_SECRET ${weak}; production needs 32+ random characters (openssl rand -base64 48)`);
  if (!OWASP_ARGON2ID_MINIMUMS.some((m) => e.PASSWORD_MEMORY_KIB >= m.memoryKib && e.PASSWORD_TIME_COST >= m.timeCost)) {
    const list = OWASP_ARGON2ID_MINIMUMS.map((m) => `${m.memoryKib} KiB with ${m.timeCost}`).join(', ');
    throw new ConfigError(`Invalid configuration: PASSWORD_MEMORY_KIB, PASSWORD_TIME_COST: below OWASP's argon2id minimum (at least one of: ${list})`);
  }
  if (e.STORAGE === 's3' && !e.S3_BUCKET) throw new ConfigError('S3_BUCKET is required when STORAGE=s3');
  if (!e.S3_ACCESS_KEY_ID !== !e.S3_SECRET_ACCESS_KEY) {
    throw new ConfigError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are set together (or neither, for the default AWS credential chain)');
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
    httpKeepAliveMs: e.HTTP_KEEP_ALIVE_MS,
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
      reaction: e.RATE_LIMIT_REACTION,
      upload: e.RATE_LIMIT_UPLOAD,
      messageSearch: e.RATE_LIMIT_MESSAGE_SEARCH,
    },
    reactionUpdateIntervalMs: e.REACTION_UPDATE_INTERVAL_MS,
    trustProxy: e.TRUST_PROXY ?? false,
    typing: { timeoutMs: e.TYPING_TIMEOUT_MS, points: e.TYPING_MAX_PER_WINDOW, windowSeconds: e.TYPING_WINDOW },
    files: {
      storage: e.STORAGE,
      s3:
        e.STORAGE === 's3'
          ? {
              endpoint: e.S3_ENDPOINT,
              bucket: e.S3_BUCKET!,
              region: e.S3_REGION,
              credentials: e.S3_ACCESS_KEY_ID ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY! } : undefined,
              // S3-compatible servers (MinIO and the like) usually want path-style addresses.
              forcePathStyle: e.S3_FORCE_PATH_STYLE ?? e.S3_ENDPOINT !== undefined,
            }
          : undefined,
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
      maxBytes: e.UPLOAD_MAX_BYTES,
      maxImagePixels: e.UPLOAD_MAX_IMAGE_PIXELS,
      imageTimeoutSeconds: e.UPLOAD_IMAGE_TIMEOUT,
      uploadUrlTtl: e.UPLOAD_URL_TTL,
      orphanTtl: e.UPLOAD_ORPHAN_TTL,
      linkTtl: e.FILE_URL_TTL,
    },
    db: { statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS, idleInTransactionTimeoutMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS },
    messageWrites: { batchesAtOnce: e.MESSAGE_BATCHES_AT_ONCE, stalledMs: e.MESSAGE_BATCH_STALL_MS },
    passwords: {
      memoryKib: e.PASSWORD_MEMORY_KIB,
      timeCost: e.PASSWORD_TIME_COST,
      parallelism: e.PASSWORD_PARALLELISM,
      concurrency: e.PASSWORD_CONCURRENCY ?? defaultPasswordConcurrency(e.PASSWORD_PARALLELISM, e.UV_THREADPOOL_SIZE),
      maxQueued: e.PASSWORD_QUEUE,
      nice: e.PASSWORD_NICE,
    },
    bus:
      e.EVENT_BUS === 'nats'
        ? { kind: 'nats', natsUrl: e.NATS_URL!, sweepMs: e.EVENT_SWEEP_MS, startupWaitMs: e.NATS_STARTUP_WAIT_MS }
        : { kind: 'postgres', sweepMs: e.EVENT_SWEEP_MS },
    logStallMs: e.LOG_STALL_MS,
    ws: {
      maxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
      initTimeoutMs: e.WS_INIT_TIMEOUT_MS,
      maxSubscriptions: e.WS_MAX_SUBSCRIPTIONS,
      maxSocketsPerUser: e.WS_MAX_SOCKETS_PER_USER,
      maxSocketsPerIp: e.WS_MAX_SOCKETS_PER_IP,
      maxSockets: e.WS_MAX_SOCKETS,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    },
    presence: { graceMs: e.PRESENCE_GRACE_MS, leaseMs: e.PRESENCE_LEASE_MS, flushMs: e.PRESENCE_FLUSH_MS, coalesceMs: e.PRESENCE_COALESCE_MS },
  };
}

/**
 * Password jobs at once, by default: each keeps `parallelism` cores busy, so together they
 * leave a core to the event loop (deliveries, every request), however many logins arrive; and
 * fewer than the password process's libuv threads (src/auth/password-hasher.ts).
 */
export function defaultPasswordConcurrency(parallelism: number, threadPoolSize: number): number {
  return Math.max(1, Math.min(Math.floor((os.availableParallelism() - 1) / parallelism), threadPoolSize - 1));
}

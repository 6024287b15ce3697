import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { freePort } from '../../tests/helpers/free-port.js';
import { ownSession, ROOT } from './proc.js';

/**
 * Random per run (production mode, which the benchmark runs in, refuses sample secrets), and one
 * for the whole run: agents, in processes of their own with this environment, check the same tokens.
 */
export const BENCH_JWT_SECRET = (process.env.PARLEY_BENCH_JWT_SECRET ??= randomBytes(36).toString('base64url'));
const METRICS_TOKEN = 'bench-metrics-0123456789';
const UNLIMITED = '1000000000/1';

/**
 * What the benchmark changes in Parley's configuration: one address and a few hundred users
 * doing far more than people would, so every rate limit and socket cap is lifted; tokens outlive
 * the run; logs only warnings (the table measures the server, not its logging).
 */
export const BENCH_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  JWT_SECRET: BENCH_JWT_SECRET,
  METRICS_TOKEN,
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  ACCESS_TOKEN_TTL: String(24 * 3600),
  RATE_LIMIT_REGISTER: UNLIMITED,
  RATE_LIMIT_MESSAGE: UNLIMITED,
  RATE_LIMIT_INVITATION: UNLIMITED,
  RATE_LIMIT_GROUP_ADD: UNLIMITED,
  RATE_LIMIT_SEARCH: UNLIMITED,
  LOGIN_MAX_FAILURES_PER_EMAIL_IP: '1000000000',
  LOGIN_MAX_FAILURES_PER_IP: '1000000000',
  LOGIN_MAX_FAILURES_PER_EMAIL: '1000000000',
  WS_MAX_SOCKETS_PER_USER: '1000000',
  WS_MAX_SOCKETS_PER_IP: '1000000',
  WS_MAX_SOCKETS: '1000000',
  WS_MAX_SUBSCRIPTIONS: '1000',
};

export interface ParleyProcess {
  url: string;
  wsUrl: string;
  pid: number;
  /** A gauge or counter from /metrics (summed over its labels). */
  metric(name: string): Promise<number>;
  /** Resolves once `name` reaches `value` (or rejects after `timeoutMs`). */
  waitForMetric(name: string, value: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** What the instance's reader of the chat log did over a stretch of a row (see logReads). */
export interface LogReads {
  /** Reads of the log. */
  reads: number;
  /** Entries they brought. */
  entries: number;
  /** Reads that found committed entries waiting behind a transaction still running. */
  heldBack: number;
  /** Transactions that wrote plain messages, a chat's batch each (src/messages/chat-write-line.ts). */
  writes: number;
  /** Plain messages those transactions wrote. */
  written: number;
}

const LOG_COUNTERS = {
  reads: 'parley_log_reads_total',
  entries: 'parley_log_entries_read_total',
  heldBack: 'parley_log_held_back_total',
  writes: 'parley_message_batch_size_count',
  written: 'parley_message_batch_size_sum',
} as const;

/** Starts counting the instance's reads of the log: the function returned says how many since. */
export async function logReads(parley: ParleyProcess): Promise<() => Promise<LogReads>> {
  const names = Object.values(LOG_COUNTERS);
  const count = () => Promise.all(names.map((n) => parley.metric(n)));
  const before = await count();
  return async () => {
    const now = await count();
    return Object.fromEntries(Object.keys(LOG_COUNTERS).map((k, i) => [k, now[i]! - before[i]!])) as unknown as LogReads;
  };
}

/**
 * Parley as `npm start` runs it (node, tsx, src/main.ts), in production mode, on `databaseUrl`;
 * `nodeArgs` go to node before the rest (`--cpu-prof`, say).
 */
export async function startParley(databaseUrl: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ParleyProcess> {
  const port = await freePort();
  const child = ownSession(
    spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...BENCH_ENV, ...env, DATABASE_URL: databaseUrl, PORT: String(port) },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Parley exited with ${child.exitCode} during start-up`);
    const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error('Parley did not become ready within 120 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const metric = async (name: string) => {
    const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  };
  return {
    url: `${base}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    pid: child.pid!,
    metric,
    async waitForMetric(name, value, timeoutMs = 120_000) {
      const until = Date.now() + timeoutMs;
      while ((await metric(name)) < value) {
        if (Date.now() > until) throw new Error(`${name} did not reach ${value} within ${timeoutMs} ms (at ${await metric(name)})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { RateLimiterDrizzle, RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimited } from '../common/errors.js';
import { pgErrorOf } from '../db/errors.js';
import type { RateLimitsConfig, RateWindow } from '../config.js';
import type { Db } from '../db/client.js';
import { rateLimits } from '../db/schema.js';
import { metrics } from '../observability/metrics.js';
import { slot, type Slot } from '../db/plain-sql.js';

export type LimitName = keyof RateLimitsConfig;

/**
 * One budget in the shared `rate_limits` table. Taking is one atomic upsert (increment, then
 * compare), so concurrent callers on any instance can never all pass: whoever comes after the
 * budget is spent is refused, however the requests interleave.
 */
export class Counter {
  constructor(private readonly limiter: RateLimiterDrizzle) {}

  /** Takes `points`; resolves with a refusal (the wait in ms) instead of throwing when spent. */
  async take(key: string, points = 1): Promise<{ ok: true } | { ok: false; msBeforeNext: number }> {
    try {
      await this.limiter.consume(storedKey(key), points);
      return { ok: true };
    } catch (res) {
      if (res instanceof RateLimiterRes) return { ok: false, msBeforeNext: res.msBeforeNext };
      throw res;
    }
  }

  /** Gives back what an attempt took without using it. */
  async give(key: string, points = 1): Promise<void> {
    await this.limiter.reward(storedKey(key), points);
  }

  async clear(key: string): Promise<void> {
    await this.limiter.delete(storedKey(key));
  }

  /** The most a window may hold. */
  get limit(): number {
    return this.limiter.points;
  }

  /** How long a window lasts. */
  get windowMs(): number {
    return this.limiter.duration * 1000;
  }

  /** `key`'s row in the table. */
  rowKey(key: string): string {
    return this.limiter.getKey(storedKey(key));
  }
}

/** What `budget_check` (drizzle/0013_rate_budget.sql) raises when a window refuses. */
const BUDGET_REFUSED = 'PRL01';

/** True for the failure of a statement that took a `budget` which was spent. */
export function isBudgetRefused(err: unknown): boolean {
  return pgErrorOf(err)?.code === BUDGET_REFUSED;
}

export interface Reservation {
  counter: Counter;
  key: string;
  points?: number;
}

/**
 * Takes from every counter at once. When any is spent, every point taken is given back (a
 * refused attempt costs nothing, here or elsewhere) and the call fails with RATE_LIMITED,
 * `retryAfter` being the longest wait.
 */
export async function reserve(limit: string, reservations: Reservation[]): Promise<void> {
  const outcomes = await Promise.allSettled(reservations.map((r) => r.counter.take(r.key, r.points)));
  if (outcomes.every((o) => o.status === 'fulfilled' && o.value.ok)) return;
  // A refused take has counted its points too.
  await refund(reservations.filter((_, i) => outcomes[i]!.status === 'fulfilled'));
  for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
  metrics.rateLimited.inc({ limit });
  const waits = outcomes.map((o) => (o.status === 'fulfilled' && !o.value.ok ? o.value.msBeforeNext : 0));
  throw rateLimited(Math.max(1, Math.ceil(Math.max(...waits) / 1000)));
}

export async function refund(reservations: Reservation[]): Promise<void> {
  await Promise.all(reservations.map((r) => r.counter.give(r.key, r.points)));
}

/**
 * The named limits of the configuration (registrations per address; messages, invitations,
 * group adds, searches and uploads per user), and the factory for every counter in the shared table.
 */
export class RateLimits {
  private readonly named: Record<LimitName, Counter[]>;
  private readonly budgets = new Map<LimitName, Budget>();
  private sweeping = false;

  constructor(
    private readonly db: Db,
    config: RateLimitsConfig,
  ) {
    const entries = Object.entries(config) as [LimitName, RateWindow[]][];
    this.named = Object.fromEntries(entries.map(([name, windows]) => [name, windows.map((w) => this.counter(name, w))])) as Record<LimitName, Counter[]>;
  }

  /** A counter of `window` under `name`; counters of the same name and duration share their keys. */
  counter(name: string, window: RateWindow): Counter {
    // The library's sweep deletes long-expired rows of the whole table; one timer is enough.
    const clearExpiredByTimeout = !this.sweeping;
    this.sweeping = true;
    return new Counter(
      new PreparedRateLimiter({
        storeClient: this.db,
        schema: rateLimits,
        keyPrefix: `${name}-${window.seconds}s`,
        points: window.points,
        duration: window.seconds,
        clearExpiredByTimeout,
      }),
    );
  }

  /**
   * `consume` as part of a statement of the caller's transaction, so that the points are taken
   * if and only if the transaction's work commits: common table expressions ending in `budget`,
   * one row (`taken`, true) once every window took its points, for the statement to select
   * from. A window takes only where its points stay within its limit (or its window restarts);
   * when any window refuses, the statement fails (`isBudgetRefused`) and the transaction with
   * it: nothing is taken anywhere, and the caller answers with `consume`, which refuses with the
   * wait (or takes, if a window ended meanwhile). The take writes: where the transaction takes
   * locks before its first write, run it after them.
   *
   * The fragment has slots (src/db/plain-sql.ts) and is the same for every take of `name`:
   * `values` fills them for one key, at the time of the call.
   */
  budget(name: LimitName): Budget {
    let budget = this.budgets.get(name);
    if (!budget) this.budgets.set(name, (budget = budgetOf(name, this.named[name])));
    return budget;
  }

  /** Spends `points` of every window of `name` for `key`, or fails with RATE_LIMITED. */
  async consume(name: LimitName, key: string | number, points = 1): Promise<void> {
    if (points <= 0) return;
    await reserve(name, this.named[name].map((counter) => ({ counter, key: String(key), points })));
  }
}

/** A limit's take inside a statement (see RateLimits.budget). */
export interface Budget {
  /** The common table expressions, with slots. */
  sql: SQL;
  /** What fills the slots to take `points` for `key` now. */
  values(key: string | number, points?: number): Record<string, unknown>;
}

/** The slots are named after the limit, so that two budgets could share a statement. */
function budgetOf(name: LimitName, counters: Counter[]): Budget {
  const slotOf = (what: string) => slot(`${name}Budget${what}`);
  const now = slotOf('Now');
  const points = slotOf('Points');
  const keys = counters.map((_, i) => slotOf(`Key${i}`));
  const rows = counters.map((c, i) => sql`(${keys[i]}::varchar, ${slotOf(`Expire${i}`)}::timestamptz, ${c.limit}::int)`);
  const limitOf = sql.join(counters.map((c, i) => sql` when ${keys[i]}::varchar then ${c.limit}::int`));
  return {
    sql: sql`taken as (
        insert into rate_limits (key, points, expire)
        select w.key, ${points}::int, w.expire from (values ${sql.join(rows, sql`, `)}) as w(key, expire, "limit")
        where ${points}::int <= w."limit"
        on conflict (key) do update set ${restartOrAdd(now)}
        where rate_limits.expire <= ${now}::timestamptz or rate_limits.points + excluded.points <= case excluded.key${limitOf} end
        returning 1
      ), budget as (select budget_check(count(*), ${counters.length}::int) as taken from taken)`,
    values(key, points = 1) {
      const nowMs = Date.now();
      const values: Record<string, unknown> = { [`${name}BudgetNow`]: new Date(nowMs).toISOString(), [`${name}BudgetPoints`]: points };
      counters.forEach((c, i) => {
        values[`${name}BudgetKey${i}`] = c.rowKey(String(key));
        values[`${name}BudgetExpire${i}`] = new Date(nowMs + c.windowMs).toISOString();
      });
      return values;
    },
  };
}

/**
 * The library's store for drizzle, taking points in a hand-written statement: the library builds
 * its upsert with drizzle's query builder on every call, which costs more than the statement
 * itself on the message path. The statement is the library's own (rate-limiter-flexible 11,
 * RateLimiterDrizzle._upsert): the window restarts once expired, otherwise points add up.
 */
class PreparedRateLimiter extends RateLimiterDrizzle {
  private readonly db: Db;

  constructor(options: ConstructorParameters<typeof RateLimiterDrizzle>[0] & { storeClient: Db }) {
    super(options);
    this.db = options.storeClient;
  }

  async _upsert(key: string, points: number, msDuration: number, forceExpire = false) {
    const nowMs = Date.now();
    const now = new Date(nowMs).toISOString();
    const expire = msDuration > 0 ? new Date(nowMs + msDuration).toISOString() : null;
    const [row] = await this.db.execute<{ key: string; points: number; expire: string | null }>(
      sql`insert into rate_limits (key, points, expire) values (${key}, ${points}, ${expire}::timestamptz)
          on conflict (key) do update set ${forceExpire ? sql`points = excluded.points, expire = excluded.expire` : restartOrAdd(now)}
          returning key, points, expire`,
    );
    return row!;
  }
}

/** A window's row takes more points, or starts again with them once it has expired. */
function restartOrAdd(now: Slot<string>) {
  return sql`points = case when rate_limits.expire <= ${now}::timestamptz then excluded.points else rate_limits.points + excluded.points end,
             expire = case when rate_limits.expire <= ${now}::timestamptz then excluded.expire else rate_limits.expire end`;
}

/** Keys are stored as given when short and printable (readable in the table), hashed otherwise. */
function storedKey(key: string): string {
  return key.length <= 200 && /^[\x20-\x7e]*$/.test(key) ? key : createHash('sha256').update(key).digest('base64url');
}

import { RateLimiterDrizzle, RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimited } from '../common/errors.js';
import type { Db } from '../db/client.js';
import { rateLimits } from '../db/schema.js';

/**
 * Counts failed logins per email and per client address; only failures count, so ordinary
 * traffic from one address is never throttled. A success clears the email's count. The counters
 * live in PostgreSQL, so every instance shares them: attempts spread over instances add up.
 */
export class LoginLimiter {
  private readonly byEmail: RateLimiterDrizzle;
  private readonly byIp: RateLimiterDrizzle;

  constructor(db: Db, limits: { perEmail: number; perIp: number; windowSeconds: number }) {
    const store = { storeClient: db, schema: rateLimits, duration: limits.windowSeconds };
    this.byEmail = new RateLimiterDrizzle({ ...store, keyPrefix: 'login-email', points: limits.perEmail });
    this.byIp = new RateLimiterDrizzle({ ...store, keyPrefix: 'login-ip', points: limits.perIp });
  }

  /** Refuses an attempt when either budget is spent, before any password is checked. */
  async check(email: string, ip: string): Promise<void> {
    const [e, i] = await Promise.all([this.byEmail.get(email.toLowerCase()), this.byIp.get(ip)]);
    for (const [res, limiter] of [[e, this.byEmail], [i, this.byIp]] as const) {
      if (res && res.consumedPoints >= limiter.points) throw rateLimited(Math.ceil(res.msBeforeNext / 1000));
    }
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all([this.byEmail.consume(email.toLowerCase()), this.byIp.consume(ip)]).catch((res: unknown) => {
      if (res instanceof RateLimiterRes) return; // the budget is spent; the next check refuses
      throw res;
    });
  }

  async recordSuccess(email: string): Promise<void> {
    await this.byEmail.delete(email.toLowerCase());
  }
}

import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimited } from '../common/errors.js';

/**
 * Counts failed logins per email and per client address; only failures count, so ordinary
 * traffic from one address is never throttled. A success clears the email's count.
 */
export class LoginLimiter {
  private readonly byEmail: RateLimiterMemory;
  private readonly byIp: RateLimiterMemory;

  constructor(limits: { perEmail: number; perIp: number; windowSeconds: number }) {
    this.byEmail = new RateLimiterMemory({ keyPrefix: 'login-email', points: limits.perEmail, duration: limits.windowSeconds });
    this.byIp = new RateLimiterMemory({ keyPrefix: 'login-ip', points: limits.perIp, duration: limits.windowSeconds });
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

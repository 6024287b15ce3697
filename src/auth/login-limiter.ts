import type { LoginLimitsConfig } from '../config.js';
import { refund, reserve, type Counter, type RateLimits, type Reservation } from '../limits/rate-limits.js';

/**
 * Failed logins, in three budgets shared by every instance (after OWASP's authentication and
 * credential-stuffing guidance: throttle, never let strangers lock an owner out):
 * - per email and address: consecutive failures; a success clears it. Only that address is
 *   stopped for that account, so a stranger elsewhere cannot lock the owner out.
 * - per address: failures across all emails (one address trying many accounts).
 * - per email, from addresses the account has never signed in from: caps a guesser spread over
 *   many addresses at that many guesses per window, while the owner, from an address they used
 *   before, is never held back by it.
 *
 * An attempt takes its points BEFORE the (slow) password check, each take being one atomic
 * increment in PostgreSQL, so concurrent guesses cannot all slip in before the first failure is
 * written: at most the budget is ever checked. A success gives the points back, so only failures
 * count; a refused attempt gives back what it took elsewhere.
 */
export class LoginLimiter {
  private readonly byEmailIp: Counter;
  private readonly byIp: Counter;
  private readonly byEmail: Counter;

  constructor(limits: RateLimits, config: LoginLimitsConfig) {
    const window = (points: number) => ({ points, seconds: config.windowSeconds });
    this.byEmailIp = limits.counter('login-email-ip', window(config.perEmailIp));
    this.byIp = limits.counter('login-ip', window(config.perIp));
    this.byEmail = limits.counter('login-email', window(config.perEmail));
  }

  /** Reserves an attempt for `email` from `ip`; RATE_LIMITED when a budget is spent. */
  async begin(email: string, ip: string): Promise<LoginAttempt> {
    const key = email.trim().toLowerCase();
    const taken: Reservation[] = [
      { counter: this.byEmailIp, key: JSON.stringify([key, ip]) },
      { counter: this.byIp, key: ip },
    ];
    await reserve('login', taken);
    return new LoginAttempt(taken, { counter: this.byEmail, key });
  }
}

export class LoginAttempt {
  constructor(
    private readonly taken: Reservation[],
    private readonly perEmail: Reservation,
  ) {}

  /** The account has never been signed into from this address: the per-email budget applies. */
  async fromNewAddress(): Promise<void> {
    try {
      await reserve('login', [this.perEmail]);
    } catch (err) {
      await refund(this.taken);
      throw err;
    }
    this.taken.push(this.perEmail);
  }

  /** The password was right: the failures of this email at this address are forgiven. */
  async succeeded(): Promise<void> {
    const [emailIp, ...rest] = this.taken;
    await Promise.all([emailIp!.counter.clear(emailIp!.key), refund(rest)]);
  }
}

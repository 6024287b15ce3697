import argon2 from 'argon2';
import { rateLimited } from '../common/errors.js';
import type { PasswordsConfig } from '../config.js';
import { metrics } from '../observability/metrics.js';
import { sharedHasher, type PasswordHasher } from './password-hasher.js';

export interface PasswordCheck {
  ok: boolean;
  /** The stored hash was made with other parameters than today's: hash the password again. */
  stale: boolean;
}

/** What a caller admitted to password work may do; each call waits for a free slot. */
export interface PasswordWork {
  hash(password: string): Promise<string>;
  /** Checks `password` against `hash`; an unknown account (no hash) costs the same and fails. */
  verify(hash: string | undefined, password: string): Promise<PasswordCheck>;
}

/**
 * Password hashing and checking with argon2id, bounded. At most `concurrency` jobs run at once
 * (fewer than libuv's threads and the cores, see config.ts), so a burst of logins can neither
 * hold up the event loop nor queue ahead of other thread-pool work; at most `maxQueued` more
 * callers are admitted, and the next is refused at once with RATE_LIMITED (and `retryAfter`),
 * before it costs anything.
 *
 * Each hash names its own parameters (`$argon2id$v=19$m=…,t=…,p=…$`), so a hash made with other
 * ones still verifies and is reported `stale`, for the caller to store a new one. The hashing
 * itself runs in the password process, at a lower CPU priority (password-hasher.ts).
 */
export class Passwords {
  private readonly options;
  private admitted = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** A moving average of one job's duration, for `retryAfter`. */
  private jobMs = 50;
  // Verified against when the email is unknown, so both failures take about the same time.
  private dummyHash: Promise<string> | undefined;

  private readonly hasher: PasswordHasher;

  constructor(private readonly config: PasswordsConfig) {
    this.options = { type: argon2.argon2id, memoryCost: config.memoryKib, timeCost: config.timeCost, parallelism: config.parallelism } as const;
    this.hasher = sharedHasher(config.nice);
    this.hasher.warm();
  }

  /**
   * Runs `task` with a place in the password queue, taken before anything else happens so that
   * a refusal costs nothing (no rate-limit points, no database work).
   */
  async admit<T>(task: (work: PasswordWork) => Promise<T>): Promise<T> {
    if (this.admitted >= this.config.concurrency + this.config.maxQueued) {
      metrics.rateLimited.inc({ limit: 'password' });
      throw rateLimited(this.retryAfterSeconds());
    }
    this.admitted += 1;
    try {
      return await task({
        hash: (password) => this.job(() => this.hasher.hash(password, this.options)),
        verify: (hash, password) => this.job(() => this.check(hash, password)),
      });
    } finally {
      this.admitted -= 1;
    }
  }

  private async check(hash: string | undefined, password: string): Promise<PasswordCheck> {
    if (!hash) {
      // A failed attempt is not kept: the next unknown email tries again.
      this.dummyHash ??= this.hasher.hash('parley-timing-equaliser', this.options).catch((err: unknown) => {
        this.dummyHash = undefined;
        throw err;
      });
      await this.hasher.verify(await this.dummyHash, password).catch(() => false);
      return { ok: false, stale: false };
    }
    const ok = await this.hasher.verify(hash, password).catch(() => false);
    return { ok, stale: ok && this.isStale(hash) };
  }

  private isStale(hash: string): boolean {
    try {
      return !hash.startsWith('$argon2id$') || argon2.needsRehash(hash, this.options);
    } catch {
      return true;
    }
  }

  private async job<T>(run: () => Promise<T>): Promise<T> {
    if (this.running >= this.config.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.jobMs = 0.8 * this.jobMs + 0.2 * (performance.now() - started);
      // The slot passes straight to the next waiter, so `running` stays as it is.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  /** About how long the jobs admitted now take to clear. */
  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.admitted * this.jobMs) / this.config.concurrency / 1000));
  }
}

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: Error): void;
}

/**
 * A push-based async iterator for one subscriber. `return()` (the client unsubscribed or the
 * socket closed) runs the cleanup; a subscriber that falls `limit` events behind is ended with
 * an error rather than buffering without bound.
 *
 * A consumer that handles items as they come (`consumeWith`) is handed each one synchronously
 * at its push; `next()` then only tells it that the queue ended, or why it failed.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: Waiter<T>[] = [];
  private failure: Error | null = null;
  private done = false;
  private consume: ((item: T) => void) | null = null;
  private consumerBacklog: () => number = () => 0;
  /** Who waits for the backlog to fall (a feed's replay, one page at a time). */
  private drained: { atMost: number; resolve: () => void } | null = null;

  constructor(
    private readonly onClose: () => void,
    /** Items it may hold for a consumer that has not taken them (or, consuming directly, has yet to handle). */
    readonly limit = 1000,
  ) {}

  get closed(): boolean {
    return this.done;
  }

  push(item: T): void {
    if (this.done) return;
    if (this.consume) return this.consume(item);
    const waiter = this.waiting.shift();
    if (waiter) return waiter.resolve({ value: item, done: false });
    if (this.items.length >= this.limit) return this.fail(new Error('Subscriber fell too far behind'));
    this.items.push(item);
  }

  /**
   * From now on, items go to `consume` as they are pushed (those already waiting first).
   * `backlog` is how many it has taken and not yet handled.
   */
  consumeWith(consume: (item: T) => void, backlog: () => number = () => 0): void {
    this.consume = consume;
    this.consumerBacklog = backlog;
    for (const item of this.items.splice(0)) {
      if (this.done) break;
      consume(item);
    }
    this.handled();
  }

  /** Items pushed and not yet handled: waiting here, or taken by the consumer and still in hand. */
  get backlog(): number {
    return this.items.length + this.consumerBacklog();
  }

  /**
   * Resolves once the backlog is at most `atMost`, or the queue has ended: told by the queue
   * itself and by the consumer (`handled`), never polled. One waiter at a time.
   */
  backlogAtMost(atMost: number): Promise<void> {
    if (this.done || this.backlog <= atMost) return Promise.resolve();
    this.drained?.resolve();
    return new Promise((resolve) => (this.drained = { atMost, resolve }));
  }

  /** The backlog may have fallen (a direct consumer handled items it had in hand): tells a waiter it reached. */
  handled(): void {
    const drained = this.drained;
    if (drained && (this.done || this.backlog <= drained.atMost)) {
      this.drained = null;
      drained.resolve();
    }
  }

  /**
   * Ends the queue with `reason` (an Error, or what was thrown, wrapped in one): a consumer
   * waiting in `next()` gets it, or the next to call it does.
   */
  fail(reason: unknown): void {
    if (this.done) return;
    const error = reason instanceof Error ? reason : new Error(String(reason));
    this.items.length = 0;
    const waiting = this.waiting.splice(0);
    if (waiting.length) for (const waiter of waiting) waiter.reject(error);
    else this.failure = error;
    void this.return();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length) {
      const value = this.items.shift()!;
      this.handled();
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) {
      const error = this.failure;
      this.failure = null;
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.done) {
      this.done = true;
      this.onClose();
      for (const waiter of this.waiting.splice(0)) waiter.resolve({ value: undefined, done: true });
      this.handled();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

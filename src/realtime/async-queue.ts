/**
 * A push-based async iterator for one subscriber. `return()` (the client unsubscribed or the
 * socket closed) runs the cleanup; a subscriber that falls `limit` events behind is ended with
 * an error rather than buffering without bound.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: ((result: IteratorResult<T>) => void)[] = [];
  private failure: Error | null = null;
  private done = false;

  constructor(
    private readonly onClose: () => void,
    private readonly limit = 1000,
  ) {}

  get closed(): boolean {
    return this.done;
  }

  push(item: T): void {
    if (this.done) return;
    const waiter = this.waiting.shift();
    if (waiter) return waiter({ value: item, done: false });
    if (this.items.length >= this.limit) return this.fail(new Error('Subscriber fell too far behind'));
    this.items.push(item);
  }

  fail(error: Error): void {
    if (this.done) return;
    this.failure = error;
    this.items.length = 0;
    void this.return();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.failure) {
      const error = this.failure;
      this.failure = null;
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.done) {
      this.done = true;
      this.onClose();
      for (const waiter of this.waiting.splice(0)) waiter({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

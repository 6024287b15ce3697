import DataLoader from 'dataloader';

/**
 * A DataLoader that also answers without a promise for what it has already loaded. graphql-js
 * completes an object synchronously only when every field does: one promise per row (a
 * message's sender, say) costs each of a page's rows, or each subscriber's payload, a chain of
 * promises. A resolver that finds its value ready returns it as it is. A primed value is ready
 * too; since DataLoader keeps a key's first value, prime only keys not asked for yet.
 */
export class ReadyLoader<K, V> extends DataLoader<K, V> {
  private readonly ready: Map<K, V>;

  constructor(batch: DataLoader.BatchLoadFn<K, V>) {
    const ready = new Map<K, V>();
    super(async (keys) => {
      const values = await batch(keys);
      keys.forEach((key, i) => {
        const value = values[i];
        if (!(value instanceof Error)) ready.set(key, value as V);
      });
      return values;
    });
    this.ready = ready;
  }

  /** The value for `key` when already loaded; undefined when it has to be loaded. */
  peek(key: K): V | undefined {
    return this.ready.get(key);
  }

  /** DataLoader's, and the value is ready at once. */
  override prime(key: K, value: V | PromiseLike<V> | Error): this {
    if (!this.ready.has(key) && !(value instanceof Error) && !isPromiseLike(value)) this.ready.set(key, value);
    return super.prime(key, value);
  }

  override clear(key: K): this {
    this.ready.delete(key);
    return super.clear(key);
  }

  override clearAll(): this {
    this.ready.clear();
    return super.clearAll();
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../src/realtime/async-queue.js';

/** Every promise job queued so far has run: what a resolve done synchronously would have settled. */
const jobsRun = () => new Promise((resolve) => setImmediate(resolve));

/** The queue behind every subscription (src/realtime/async-queue.ts). */
describe('AsyncQueue', () => {
  it('hands a direct consumer what waited first, then each push at once, in order', () => {
    const queue = new AsyncQueue<number>(() => {});
    queue.push(1);
    queue.push(2);
    const seen: number[] = [];
    queue.consumeWith((n) => seen.push(n));
    expect(seen).toEqual([1, 2]);
    queue.push(3);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('ends a consumer waiting in next() with the error that failed the queue, and cleans up once', async () => {
    let closed = 0;
    const queue = new AsyncQueue<number>(() => closed++);
    queue.consumeWith(() => {});
    const waiting = queue.next();
    queue.fail(new Error('Too far behind'));
    await expect(waiting).rejects.toThrow('Too far behind');
    expect(closed).toBe(1);
    await expect(queue.next()).resolves.toEqual({ value: undefined, done: true });
    queue.push(4);
    expect(closed).toBe(1);
  });

  it('keeps the error for the next call to next() when nobody was waiting', async () => {
    const queue = new AsyncQueue<number>(() => {});
    queue.push(1);
    queue.fail(new Error('Subscriber fell too far behind'));
    await expect(queue.next()).rejects.toThrow('Subscriber fell too far behind');
    await expect(queue.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('fails a queue nobody reads once it holds its limit', async () => {
    const queue = new AsyncQueue<number>(() => {}, 3);
    for (let i = 0; i < 4; i++) queue.push(i);
    expect(queue.closed).toBe(true);
    await expect(queue.next()).rejects.toThrow('Subscriber fell too far behind');
  });

  it('tells a waiting replay once a reader has taken all but `atMost` of what it was given', async () => {
    const queue = new AsyncQueue<number>(() => {});
    for (let i = 0; i < 5; i++) queue.push(i);
    let drained = false;
    const waiting = queue.backlogAtMost(2).then(() => (drained = true));
    await queue.next();
    await queue.next();
    await jobsRun();
    expect(drained).toBe(false);
    await queue.next();
    await waiting;
    expect(queue.backlog).toBe(2);
  });

  it('tells it when a direct consumer has handled what it held', async () => {
    const queue = new AsyncQueue<number>(() => {});
    const held: number[] = [];
    queue.consumeWith((n) => held.push(n), () => held.length);
    for (let i = 0; i < 4; i++) queue.push(i);
    let drained = false;
    const waiting = queue.backlogAtMost(1).then(() => (drained = true));
    held.splice(0, 2);
    queue.handled();
    await jobsRun();
    expect(drained).toBe(false);
    held.splice(0, 1);
    queue.handled();
    await waiting;
    // Already low enough: no wait at all.
    await queue.backlogAtMost(1);
  });

  it('lets a waiting replay go when the subscription ends', async () => {
    const queue = new AsyncQueue<number>(() => {});
    queue.push(1);
    queue.push(2);
    const waiting = queue.backlogAtMost(0);
    await queue.return();
    await expect(waiting).resolves.toBeUndefined();
  });
});

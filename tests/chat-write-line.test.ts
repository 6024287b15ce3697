import { describe, expect, it } from 'vitest';
import { ChatWriteLine, type ChatJobs, type Outcome, type WriteLineOptions } from '../src/messages/chat-write-line.js';

/**
 * The line's scheduling alone (src/messages/chat-write-line.ts), with a writer that records each
 * batch and is let go by the test; message-batches.test.ts runs it against PostgreSQL.
 */
function line(options: Partial<WriteLineOptions> = {}) {
  const batches: { batch: ChatJobs<string>[]; finish(): void }[] = [];
  const writes = new ChatWriteLine<string, string>(
    (batch) =>
      new Promise<Outcome<string>[][]>((resolve) => {
        const answers = batch.map((c) => c.jobs.map((job): Outcome<string> => (job.startsWith('bad') ? { status: 'rejected', reason: new Error(job) } : { status: 'fulfilled', value: `${c.chatId}:${job}` })));
        batches.push({ batch, finish: () => resolve(answers) });
      }),
    { maxBatch: 64, maxInFlight: 1, stalledMs: 60_000, ...options },
  );
  const shapes = () => batches.map(({ batch }) => batch.map((c) => `${c.chatId}:${c.jobs.join(',')}`).join(' '));
  /** Lets the `i`th batch's write end, and waits until the line has acted on it. */
  const finish = async (i: number) => {
    batches[i]!.finish();
    await settle();
  };
  return { writes, batches, shapes, finish };
}

/** Every promise job queued so far has run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ChatWriteLine', () => {
  it("sends a job at once when a batch is free; the chats that come meanwhile go together next, each chat's jobs in order", async () => {
    const { writes, batches, shapes, finish } = line();
    const answers = [writes.submit(1, 'a'), writes.submit(2, 'b'), writes.submit(1, 'c'), writes.submit(3, 'd'), writes.submit(2, 'e')];
    expect(shapes()).toEqual(['1:a']);
    expect(writes.waiting).toBe(4);
    await finish(0);
    // Chat 1 waited for its batch behind the others that waited.
    expect(shapes()).toEqual(['1:a', '2:b,e 3:d 1:c']);
    batches[1]!.finish();
    expect(await Promise.all(answers)).toEqual(['1:a', '2:b', '1:c', '3:d', '2:e']);
    expect(writes.waiting).toBe(0);
  });

  it('never writes two batches of one chat at once, however many are free', async () => {
    const { writes, shapes, finish } = line({ maxInFlight: 10 });
    void writes.submit(1, 'a');
    void writes.submit(2, 'b');
    void writes.submit(1, 'c');
    expect(shapes()).toEqual(['1:a', '2:b']);
    await finish(1);
    expect(shapes()).toEqual(['1:a', '2:b']);
    await finish(0);
    expect(shapes()).toEqual(['1:a', '2:b', '1:c']);
  });

  it('fills a batch up to its size; a chat whose jobs overflow it keeps the rest for its next', async () => {
    const { writes, shapes, finish } = line({ maxBatch: 3 });
    void writes.submit(9, 'first');
    for (const job of ['a1', 'a2']) void writes.submit(1, job);
    for (const job of ['b1', 'b2', 'b3']) void writes.submit(2, job);
    await finish(0);
    expect(shapes()).toEqual(['9:first', '1:a1,a2 2:b1']);
    await finish(1);
    expect(shapes()).toEqual(['9:first', '1:a1,a2 2:b1', '2:b2,b3']);
  });

  it('stops counting a batch that outlasts the stall time: the chats behind it go, its own chat still waits', async () => {
    const { writes, batches, shapes, finish } = line({ stalledMs: 20 });
    void writes.submit(1, 'stuck');
    void writes.submit(1, 'behind');
    const other = writes.submit(2, 'goes');
    expect(shapes()).toEqual(['1:stuck']);
    // Resolves only if chat 2 got a batch while chat 1's is still being written.
    while (batches.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(shapes()).toEqual(['1:stuck', '2:goes']);
    batches[1]!.finish();
    expect(await other).toBe('2:goes');
    await finish(0);
    expect(shapes()).toEqual(['1:stuck', '2:goes', '1:behind']);
  });

  it("answers each job with its own outcome, and every job of a batch whose write failed with that failure", async () => {
    const failing = new ChatWriteLine<string, string>(async () => Promise.reject(new Error('connection lost')), { maxBatch: 64, maxInFlight: 1, stalledMs: 60_000 });
    await expect(failing.submit(1, 'x')).rejects.toThrow('connection lost');
    const { writes, batches, finish } = line();
    const good = writes.submit(1, 'good');
    const bad = writes.submit(2, 'bad one');
    await finish(0);
    batches[1]!.finish();
    expect(await good).toBe('1:good');
    await expect(bad).rejects.toThrow('bad one');
  });
});

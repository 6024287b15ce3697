import { GraphQLInt, GraphQLObjectType, GraphQLSchema, parse, type ExecutionArgs } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Context } from '../src/context.js';
import { AsyncQueue } from '../src/realtime/async-queue.js';
import { createFanOut, type Sink } from '../src/realtime/fan-out.js';

/**
 * src/realtime/fan-out.ts hands a subscription's events to it as they are pushed. While one
 * event's result is still to come, the ones after it wait behind it: in order, and up to the
 * queue's own limit (a presence subscriber may hear a whole burst at once), not past it.
 */
function scenario(limit: number) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const queue = new AsyncQueue<{ n: number }>(() => {}, limit);
  const Tick = new GraphQLObjectType({
    name: 'Tick',
    // Every event's result waits until the gate opens.
    fields: { n: { type: GraphQLInt, resolve: async (tick: { n: number }) => (await gate, tick.n) } },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { n: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: { tick: { type: Tick, subscribe: () => queue, resolve: (tick: unknown) => tick } },
    }),
  });
  const frames: string[] = [];
  let onFrame = () => {};
  const sink: Sink = {
    id: 'sub-1',
    open: () => true,
    sendParts: (head, body) => {
      frames.push(Buffer.concat([head, body]).toString());
      onFrame();
    },
    present: (result) => result,
  };
  const contextValue = { viewerId: 1, sessionId: 's', loadersFor: () => ({}) } as unknown as Context;
  const args: ExecutionArgs = { schema, document: parse('subscription { tick { n } }'), contextValue };
  const fanOut = createFanOut();
  fanOut.remember(args, 'tick', sink);
  const framesReach = (count: number) =>
    new Promise<void>((resolve) => {
      onFrame = () => frames.length >= count && resolve();
      onFrame();
    });
  return { queue, open, frames, framesReach, subscribe: () => fanOut.subscribe(args) as Promise<AsyncIterableIterator<unknown>> };
}

describe('direct delivery to a subscription', () => {
  it('keeps a burst larger than the default limit in order behind a pending result, up to the queue limit', async () => {
    const s = scenario(5000);
    await s.subscribe();
    for (let n = 0; n < 3000; n++) s.queue.push({ n });
    expect(s.frames).toEqual([]);
    s.open();
    await s.framesReach(3000);
    expect(s.frames.map((f) => JSON.parse(f) as unknown)).toEqual(Array.from({ length: 3000 }, (_, n) => ({ id: 'sub-1', type: 'next', payload: { data: { tick: { n } } } })));
    expect(s.queue.closed).toBe(false);
  });

  it('ends the subscription with an error once more than its limit wait', async () => {
    const s = scenario(100);
    const results = await s.subscribe();
    const ended = results.next();
    for (let n = 0; n < 102; n++) s.queue.push({ n });
    await expect(ended).rejects.toThrow('Subscriber fell too far behind');
    expect(s.queue.closed).toBe(true);
  });
});

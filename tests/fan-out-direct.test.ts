import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionArgs } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Context } from '../src/context.js';
import { AsyncQueue } from '../src/realtime/async-queue.js';
import { createFanOut, type Sink } from '../src/realtime/fan-out.js';
import { until } from './helpers/ws.js';

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
  // An event whose `n` is negative cannot even start executing (a failure outside GraphQL).
  const loadersFor = (tick: { n: number }) => {
    if (tick.n < 0) throw new Error('cannot execute');
    return {};
  };
  const contextValue = { viewerId: 1, sessionId: 's', loadersFor } as unknown as Context;
  const args: ExecutionArgs = { schema, document: parse('subscription { tick { n } }'), contextValue };
  const fanOut = createFanOut();
  fanOut.remember(args, 'tick', sink);
  const framesReach = (count: number) =>
    new Promise<void>((resolve) => {
      onFrame = () => frames.length >= count && resolve();
      onFrame();
    });
  return {
    queue,
    open,
    frames,
    framesReach,
    schema,
    fanOut,
    contextValue,
    subscribe: () => fanOut.subscribe(args) as Promise<AsyncIterableIterator<unknown>>,
  };
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

  it("fails a subscription that comes to an event whose group's execution already failed, rather than leaving it waiting", async () => {
    const s = scenario(100);
    s.open();
    // Two subscriptions that asked the same thing, each with a queue of its own.
    const queues = [0, 1].map(() => new AsyncQueue<{ n: number }>(() => {}));
    const subscriptions = queues.map((queue) => {
      const schema = new GraphQLSchema({
        query: s.schema.getQueryType()!,
        subscription: new GraphQLObjectType({
          name: 'Subscription',
          fields: { tick: { type: s.schema.getSubscriptionType()!.getFields().tick!.type, subscribe: () => queue, resolve: (tick: unknown) => tick } },
        }),
      });
      const args: ExecutionArgs = { schema, document: parse('subscription { tick { n } }'), contextValue: s.contextValue };
      s.fanOut.remember(args, 'tick', { id: 'x', open: () => true, sendParts: () => {}, present: (result) => result });
      return s.fanOut.subscribe(args) as Promise<AsyncIterableIterator<unknown>>;
    });
    const [first, second] = await Promise.all(subscriptions);
    const event = { n: -1 };
    const firstEnded = first!.next();
    queues[0]!.push(event);
    await expect(firstEnded).rejects.toThrow('cannot execute');
    // The same event reaches the second subscription only now, after its group's execution failed.
    const secondEnded = second!.next();
    queues[1]!.push(event);
    await expect(secondEnded).rejects.toThrow('cannot execute');
  });
});

describe('grouping by who asks', () => {
  it('gives each session its own answer once a selection turned out to depend on the session', async () => {
    const Whoami = new GraphQLObjectType({
      name: 'Whoami',
      fields: { session: { type: GraphQLString, resolve: (_event: unknown, _args: unknown, ctx: Context) => ctx.sessionId } },
    });
    const fanOut = createFanOut();
    // One user signed in twice, asking the same thing: the same group key, viewer and event.
    const sessions = ['phone', 'laptop'].map((sessionId) => {
      const queue = new AsyncQueue<{ n: number }>(() => {});
      const schema = new GraphQLSchema({
        query: new GraphQLObjectType({ name: 'Query', fields: { n: { type: GraphQLInt } } }),
        subscription: new GraphQLObjectType({ name: 'Subscription', fields: { whoami: { type: Whoami, subscribe: () => queue, resolve: (e: unknown) => e } } }),
      });
      const frames: string[] = [];
      const contextValue = { viewerId: 7, sessionId, loadersFor: () => ({}) } as unknown as Context;
      const args: ExecutionArgs = { schema, document: parse('subscription { whoami { session } }'), contextValue };
      fanOut.remember(args, 'whoami', { id: sessionId, open: () => true, sendParts: (head, body) => frames.push(Buffer.concat([head, body]).toString()), present: (r) => r });
      return { sessionId, queue, frames, subscribed: fanOut.subscribe(args) };
    });
    await Promise.all(sessions.map((s) => s.subscribed));
    // The first event finds out that the selection depends on who asks; the second is grouped so.
    for (const n of [1, 2]) {
      const event = { n };
      for (const s of sessions) s.queue.push(event);
      await until(() => sessions.every((s) => s.frames.length === n), 5000, `event ${n} delivered`);
    }
    for (const s of sessions) {
      expect(s.frames.map((f) => (JSON.parse(f) as { payload: { data: { whoami: { session: string } } } }).payload.data.whoami.session)).toEqual([s.sessionId, s.sessionId]);
    }
  });
});

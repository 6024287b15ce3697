import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { SHARED_LOADERS, type Context, type Loaders } from '../context.js';
import { isTransientDatabaseError } from '../db/errors.js';
import { metrics } from '../observability/metrics.js';
import { AsyncQueue } from './async-queue.js';

/**
 * Subscriptions executed once per group instead of once per subscriber. graphql-ws runs a full
 * GraphQL execution for every subscriber of every event; here, subscribers who asked the same
 * thing (document, operation and variables) share one execution per event, and the result
 * object itself, unless the selection depends on who is asking.
 *
 * Which selections depend on the viewer is found out, not declared: the first execution of a
 * selection runs with a context that notices any use of the viewer (`viewerId`, `sessionId`, or
 * a loader outside the shared, viewer-independent set). A selection that used the viewer is
 * executed once per viewer and session from then on, and that first result is thrown away.
 * Nothing a new field resolver does can leak one viewer's (or one session's) answer to another.
 */
export interface FanOut {
  /** graphql-ws's `subscribe`: the source stream, each event mapped to its (shared) result. */
  subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
  /**
   * Names what `args` asks (query text, operation, variables): subscribers with one key share.
   * With a sink, a subscription fed by one of the hub's queues writes its `next` frames itself
   * (see `Sink`); any other is left to graphql-ws.
   */
  remember(args: ExecutionArgs, key: string, sink?: Sink): void;
}

/**
 * Where a subscription's frames go when it sends them itself: graphql-ws would serialise every
 * subscriber's copy of a shared result; a sink writes the result's JSON, made once per group,
 * inside each subscriber's own `next` frame. graphql-ws still runs the protocol (subscribe,
 * complete, errors); it just never sees these results.
 */
export interface Sink {
  /** The subscription's id, chosen by the client. */
  id: string;
  /** False once the client completed it or the socket closed: nothing more may be sent. */
  open(): boolean;
  /** Sends one text frame: `head`, then `body` (see ws-frames.ts). */
  sendParts(head: Buffer, body: Buffer): void;
  /** The result as the client may see it (errors masked, as graphql-ws's `onNext` would). */
  present(result: ExecutionResult): ExecutionResult;
}

type Outcome = ExecutionResult | typeof PER_VIEWER;

/** One group's execution of an event. */
interface Execution {
  pending: Promise<Outcome>;
  /** How it settled, once it has. */
  outcome?: Outcome | Failed;
  /** Subscriptions waiting for it that write their own frames: told together when it settles. */
  waiters: Waiter[];
}

/** A subscription waiting for an execution. */
interface Waiter {
  told(outcome: Outcome | Failed): void;
}

/** An execution that threw instead of settling into a result (with errors or without). */
class Failed {
  constructor(readonly error: unknown) {}
}

/** The result an execution's group shares, once it settled into one. */
function sharedResult(execution: Execution | undefined): ExecutionResult | undefined {
  const outcome = execution?.outcome;
  return outcome === undefined || outcome === PER_VIEWER || outcome instanceof Failed ? undefined : outcome;
}

/** Executions of one event, by group key; dropped with the event. */
const executions = new WeakMap<object, Map<string, Execution>>();
const PER_VIEWER = Symbol('per viewer');
const MAX_KNOWN = 10_000;

/** Each (shared) result as a `next` frame's payload and closing brace, encoded once however many sockets it goes to. */
const serialized = new WeakMap<ExecutionResult, Buffer>();

export function createFanOut(): FanOut {
  const keys = new WeakMap<ExecutionArgs, string>();
  const sinks = new WeakMap<ExecutionArgs, Sink>();
  /** Group keys whose selection turned out to depend on the viewer. */
  const perViewer = new Set<string>();

  /** The group `args` belongs to for `payload`; undefined when it shares with nobody. */
  function groupOf(payload: unknown, args: ExecutionArgs): string | undefined {
    const key = keys.get(args);
    if (key === undefined || typeof payload !== 'object' || payload === null) return undefined;
    if (!perViewer.has(key)) return key;
    // Who is asking, down to the session: both are what a selection may have used.
    const { viewerId, sessionId } = args.contextValue as Context;
    return `${key}\u0000${viewerId}\u0000${sessionId}`;
  }

  /** The group's execution of the event, started by the first of its subscribers to ask. */
  function executionFor(payload: object, args: ExecutionArgs, groupKey: string): Execution {
    let byKey = executions.get(payload);
    if (!byKey) executions.set(payload, (byKey = new Map()));
    let execution = byKey.get(groupKey);
    if (execution) return execution;
    const base = args.contextValue as Context;
    const key = keys.get(args)!;
    const observed = !perViewer.has(key);
    const pending = (async (): Promise<Outcome> => {
      const { result, usedViewer } = run(args, payload, base, observed);
      const settled = await result;
      if (observed && usedViewer()) {
        if (perViewer.size >= MAX_KNOWN) perViewer.clear();
        perViewer.add(key);
        return PER_VIEWER;
      }
      return settled;
    })();
    const created: Execution = { pending, waiters: [] };
    const tell = (outcome: Outcome | Failed) => {
      created.outcome = outcome;
      for (const waiter of created.waiters.splice(0)) waiter.told(outcome);
    };
    // Failures are the awaiting subscribers' to handle.
    pending.then(tell, (err: unknown) => tell(new Failed(err)));
    byKey.set(groupKey, (execution = created));
    return execution;
  }

  async function resultFor(payload: unknown, args: ExecutionArgs, groupKey: string | undefined): Promise<ExecutionResult> {
    const base = args.contextValue as Context;
    if (groupKey === undefined) return run(args, payload, base, false).result;
    const outcome = await executionFor(payload as object, args, groupKey).pending;
    // The first subscriber's execution used the viewer: everyone runs their own.
    return outcome === PER_VIEWER ? run(args, payload, base, false).result : outcome;
  }

  const groups: Groups = { groupOf, executionFor };

  return {
    remember(args, key, sink) {
      keys.set(args, key);
      if (sink) sinks.set(args, sink);
    },
    async subscribe(args) {
      const stream = await createSourceEventStream(args);
      if (!isAsyncIterable(stream)) return stream as ExecutionResult;
      const source = stream[Symbol.asyncIterator]();
      const sink = sinks.get(args);
      if (sink && source instanceof AsyncQueue) return new DirectSubscription(source, args, sink, groups);
      // Otherwise graphql-ws writes the results. A plain iterator rather than an async
      // generator: one small object per subscription.
      const results: AsyncIterableIterator<ExecutionResult> = {
        async next() {
          const next = await source.next();
          if (next.done) return next;
          const group = groupOf(next.value, args);
          // A result the group already has is used as it is, without a turn through promises.
          const result = (group !== undefined && sharedResult(executions.get(next.value as object)?.get(group))) || (await resultFor(next.value, args, group));
          return { value: result, done: false };
        },
        async return() {
          await source.return?.();
          return { value: undefined, done: true };
        },
        [Symbol.asyncIterator]() {
          return results;
        },
      };
      return results;
    },
  };
}

/** What a direct subscription needs of its fan-out: the group of an event, and its execution. */
interface Groups {
  groupOf(payload: unknown, args: ExecutionArgs): string | undefined;
  executionFor(payload: object, args: ExecutionArgs, groupKey: string): Execution;
}

/**
 * A subscription that writes its own frames, fed by a queue: each event is handled as the hub
 * pushes it, with no turn through an iterator and its promises per subscriber and event. A
 * result the group already has is written at once; otherwise it is written when it settles,
 * and the events after it wait behind it, so that frames keep the log's order. The iterator
 * graphql-ws holds (this object) only ends: when the subscription does, or with the error that
 * ended it. A class with methods, not closures: nothing is allocated per event but its place
 * in a waiting list.
 */
class DirectSubscription implements AsyncIterableIterator<ExecutionResult>, Waiter {
  /** Every `next` frame of this subscription starts so; the result and a closing brace follow. */
  private readonly head: Buffer;
  /** Events behind one whose result is still to come; null while none is. */
  private behind: unknown[] | null = null;
  /** The event whose group's execution this subscription waits for. */
  private awaiting: unknown = undefined;

  constructor(
    private readonly source: AsyncQueue<unknown>,
    private readonly args: ExecutionArgs,
    private readonly sink: Sink,
    private readonly groups: Groups,
  ) {
    this.head = Buffer.from(`{"id":${JSON.stringify(sink.id)},"type":"next","payload":`);
    source.consumeWith(this.take, () => (this.behind === null ? 0 : this.behind.length + 1));
  }

  /** The hub hands one event to many subscribers in a row: one's failure is its own. */
  private readonly take = (payload: unknown): void => {
    try {
      if (this.behind === null) this.handle(payload);
      else if (this.behind === NOTHING) this.behind = [payload];
      else if (this.behind.length < this.source.limit) this.behind.push(payload);
      else this.fail(new Error('Subscriber fell too far behind'));
    } catch (err) {
      this.fail(err);
    }
  };

  private readonly fail = (err: unknown): void => {
    this.source.fail(err);
  };

  /** The awaited result came: written, then the events that waited for it are handled. */
  private readonly settled = (result: ExecutionResult): void => {
    if (this.source.closed) return;
    try {
      this.write(result);
      const waiting = this.behind!;
      this.behind = null;
      while (waiting.length && this.behind === null) this.handle(waiting.shift());
      // Another result to wait for: the rest keep their place ahead of anything newer.
      if (this.behind !== null) this.behind = waiting;
      this.source.handled();
    } catch (err) {
      this.fail(err);
    }
  };

  /** The group's execution of the awaited event settled. */
  told(outcome: Outcome | Failed): void {
    const payload = this.awaiting;
    this.awaiting = undefined;
    try {
      if (outcome instanceof Failed) this.fail(outcome.error);
      // The selection used the viewer: this subscriber runs its own.
      else if (outcome === PER_VIEWER) this.own(payload);
      else this.settled(outcome);
    } catch (err) {
      this.fail(err);
    }
  }

  private write(result: ExecutionResult): void {
    if (this.sink.open()) this.sink.sendParts(this.head, bodyOf(result, this.sink));
  }

  /** Executes the event for this subscriber alone (the events already waiting stay behind it). */
  private own(payload: unknown): void {
    this.behind ??= NOTHING;
    run(this.args, payload, this.args.contextValue as Context, false).result.then(this.settled, this.fail);
  }

  private handle(payload: unknown): void {
    const group = this.groups.groupOf(payload, this.args);
    if (group === undefined) return this.own(payload);
    const execution = this.groups.executionFor(payload as object, this.args, group);
    const result = sharedResult(execution);
    if (result) return this.write(result);
    this.behind = NOTHING;
    this.awaiting = payload;
    // Settled already without a result to share (it used the viewer, or failed): told at once.
    if (execution.outcome !== undefined) this.told(execution.outcome);
    else execution.waiters.push(this);
  }

  // Values never come this way: only the end, or the failure.
  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.next() as Promise<IteratorResult<ExecutionResult>>;
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}

/**
 * A subscription waiting with no event behind it yet: every subscriber of an event waits for its
 * group's first execution, and an array apiece would be a hundred allocations per event in a
 * room of a hundred. Frozen, never written to: the first event behind replaces it.
 */
const NOTHING: unknown[] = [];
Object.freeze(NOTHING);

/** Tries of one event's execution while the database cannot answer, and the waits between them. */
const RETRY_MS = [50, 100, 250, 500, 1000, 2000, 4000];

/**
 * Executes one event for one subscriber's context, optionally noticing any use of the viewer.
 * A field the database could not load this time (a lost connection) is not a result to hand
 * out: the event is executed again, after a wait, so that a subscriber receives each event
 * complete and in order, or — when the outage outlasts the retries — with the error.
 */
function run(args: ExecutionArgs, payload: unknown, base: Context, observe: boolean) {
  let used = false;
  const result = (async () => {
    for (let attempt = 0; ; attempt++) {
      const once = runOnce(args, payload, base, observe);
      const outcome = await once.result;
      used ||= once.usedViewer();
      const transient = outcome.errors?.some((e) => isTransientDatabaseError(e));
      if (!transient || attempt >= RETRY_MS.length) return outcome;
      metrics.subscriptionRetries.inc();
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS[attempt]));
    }
  })();
  return { result, usedViewer: () => used };
}

function runOnce(args: ExecutionArgs, payload: unknown, base: Context, observe: boolean) {
  let used = false;
  const ctx = Object.create(base) as Context;
  const loaders = base.loadersFor(payload as object);
  if (observe) {
    const touch = () => {
      used = true;
    };
    for (const field of ['viewerId', 'sessionId'] as const) {
      Object.defineProperty(ctx, field, { get: () => (touch(), base[field]) });
    }
    ctx.loaders = new Proxy(loaders, {
      get(target, name) {
        if (typeof name === 'string' && !SHARED_LOADERS.has(name as never)) touch();
        return Reflect.get(target, name) as unknown;
      },
    }) as Loaders;
  } else {
    ctx.loaders = loaders;
  }
  metrics.subscriptionExecutions.inc({ mode: observe ? 'shared' : 'viewer' });
  const result = Promise.resolve(execute({ ...args, rootValue: payload, contextValue: ctx }));
  return { result, usedViewer: () => used };
}

function bodyOf(result: ExecutionResult, sink: Sink): Buffer {
  let body = serialized.get(result);
  if (body === undefined) {
    body = Buffer.from(`${JSON.stringify(sink.present(result))}}`);
    // Only a result without errors is the same for everyone (errors are presented per client).
    if (!result.errors) serialized.set(result, body);
  }
  return body;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

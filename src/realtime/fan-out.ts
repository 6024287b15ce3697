import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { SHARED_LOADERS, type Context, type Loaders } from '../context.js';
import { isTransientDatabaseError } from '../db/errors.js';
import { metrics } from '../observability/metrics.js';

/**
 * Subscriptions executed once per group instead of once per subscriber. graphql-ws runs a full
 * GraphQL execution for every subscriber of every event; here, subscribers who asked the same
 * thing (document, operation and variables) share one execution per event, and the result
 * object itself, unless the selection depends on who is asking.
 *
 * Which selections depend on the viewer is found out, not declared: the first execution of a
 * selection runs with a context that notices any use of the viewer (`viewerId`, `sessionId`, or
 * a loader outside the shared, viewer-independent set). A selection that used the viewer is
 * executed per subscriber from then on, and that first result is thrown away. Nothing a new
 * field resolver does can leak one viewer's answer to another.
 */
export interface FanOut {
  /** graphql-ws's `subscribe`: the source stream, each event mapped to its (shared) result. */
  subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
  /**
   * Names what `args` asks (query text, operation, variables): subscribers with one key share.
   * With a sink, the subscription writes its `next` frames itself (see `Sink`).
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
  send(frame: string): void;
  /** The result as the client may see it (errors masked, as graphql-ws's `onNext` would). */
  present(result: ExecutionResult): ExecutionResult;
}

/** One group's execution of an event; `result` once it settled into a result the group shares. */
interface Execution {
  pending: Promise<ExecutionResult | typeof PER_VIEWER>;
  result?: ExecutionResult;
}

/** Executions of one event, by group key; dropped with the event. */
const executions = new WeakMap<object, Map<string, Execution>>();
const PER_VIEWER = Symbol('per viewer');
const MAX_KNOWN = 10_000;

/** JSON of each (shared) result, made once however many sockets it goes to. */
const serialized = new WeakMap<ExecutionResult, string>();

export function createFanOut(): FanOut {
  const keys = new WeakMap<ExecutionArgs, string>();
  const sinks = new WeakMap<ExecutionArgs, Sink>();
  /** Group keys whose selection turned out to depend on the viewer. */
  const perViewer = new Set<string>();

  /** The group `args` belongs to for `payload`; undefined when it shares with nobody. */
  function groupOf(payload: unknown, args: ExecutionArgs): string | undefined {
    const key = keys.get(args);
    if (key === undefined || typeof payload !== 'object' || payload === null) return undefined;
    return perViewer.has(key) ? `${key}\u0000${(args.contextValue as Context).viewerId}` : key;
  }

  async function resultFor(payload: unknown, args: ExecutionArgs, groupKey: string | undefined): Promise<ExecutionResult> {
    const base = args.contextValue as Context;
    if (groupKey === undefined) return run(args, payload, base, false).result;
    const key = keys.get(args)!;
    let byKey = executions.get(payload as object);
    if (!byKey) executions.set(payload as object, (byKey = new Map()));
    let shared = byKey.get(groupKey);
    if (!shared) {
      const observed = !perViewer.has(key);
      const execution: Execution = {
        pending: (async () => {
          const { result, usedViewer } = run(args, payload, base, observed);
          const settled = await result;
          if (observed && usedViewer()) {
            if (perViewer.size >= MAX_KNOWN) perViewer.clear();
            perViewer.add(key);
            return PER_VIEWER;
          }
          return settled;
        })(),
      };
      // Failures are the awaiting subscribers' to handle.
      void execution.pending.then((outcome) => outcome !== PER_VIEWER && (execution.result = outcome), () => undefined);
      byKey.set(groupKey, (shared = execution));
    }
    const outcome = await shared.pending;
    // The first subscriber's execution used the viewer: everyone runs their own.
    return outcome === PER_VIEWER ? run(args, payload, base, false).result : outcome;
  }

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
      const frameStart = sink && `{"id":${JSON.stringify(sink.id)},"type":"next","payload":`;
      // A plain iterator rather than an async generator: one small object per subscription.
      const results: AsyncIterableIterator<ExecutionResult> = {
        async next() {
          for (;;) {
            const next = await source.next();
            if (next.done) return next;
            const group = groupOf(next.value, args);
            // A result the group already has is used as it is, without a turn through promises.
            const result = (group !== undefined && executions.get(next.value as object)?.get(group)?.result) || (await resultFor(next.value, args, group));
            if (!sink) return { value: result, done: false };
            if (sink.open()) sink.send(`${frameStart}${jsonOf(result, sink)}}`);
          }
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

function jsonOf(result: ExecutionResult, sink: Sink): string {
  let json = serialized.get(result);
  if (json === undefined) {
    json = JSON.stringify(sink.present(result));
    // Only a result without errors is the same for everyone (errors are presented per client).
    if (!result.errors) serialized.set(result, json);
  }
  return json;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { SHARED_LOADERS, type Context, type Loaders } from '../context.js';
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
  subscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult>;
  /** Names what `args` asks (query text, operation, variables): subscribers with one key share. */
  remember(args: ExecutionArgs, key: string): void;
}

/** Executions of one event, by group key; dropped with the event. */
const executions = new WeakMap<object, Map<string, Promise<ExecutionResult | typeof PER_VIEWER>>>();
const PER_VIEWER = Symbol('per viewer');
const MAX_KNOWN = 10_000;

export function createFanOut(): FanOut {
  const keys = new WeakMap<ExecutionArgs, string>();
  /** Group keys whose selection turned out to depend on the viewer. */
  const perViewer = new Set<string>();

  async function resultFor(payload: unknown, args: ExecutionArgs): Promise<ExecutionResult> {
    const base = args.contextValue as Context;
    const key = keys.get(args);
    if (key === undefined || typeof payload !== 'object' || payload === null) return run(args, payload, base, false).result;
    const groupKey = perViewer.has(key) ? `${key}\u0000${base.viewerId}` : key;
    let byKey = executions.get(payload);
    if (!byKey) executions.set(payload, (byKey = new Map()));
    let shared = byKey.get(groupKey);
    if (!shared) {
      const observed = !perViewer.has(key);
      shared = (async () => {
        const { result, usedViewer } = run(args, payload, base, observed);
        const settled = await result;
        if (observed && usedViewer()) {
          if (perViewer.size >= MAX_KNOWN) perViewer.clear();
          perViewer.add(key);
          return PER_VIEWER;
        }
        return settled;
      })();
      byKey.set(groupKey, shared);
    }
    const outcome = await shared;
    // The first subscriber's execution used the viewer: everyone runs their own.
    return outcome === PER_VIEWER ? run(args, payload, base, false).result : outcome;
  }

  return {
    remember(args, key) {
      keys.set(args, key);
    },
    async subscribe(args) {
      const stream = await createSourceEventStream(args);
      if (!isAsyncIterable(stream)) return stream as ExecutionResult;
      return (async function* () {
        const source = stream[Symbol.asyncIterator]();
        try {
          for (;;) {
            const next = await source.next();
            if (next.done) return;
            yield await resultFor(next.value, args);
          }
        } finally {
          await source.return?.();
        }
      })();
    },
  };
}

/** Executes one event for one subscriber's context, optionally noticing any use of the viewer. */
function run(args: ExecutionArgs, payload: unknown, base: Context, observe: boolean) {
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

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

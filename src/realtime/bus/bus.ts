import type { Logger } from 'pino';
import type { Announcements, CommitHook } from '../../db/transaction.js';
import type { Signal, SignalData, SignalKind, Topic } from './signals.js';

/** What every writer needs of the bus: how transactions announce, and how a signal goes out. */
export interface SignalSender {
  readonly commitHook: CommitHook;
  /** Sends a signal now (typing, acknowledgements); never throws for a transport failure. */
  publish(signal: Signal): Promise<void>;
}

/**
 * How instances tell each other that something happened: the core (hub, revocations) speaks
 * only to this, and each adapter (postgres.ts: LISTEN/NOTIFY; nats.ts: NATS) is a transport.
 * Nothing a client sees travels on it: instances read the chat log and the sessions table, so
 * a signal lost to a dropped connection or a crash costs latency, and is made up by reading.
 */
export interface EventBus extends SignalSender {
  readonly kind: 'postgres' | 'nats';
  /** Whether this instance hears the bus now (for /readyz). */
  readonly connected: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Hears every signal of `kind` that reaches this instance. */
  on<K extends SignalKind>(kind: K, handler: (data: SignalData[K]) => void): void;
  /** The connection, lost at `lostAt` (ms), came back: signals sent meanwhile are lost, so read state again. */
  onReconnect(handler: (lostAt: number) => void): void;
  /**
   * This instance's own commits, with what they announce, when the bus does not bring them back
   * by topic (PostgreSQL: it skips its own NOTIFY and hears them here instead).
   */
  onOwnCommit(handler: (announced: Announcements) => void): void;
  /**
   * Whether only watched topics reach this instance. PostgreSQL's NOTIFY reaches every
   * listener; NATS delivers a chat's or user's signals only to instances that watch it.
   */
  readonly routesByTopic: boolean;
  /** Starts hearing a chat's or user's signals; resolves once the transport has it in place. */
  watch(topic: Topic): Promise<void>;
  unwatch(topic: Topic): void;
  /** How many other instances hear signals for every instance now. */
  peers(): Promise<number>;
}

/** What both adapters share: the handlers of each kind; an adapter decodes, this hands out. */
export abstract class HandlerRegistry {
  private readonly byKind = new Map<SignalKind, Set<(data: never) => void>>();
  private readonly reconnects = new Set<(lostAt: number) => void>();
  private readonly ownCommits = new Set<(announced: Announcements) => void>();

  constructor(protected readonly log: Logger) {}

  on<K extends SignalKind>(kind: K, handler: (data: SignalData[K]) => void): void {
    let set = this.byKind.get(kind);
    if (!set) this.byKind.set(kind, (set = new Set()));
    set.add(handler as (data: never) => void);
  }

  onReconnect(handler: (lostAt: number) => void): void {
    this.reconnects.add(handler);
  }

  onOwnCommit(handler: (announced: Announcements) => void): void {
    this.ownCommits.add(handler);
  }

  protected ownCommit(announced: Announcements): void {
    this.handOut(this.ownCommits, announced, {}, 'a commit handler failed');
  }

  protected emit(kind: SignalKind, data: unknown): void {
    this.handOut(this.byKind.get(kind), data as never, { kind }, 'a bus signal handler failed');
  }

  /** Calls each handler with `value`; one that throws is logged and the others still run. */
  private handOut<T>(handlers: Iterable<(value: T) => void> | undefined, value: T, context: object, failure: string): void {
    for (const handler of handlers ?? []) {
      try {
        handler(value);
      } catch (err) {
        this.log.error({ err, ...context }, failure);
      }
    }
  }

  protected reconnected(lostAt: number): void {
    for (const handler of this.reconnects) handler(lostAt);
  }
}

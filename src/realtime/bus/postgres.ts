import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import type { Logger } from 'pino';
import { FAIL_FAST, type Db, type Tx } from '../../db/client.js';
import { PlainStatement, slot } from '../../db/plain-sql.js';
import type { Announcements, CommitHook } from '../../db/transaction.js';
import { metrics } from '../../observability/metrics.js';
import { HandlerRegistry, type EventBus, type SignalSender } from './bus.js';
import type { Signal, SignalKind } from './signals.js';

/** The channel of log wake-ups and typing. */
export const EVENTS_CHANNEL = 'parley_events';
/** The channel on which instances tell each other of revoked sessions, and acknowledge them. */
export const REVOCATIONS_CHANNEL = 'parley_session_revocations';
/** A log wake-up from a process that does not listen (an instance's names it, see WakeUps). */
export const WAKE = 'log';

/** The channel of presence changes (batches, up to a few thousand bytes). */
export const PRESENCE_CHANNEL = 'parley_presence';

const CHANNELS: Record<SignalKind, string> = {
  log: EVENTS_CHANNEL,
  typing: EVENTS_CHANNEL,
  revocation: REVOCATIONS_CHANNEL,
  ack: REVOCATIONS_CHANNEL,
  presence: PRESENCE_CHANNEL,
};
const KINDS = new Set(Object.keys(CHANNELS));
const LISTENER_PREFIX = 'parley-listen-';
/** The `application_name` of an instance's LISTEN connection. */
export const listenConnectionName = (instanceId: string) => `${LISTENER_PREFIX}${instanceId}`;
const RETRY_MS = [100, 250, 500, 1000, 2000];

/** A signal as a NOTIFY payload: the bare wake-up, or JSON naming its kind. */
const encode = (signal: Signal) => (signal.kind === 'log' ? WAKE : JSON.stringify({ type: signal.kind, ...signal.data }));

/** The NOTIFY of a signal inside a transaction, and of a wake-up in one of its own (notifyAlone): each built once. */
const NOTIFY_IN = new PlainStatement<'channel' | 'payload'>(sql`select pg_notify(${slot('channel')}, ${slot('payload')})`);
const NOTIFY_ALONE = new PlainStatement<'channel' | 'payload'>(
  sql`select set_config('synchronous_commit', 'off', true), pg_notify(${slot('channel')}, ${slot('payload')})`,
);

/** A signal sent inside the caller's transaction: it goes out with the commit, as durable as the rest. */
async function notifyIn(tx: Tx, signal: Signal): Promise<void> {
  await NOTIFY_IN.execute(tx, { channel: CHANNELS[signal.kind], payload: encode(signal) });
  metrics.eventsPublished.inc({ type: signal.kind });
}

/**
 * A NOTIFY in a transaction of its own. PostgreSQL gives a notifying transaction an id and
 * holds its database-wide NOTIFY lock until the commit is flushed, so every notifying commit
 * waits for the one before it; a notification need not outlive a crash (what it says is read
 * from the database, or is ephemeral), so this commit does not wait for its flush.
 */
async function notifyAlone(db: Db, channel: string, payload: string, kind: SignalKind): Promise<void> {
  await NOTIFY_ALONE.execute(db, { channel, payload });
  metrics.eventsPublished.inc({ type: kind });
}

const publishAlone = (db: Db, signal: Signal) => notifyAlone(db, CHANNELS[signal.kind], encode(signal), signal.kind);

/**
 * Log wake-ups, each sent after the commits it announces, one at a time (notifyAlone): a commit
 * while one is on its way asks for one more behind it, so every commit is followed by a NOTIFY
 * sent after it however many commit meanwhile. One lost to a crash costs latency: readers
 * sweep the log.
 */
export class WakeUps {
  private sending = false;
  private more = false;
  private failing = false;

  constructor(
    private readonly db: Db,
    /** The NOTIFY payload: WAKE, or JSON naming the sending instance (which skips its own). */
    private readonly payload: string,
    private readonly log?: Logger,
  ) {}

  wake(): void {
    if (this.sending) {
      this.more = true;
      return;
    }
    this.sending = true;
    this.more = false;
    notifyAlone(this.db, EVENTS_CHANNEL, this.payload, 'log')
      .then(
        () => {
          this.failing = false;
        },
        (err: unknown) => {
          // The database is away: readers' sweeps bring the entries, a moment later.
          if (!this.failing) this.log?.warn({ err: { code: (err as { code?: string }).code } }, 'a log wake-up could not be sent');
          this.failing = true;
        },
      )
      .finally(() => {
        this.sending = false;
        if (this.more) this.wake();
      });
  }
}

/**
 * Signals go inside their transaction: PostgreSQL sends them with the commit and never for a
 * rollback, so nothing is announced that did not happen, nor committed without its announcement.
 * Log wake-ups go after it (WakeUps); `local` tells this instance at once, with what the commit announced.
 */
export function postgresCommitHook(wakeUps: WakeUps, local: (announced: Announcements) => void = () => {}): CommitHook {
  return {
    signalsInTransaction: true,
    notifyIn,
    committed: (announced) => {
      local(announced);
      wakeUps.wake();
    },
  };
}

/** What a process that does not listen (a script) needs to send: NOTIFY through its pool. */
export const postgresSender = (db: Db): SignalSender => ({ commitHook: postgresCommitHook(new WakeUps(db, WAKE)), publish: (signal) => publishAlone(db, signal) });

/**
 * The default bus: PostgreSQL's LISTEN/NOTIFY, no other service. One LISTEN connection per
 * instance (never one per subscriber), re-established with backoff for as long as it takes;
 * every notification reaches every instance. Instances count each other by the
 * `application_name` of these connections (`parley-listen-…`).
 */
export class PostgresBus extends HandlerRegistry implements EventBus {
  readonly kind = 'postgres';
  readonly routesByTopic = false;
  readonly commitHook: CommitHook;
  readonly connectionName: string;
  private sql: postgres.Sql | undefined;
  private listening = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly db: Db,
    log: Logger,
    private readonly instanceId: string,
  ) {
    super(log);
    this.connectionName = listenConnectionName(instanceId);
    // This instance reads at its own commits, and skips the NOTIFY that then comes back to it.
    const wakeUps = new WakeUps(db, JSON.stringify({ type: 'log', from: instanceId }), log);
    this.commitHook = postgresCommitHook(wakeUps, (announced) => this.ownCommit(announced));
  }

  get connected(): boolean {
    return this.listening;
  }

  publish(signal: Signal): Promise<void> {
    return publishAlone(this.db, signal);
  }

  /** Every instance hears every notification: nothing to watch. */
  async watch(): Promise<void> {}
  unwatch(): void {}

  async peers(): Promise<number> {
    const [row] = await this.db.execute<{ n: number }>(
      sql`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name like ${`${LISTENER_PREFIX}%`} and application_name <> ${this.connectionName}`,
    );
    return row?.n ?? 0;
  }

  async start(): Promise<void> {
    this.sql = postgres(this.url, {
      // `onnotify` is how postgres.js delivers notifications; its types leave it out.
      ...{ onnotify: (channel: string, payload: string) => this.receive(channel, payload) },
      ...FAIL_FAST,
      max: 1,
      idle_timeout: 0,
      max_lifetime: 0,
      fetch_types: false,
      onnotice: () => {},
      connection: { application_name: this.connectionName },
      onclose: () => {
        if (this.stopped || !this.listening) return;
        this.listening = false;
        this.log.warn('LISTEN connection lost; reconnecting');
        this.relisten(0, Date.now());
      },
    });
    await this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    clearTimeout(this.retryTimer);
    await this.sql?.end({ timeout: 2 });
  }

  private async listen(): Promise<void> {
    for (const channel of new Set(Object.values(CHANNELS))) await this.sql!.unsafe(`listen "${channel}"`);
    this.listening = true;
  }

  /** Unlike postgres.js's own `listen` (one retry, then silence), this tries until it is back. */
  private relisten(attempt: number, lostAt: number): void {
    const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
    this.retryTimer = setTimeout(() => {
      this.listen().then(
        () => {
          this.log.warn('LISTEN connection restored; reading what was missed');
          metrics.listenReconnects.inc();
          this.reconnected(lostAt);
        },
        (err: unknown) => {
          if (this.stopped) return;
          this.log.warn({ err }, 'LISTEN reconnect failed; retrying');
          this.relisten(attempt + 1, lostAt);
        },
      );
    }, delay);
    this.retryTimer.unref();
  }

  private receive(channel: string, payload: string): void {
    if (channel === EVENTS_CHANNEL && payload === WAKE) return this.emit('log', null);
    try {
      const { type, ...data } = JSON.parse(payload) as { type?: string; from?: string };
      if (type === 'log' && channel === EVENTS_CHANNEL) return data.from === this.instanceId ? undefined : this.emit('log', null);
      if (type && KINDS.has(type) && CHANNELS[type as SignalKind] === channel) return this.emit(type as SignalKind, data);
    } catch {
      // not JSON: reported below
    }
    this.log.warn({ channel }, 'unreadable notification');
  }
}

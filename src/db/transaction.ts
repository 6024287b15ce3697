import type { Signal } from '../realtime/bus/signals.js';
import type { Db, Tx } from './client.js';

/**
 * What a transaction tells other instances once it commits: the chats and users whose log
 * entries it wrote, and signals such as revocation notices.
 */
export interface Announcements {
  readonly chats: ReadonlySet<number>;
  readonly users: ReadonlySet<number>;
  readonly signals: readonly Signal[];
}

/**
 * How a database's writers announce their work (the event bus decides, src/realtime/bus).
 * Wake-ups for log entries always go right after the commit: inside the transaction a NOTIFY
 * holds PostgreSQL's database-wide NOTIFY lock until the commit is flushed, so every notifying
 * commit would wait for the one before it. One can be lost (the process dies in between):
 * readers sweep the log, so that costs latency only. Signals (revocations, presence) go
 * inside the transaction when the bus is PostgreSQL's, where NOTIFY goes out with the commit
 * and never for a rollback, or after it, on a bus outside the database.
 */
export interface CommitHook {
  /** True: signals are NOTIFYs sent inside the transaction itself. */
  readonly signalsInTransaction: boolean;
  /** Sends `signal` inside `tx` (when `signalsInTransaction`). */
  notifyIn(tx: Tx, signal: Signal): Promise<void>;
  /** Once the transaction committed, with the chats and users whose entries it wrote, and its signals when not sent inside it. */
  committed(announced: Announcements): void;
}

class Unit implements Announcements {
  readonly chats = new Set<number>();
  readonly users = new Set<number>();
  readonly signals: Signal[] = [];
  constructor(readonly hook: CommitHook) {}
}

const hooks = new WeakMap<Db, CommitHook>();
const units = new WeakMap<Tx, Unit>();

/** Sets how transactions on `db` announce their work (once per connection pool). */
export function setCommitHook(db: Db, hook: CommitHook): void {
  hooks.set(db, hook);
}

/**
 * `db.transaction` for work that other instances must hear of: every transaction that writes
 * log entries or revokes sessions runs through here, and is announced by the database's hook.
 */
export async function transaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  const hook = hooks.get(db);
  if (!hook) throw new Error('No commit hook for this database: createDataServices sets one');
  let unit: Unit | undefined;
  const result = await db.transaction((tx) => {
    unit = new Unit(hook);
    units.set(tx, unit);
    return work(tx);
  });
  if (unit!.chats.size || unit!.users.size || (!hook.signalsInTransaction && unit!.signals.length)) hook.committed(unit!);
  return result;
}

/** The announcements of a transaction opened by `transaction()`. */
export function announcementsOf(tx: Tx): Unit {
  const unit = units.get(tx);
  if (!unit) throw new Error('Log entries and revocations are written in transactions opened by transaction() (src/db/transaction.ts)');
  return unit;
}

/** Announces a signal with the transaction: inside it (NOTIFY) or after its commit. */
export async function announce(tx: Tx, signal: Signal): Promise<void> {
  const unit = announcementsOf(tx);
  if (unit.hook.signalsInTransaction) await unit.hook.notifyIn(tx, signal);
  else unit.signals.push(signal);
}

/**
 * `transaction()` for statements whose answers the transaction itself does not need: its COMMIT
 * goes out right behind them, in the same round trip, instead of after their answers came back.
 * A lock they take is then held only while PostgreSQL runs them and commits, never while the
 * answers travel to Parley and it gets round to committing. A statement that fails aborts the
 * transaction (PostgreSQL answers the COMMIT with ROLLBACK), and the result rejects with its
 * error. `send` must hand its statements to `tx` before it awaits anything else (as
 * `Promise.all([...])` of them does): a statement sent later would miss the transaction.
 */
export async function commitBehind<T>(db: Db, send: (tx: Tx) => Promise<T>): Promise<T> {
  let answers: Promise<T> | undefined;
  await transaction(db, (tx) => {
    answers = send(tx);
    // Answered once the commit is: a failure arriving before that is not an unhandled one.
    answers.catch(() => undefined);
    // Not the answers themselves: postgres.js would wait for them before it commits.
    return Promise.resolve();
  });
  return answers!;
}
